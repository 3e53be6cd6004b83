"""Every bad file gets a clear per-file error with its errno; the other files of the same pick survive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from choose_media import ChooseMediaWidget, Errno
from choose_media.store import TempFileStore
from tests.support import media_fixtures as fx
from tests.support.fake_page import FakePage

HOSTILE = fx.SHARED_MEDIA / "hostile"

# (fixture maker, errno, words the message must contain)
GENERATED: dict[str, tuple[Callable[[Path], Path], int, str]] = {
    "bomb_png": (fx.bomb_png, Errno.UNSUPPORTED_FILE, "decompression bomb"),
    "growing_gif": (lambda d: fx.growing_gif(d, 40_000, 40_000), Errno.UNSUPPORTED_FILE, "decompression bomb"),
    "truncated_jpeg": (fx.truncated_jpeg, Errno.UNSUPPORTED_FILE, ""),
    "script_as_jpg": (fx.script_as_jpg, Errno.UNSUPPORTED_FILE, "not an image or video"),
    "svg": (fx.svg_file, Errno.UNSUPPORTED_FILE, "not an image or video"),
    "html_as_png": (fx.html_as_png, Errno.UNSUPPORTED_FILE, "not an image or video"),
    "pdf": (fx.pdf_file, Errno.UNSUPPORTED_FILE, "not an image or video"),
    "zip": (fx.zip_file, Errno.UNSUPPORTED_FILE, "not an image or video"),
    "empty": (fx.empty_file, Errno.EMPTY_FILE, "empty"),
    "hls_as_mp4": (lambda d: fx.hls_playlist(d, "http://127.0.0.1:9/x.ts"), Errno.UNSUPPORTED_FILE, ""),
    "concat_as_mp4": (lambda d: fx.concat_list(d, "/etc/passwd"), Errno.UNSUPPORTED_FILE, ""),
}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.photo_jpeg(tmp_path_factory.mktemp("good"), (800, 600))


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_bad_file_fails_alone(case: str, good: Path, tmp_path: Path) -> None:
    make, errno, words = GENERATED[case]
    bad = make(tmp_path)
    w = ChooseMediaWidget(store=TempFileStore(tmp_path / "store"))
    result = w.pick_files([good, bad, good])
    assert result["errMsg"] == "chooseMedia:ok"
    assert [f["type"] for f in result["tempFiles"]] == ["image", "image"]
    (failure,) = result["failedFiles"]
    assert failure["errno"] == errno, failure
    assert failure["errMsg"].startswith(f"chooseMedia:fail {bad.name}: ") and words in failure["errMsg"]
    assert not any(p.suffix == ".part" for p in (tmp_path / "store").rglob("*")), "no partial file is left"


@pytest.mark.skipif(not HOSTILE.is_dir(), reason="../shared/media/hostile is not beside the clone")
@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*")) if HOSTILE.is_dir() else [])
def test_shared_hostile_file_fails_alone_or_is_handled(name: str, good: Path, tmp_path: Path) -> None:
    w = ChooseMediaWidget(store=TempFileStore(tmp_path / "store"))
    result = w.pick_files([good, HOSTILE / name])
    assert result["tempFiles"][0]["type"] == "image"
    if result.get("failedFiles"):
        (failure,) = result["failedFiles"]
        assert failure["errno"] == Errno.UNSUPPORTED_FILE
        assert failure["errMsg"].startswith(f"chooseMedia:fail {name}: ")
    else:  # readable despite the damage (as in a browser): then it must really decode
        assert w.temp_files[1].to_pil().size == (w.temp_files[1].width, w.temp_files[1].height)


def test_a_video_named_png_is_a_video(tmp_path: Path) -> None:
    video = fx.mp4_with_audio(tmp_path).rename(tmp_path / "photo.png")
    result = ChooseMediaWidget(sizeType=["original"]).pick_files([video])
    entry = result["tempFiles"][0]
    assert entry["type"] == "video" and entry["tempFilePath"].endswith(".mp4")
    refused = ChooseMediaWidget(mediaType=["image"]).pick_files([video])
    assert refused["errno"] == Errno.UNSUPPORTED_FILE and "is a video" in refused["errMsg"]


def test_the_declared_mime_type_is_ignored(tmp_path: Path, good: Path) -> None:
    b = FakePage(store_dir=tmp_path / "store", mediaType=["image"])
    script = b"#!/bin/sh\nrm -rf /\n"
    b.msg({"kind": "begin", "id": "s", "size": len(script), "source": "album", "mime": "image/jpeg", "name": "x.jpg"})
    b.msg({"kind": "chunk", "id": "s", "offset": 0}, [script])
    (reply,) = b.msg({"kind": "end", "id": "s"})
    assert reply["kind"] == "error" and reply["errno"] == Errno.UNSUPPORTED_FILE
    assert b.files_in_store() == []


def test_file_over_the_limit_is_refused_before_any_byte_and_enforced_anyway(tmp_path: Path, good: Path) -> None:
    data = good.read_bytes()
    b = FakePage(store_dir=tmp_path / "store", max_file_size=len(data) - 1)
    (reply,) = b.msg({"kind": "begin", "id": "big", "size": len(data), "source": "album"})
    assert reply["errno"] == Errno.FILE_TOO_LARGE
    # a browser that lies about the size is stopped by the kernel when the bytes pass the declared size
    b.msg({"kind": "begin", "id": "liar", "size": 10, "source": "album"})
    (reply,) = b.msg({"kind": "chunk", "id": "liar", "offset": 0}, [data])
    assert reply["kind"] == "error" and reply["errno"] == Errno.TRANSFER_INTERRUPTED
    assert b.files_in_store() == []
    result = ChooseMediaWidget(max_file_size=len(data) - 1).pick_files([good])
    assert result["errno"] == Errno.FILE_TOO_LARGE


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "a/b\\c.jpg", "nul\x00byte.jpg", "x" * 5000 + ".jpg", "🙂\u202eexe.jpg", "", 42],
)
def test_uploaded_names_never_become_paths(tmp_path: Path, good: Path, name: object) -> None:
    b = FakePage(store_dir=tmp_path / "store")
    data = good.read_bytes()
    b.msg({"kind": "begin", "id": "n", "size": len(data), "source": "album", "name": name})
    b.msg({"kind": "chunk", "id": "n", "offset": 0}, [data])
    stored = b.stored(b.msg({"kind": "end", "id": "n"}))
    shown = name.replace("\x00", "")[:255] if isinstance(name, str) else ""  # for display only
    assert stored["name"] == b.widget.pick.stored[0].name == shown
    result = b.confirm(["n"], original=True)
    f = b.widget.temp_files[0]
    assert f.path.parent == tmp_path / "store"
    assert result["tempFiles"][0]["tempFilePath"].startswith("ttfile://temp/")
    assert "\x00" not in f.name and len(f.name) <= 255
    assert not (tmp_path / "etc").exists()


def test_the_pick_as_a_whole_has_a_limit_too(tmp_path: Path, good: Path) -> None:
    data = good.read_bytes()
    b = FakePage(store_dir=tmp_path / "store", max_pick_size=len(data) * 3 // 2, sizeType=["original"])
    assert b.upload("one", data)[-1]["kind"] == "stored"
    (refused,) = b.msg({"kind": "begin", "id": "two", "size": len(data), "source": "album"})
    assert refused["errno"] == Errno.FILE_TOO_LARGE and "for one pick" in refused["errMsg"]
    assert b.confirm(["one"])["errMsg"] == "chooseMedia:ok"
    headless = ChooseMediaWidget(max_pick_size=len(data) * 3 // 2).pick_files([good, good])
    assert headless["errno"] == Errno.FILE_TOO_LARGE
