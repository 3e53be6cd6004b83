"""The kernel pipeline: compression starts as files arrive, originals stay exact, thumbnails, the gallery."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from choose_media import ChooseMediaResult, ChooseMediaWidget, Errno
from choose_media.samples import make_photo, make_transparent_png, make_video
from tests.support.fake_page import FakePage, wait_until


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pipeline")
    return {
        "photo": make_photo(folder / "photo.jpg", (2400, 1800)),
        "alpha": make_transparent_png(folder / "alpha.png"),
        "video": make_video(folder / "clip.mp4", seconds=1.0, size=(320, 240)),
        "junk": _write(folder / "junk.jpg", b"#!/bin/sh\necho not an image\n"),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def compressed_output(page: FakePage) -> list[Path]:
    """Files the pipeline made in the store (beside the received originals in ``.incoming``)."""
    return [p for p in page.files_in_store() if p.parent == page.widget.store.root]


def test_compression_starts_as_soon_as_a_file_arrives(media: dict[str, Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path)
    page.stored(page.upload_file("a", media["photo"], md5=True))
    # before Confirm, the compressed copy (and its thumbnail) appear in the store
    wait_until(lambda: len(compressed_output(page)) == 2, what="the background compression's output")
    result = page.confirm(["a"], original=False)
    f = page.widget.temp_files[0]
    assert result["errMsg"] == "chooseMedia:ok"
    assert f.compressed and (f.width, f.height) == (1440, 1920)
    assert sorted(compressed_output(page)) == sorted([f.path, f.thumb_path])  # the copy made early is the one used


def test_original_after_background_compression_is_exact_and_leaves_nothing_behind(
    media: dict[str, Path], tmp_path: Path
) -> None:
    page = FakePage(store_dir=tmp_path)
    page.stored(page.upload_file("a", media["photo"], md5=True))
    wait_until(lambda: len(compressed_output(page)) == 2, what="the background compression's output")
    page.confirm(["a"], original=True)
    f = page.widget.temp_files[0]
    assert f.md5 == hashlib.md5(media["photo"].read_bytes()).hexdigest()
    wait_until(lambda: page.files_in_store() == sorted([f.path, f.thumb_path]), what="only the result's files")


def test_a_removed_file_leaves_nothing_in_the_store(media: dict[str, Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path)
    page.stored(page.upload_file("a", media["photo"]))
    page.send("remove", id="a")
    assert page.widget.pick.stored == ()
    # background work already running is cleaned up when it ends
    wait_until(lambda: page.files_in_store() == [], 30, "an empty store")


def test_a_bad_file_fails_alone_with_its_errno(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget()
    result = w.pick_files([media["photo"], media["junk"], media["alpha"]])
    assert [f["type"] for f in result["tempFiles"]] == ["image", "image"]
    assert result["failedFiles"] == [
        {"name": "junk.jpg", "errno": Errno.UNSUPPORTED_FILE, "errMsg": result["failedFiles"][0]["errMsg"]}
    ]
    assert "junk.jpg" in result["failedFiles"][0]["errMsg"]


def test_every_file_gets_a_thumbnail(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget()
    result = w.pick_files([media["photo"], media["video"]])
    for entry, f in zip(result["tempFiles"], w.temp_files, strict=True):
        assert entry["thumbTempFilePath"].startswith("ttfile://temp/")
        assert f.thumb_path is not None
        with Image.open(f.thumb_path) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) <= 320
            # upright like the media itself
            assert (thumb.width < thumb.height) == (f.width < f.height)  # type: ignore[operator]


def test_result_object_renders_a_gallery_with_names_escaped(media: dict[str, Path], tmp_path: Path) -> None:
    evil = tmp_path / "<img src=x onerror=alert(1)>.jpg"
    evil.write_bytes(media["photo"].read_bytes())
    w = ChooseMediaWidget()
    w.pick_files([evil, media["video"]])
    obj = w.result_object
    assert isinstance(obj, ChooseMediaResult) and obj.ok and len(obj) == 2
    html = obj._repr_html_()
    assert html.count("data:image/jpeg;base64,") == 2
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "1440×1920" in html and "1.0 s" in html


def test_progress_reaches_one_after_confirm(media: dict[str, Path], tmp_path: Path) -> None:
    page = FakePage(store_dir=tmp_path, sizeType=["compressed"])
    seen: list[float] = []
    details: list[dict[str, int]] = []
    page.widget.observe(lambda c: seen.append(c["new"]), names="progress")
    page.widget.observe(lambda c: details.append(c["new"]), names="status_detail")
    page.stored(page.upload_file("a", media["video"]))
    page.confirm(["a"], original=False)
    assert seen and seen[-1] == 1.0 and page.widget.temp_files[0].compressed
    assert {"done": 0, "total": 1} in details and {"done": 1, "total": 1} in details
    assert page.widget.status == "done" and page.widget.status_detail == {}
