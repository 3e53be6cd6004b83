"""The kernel pipeline: compression starts as files arrive, originals stay exact, thumbnails, the gallery."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from choose_media import ChooseMediaResult, ChooseMediaWidget, Errno
from choose_media.samples import make_photo, make_transparent_png, make_video
from choose_media.store import TempFileStore


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


class Browser:
    """Sends the widget what the front-end would, and keeps its replies."""

    def __init__(self, store_dir: Path, **options: Any) -> None:
        self.widget = ChooseMediaWidget(store=TempFileStore(store_dir), **options)
        self.replies: list[dict[str, Any]] = []
        self.widget.send = lambda content, buffers=None: self.replies.append(content)  # type: ignore[method-assign]

    def msg(self, **content: Any) -> None:
        buffers = content.pop("buffers", [])
        self.widget._on_message(self.widget, content, buffers)

    def upload(self, tid: str, path: Path) -> None:
        data = path.read_bytes()
        self.msg(kind="begin", id=tid, size=len(data), source="album", name=path.name)
        self.msg(kind="chunk", id=tid, offset=0, buffers=[memoryview(data)])
        self.msg(kind="end", id=tid, md5=hashlib.md5(data).hexdigest())

    def files_in_store(self) -> list[Path]:
        root = self.widget._store.root
        return sorted(p for p in root.rglob("*") if p.is_file())


def _settle(browser: Browser) -> None:
    deadline = time.monotonic() + 30
    while browser.widget._processor.pending() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_compression_starts_as_soon_as_a_file_arrives(media: dict[str, Path], tmp_path: Path) -> None:
    b = Browser(tmp_path)
    b.upload("a", media["photo"])
    assert "a" in b.widget._processor._jobs  # before Confirm
    _settle(b)
    b.msg(kind="confirm", ids=["a"], original=False)
    f = b.widget.temp_files[0]
    assert f.compressed and (f.width, f.height) == (1440, 1920)


def test_original_after_background_compression_is_exact_and_leaves_nothing_behind(
    media: dict[str, Path], tmp_path: Path
) -> None:
    b = Browser(tmp_path)
    b.upload("a", media["photo"])
    _settle(b)
    b.msg(kind="confirm", ids=["a"], original=True)
    _settle(b)
    f = b.widget.temp_files[0]
    assert f.md5 == hashlib.md5(media["photo"].read_bytes()).hexdigest()
    assert b.files_in_store() == sorted([f.path, f.thumb_path])


def test_a_removed_file_leaves_nothing_in_the_store(media: dict[str, Path], tmp_path: Path) -> None:
    b = Browser(tmp_path)
    b.upload("a", media["photo"])
    b.msg(kind="remove", id="a")
    # background work already running is cleaned up when it ends
    deadline = time.monotonic() + 30
    while b.files_in_store() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.files_in_store() == []


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
    b = Browser(tmp_path, sizeType=["compressed"])
    seen: list[float] = []
    b.widget.observe(lambda c: seen.append(c["new"]), names="progress")
    b.upload("a", media["video"])
    b.msg(kind="confirm", ids=["a"], original=False)
    assert seen and seen[-1] == 1.0 and b.widget.temp_files[0].compressed
