"""The kernel side of the camera, without a browser: camera errors, live frames, trimming, isSaveToAlbum."""

from __future__ import annotations

import errno
import io
import os
import shutil
from pathlib import Path
from typing import Any

import ipywidgets
import pytest
from PIL import Image

from choose_media import ChooseMediaWidget
from choose_media.album.folder import ALBUM_ENV, default_album_dir, save_to_album
from choose_media.camera.captures import CameraCaptures, CameraRules
from choose_media.camera.trim import needs_trim, trim_video
from choose_media.errors import Errno, MediaError
from choose_media.media.pipeline import recognise
from choose_media.media.videos import probe_video
from choose_media.store import TempFileStore, file_md5
from tests.support import media_fixtures as mf
from tests.support.fake_page import FakePage, Replies


def page_for(tmp_path: Path, **options: Any) -> FakePage:
    """A fake page over a widget with its own store."""
    return FakePage(store_dir=tmp_path / "store", **options)


def upload(page: FakePage, tid: str, path: Path, source: str = "camera") -> Replies:
    """The page's transfer of ``path`` (one chunk, no md5, as the shipped page)."""
    return page.upload_file(tid, path, source=source)


def jpeg(path: Path, colour: tuple[int, int, int] = (200, 30, 30)) -> Path:
    Image.new("RGB", (64, 48), colour).save(path, "JPEG")
    return path


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


# -- camera errors ---------------------------------------------------------------------------------------


def test_camera_error_fails_a_camera_only_pick_with_its_errno(tmp_path: Path) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    page = page_for(
        tmp_path, sourceType=["camera"],
        fail=lambda r: calls.append(("fail", r)), complete=lambda r: calls.append(("complete", r)),
        success=lambda r: calls.append(("success", r)),
    )
    w = page.widget
    detail = "camera permission was denied: allow the camera for this page"
    assert page.send("camera_error", errno=1107003, detail=detail) == []
    expected = {"errMsg": f"chooseMedia:fail {detail}", "errno": 1107003}
    assert w.result == expected and w.status == "done"
    assert calls == [("fail", expected), ("complete", expected)]
    assert w.camera_error == expected and w.camera_state["state"] == "error"
    page.send("camera_error", errno=1107004, detail="x")  # a second view: the pick is over
    assert w.result == expected and len(calls) == 2


def test_a_failed_recording_is_reported_but_never_fails_the_pick(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    page = page_for(tmp_path, sourceType=["camera"], complete=calls.append)
    w = page.widget
    page.send("camera_state", state="live", source="getUserMedia")
    assert page.send("camera_error", errno=1107014, detail="the recording came out empty") == []
    assert w.camera_error == {"errMsg": "chooseMedia:fail the recording came out empty", "errno": 1107014}
    # the camera is still live and the user can shoot again: no result, no callback
    assert w.result is None and w.status == "idle" and calls == [] and w.camera_state["state"] == "live"


def test_camera_error_with_the_album_offered_keeps_the_pick_open(tmp_path: Path) -> None:
    page = page_for(tmp_path, sourceType=["album", "camera"])
    w = page.widget
    page.send("camera_error", errno=1107005, detail="not a secure context")
    assert w.result is None and w.status == "idle"
    assert w.camera_error == {"errMsg": "chooseMedia:fail not a secure context", "errno": 1107005}


def test_camera_error_after_a_shot_does_not_throw_the_shot_away(tmp_path: Path) -> None:
    page = page_for(tmp_path, sourceType=["camera"], mediaType=["image"])
    w = page.widget
    assert page.stored(upload(page, "shot-1", jpeg(tmp_path / "photo.jpg")))["source"] == "camera"
    page.send("camera_error", errno=1107004, detail="the camera stopped")
    assert w.result is None and [s.id for s in w.pick.stored] == ["shot-1"]  # the pick goes on with the shot
    assert w.camera_error == {"errMsg": "chooseMedia:fail the camera stopped", "errno": 1107004}
    assert page.confirm(["shot-1"])["errMsg"] == "chooseMedia:ok" and len(w.result["tempFiles"]) == 1


@pytest.mark.parametrize(
    ("raw", "expected_errno", "expected_text"),
    [
        (42, 1107004, "no camera could be opened"),  # not a camera errno
        ("1107003", 1107004, "no camera could be opened"),
        (1107003, 1107003, "camera permission was denied"),  # no text: the errno's description
    ],
)
def test_camera_error_never_trusts_the_page(tmp_path: Path, raw: Any, expected_errno: int, expected_text: str) -> None:
    page = page_for(tmp_path, sourceType=["camera"])
    page.send("camera_error", errno=raw, detail=None)
    assert page.widget.result == {"errMsg": f"chooseMedia:fail {expected_text}", "errno": expected_errno}


def test_camera_error_errmsg_from_the_page_is_not_used(tmp_path: Path) -> None:
    """The kernel writes every errMsg: an old-style (or forged) errMsg from the page is ignored."""
    page = page_for(tmp_path, sourceType=["camera"])
    page.send("camera_error", errno=1107003, errMsg="chooseMedia:ok")
    assert page.widget.result == {"errMsg": "chooseMedia:fail camera permission was denied", "errno": 1107003}


def test_camera_error_text_is_bounded(tmp_path: Path) -> None:
    page = page_for(tmp_path, sourceType=["camera"])
    w = page.widget
    page.send("camera_error", errno=1107004, detail="x\x00" * 5000)
    assert len(w.result["errMsg"]) <= len("chooseMedia:fail ") + 400 and "\x00" not in w.result["errMsg"]


def test_camera_state_is_kept_unless_oversized(tmp_path: Path) -> None:
    page = page_for(tmp_path)
    w = page.widget
    assert page.send("camera_state", state="live", source="getUserMedia", facing="user") == []
    assert w.camera_state == {"state": "live", "source": "getUserMedia", "facing": "user"}
    page.send("camera_state", state="live", label="x" * 10_000)
    assert w.camera_state["facing"] == "user"


# -- live frames through the widget ------------------------------------------------------------------------


def test_on_frame_syncs_the_request_and_acknowledges_every_frame(tmp_path: Path) -> None:
    page = page_for(tmp_path, sourceType=["camera"])
    w = page.widget
    got: list[Any] = []
    w.on_frame(got.append, fps=12, size=(4, 2), format="rgba")
    assert w.frame_request == {"fps": 12.0, "width": 4, "height": 2, "format": "rgba"}
    pixels = bytes([10, 20, 30, 255]) * 8
    replies = page.send("frame", [pixels], seq=5, timestamp=1700000000.25, width=4, height=2, format="rgba", dropped=2)
    assert replies == [{"kind": "frame_ack", "seq": 5}] and page.replies == replies
    [frame] = got
    assert (frame.seq, frame.width, frame.height, frame.timestamp) == (5, 4, 2, 1700000000.25)
    assert frame.to_pil().getpixel((3, 1)) == (10, 20, 30)
    assert w.frame_stats["dropped_in_browser"] == 2
    w.on_frame(got.append, remove=True)
    assert w.frame_request == {}
    with pytest.raises(ValueError):
        w.on_frame(got.append, fps=0)
    assert w.frame_request == {}


def test_on_frame_defaults_to_jpeg_at_640x480_and_closing_ends_the_stream(tmp_path: Path) -> None:
    page = page_for(tmp_path)
    w = page.widget
    got: list[Any] = []
    w.on_frame(got.append)
    assert w.frame_request == {"fps": 10.0, "width": 640, "height": 480, "format": "jpeg"}
    frame = {"seq": 1, "timestamp": 1.0, "width": 8, "height": 6, "format": "jpeg", "dropped": 0}
    assert page.send("frame", [jpeg_bytes()], **frame) == [{"kind": "frame_ack", "seq": 1}] and len(got) == 1
    w.close()
    # no callback hears of a frame still on its way after the close (it is acknowledged all the same)
    assert page.send("frame", [jpeg_bytes()], **(frame | {"seq": 2})) == [{"kind": "frame_ack", "seq": 2}]
    assert len(got) == 1 and w.frame_stats["delivered"] == 1


# -- camera_stream (ipywebrtc) -----------------------------------------------------------------------------


def test_camera_stream_takes_an_ipywebrtc_stream_and_syncs_it_as_a_widget_reference(tmp_path: Path) -> None:
    from ipywebrtc import CameraStream, ImageStream

    stream = CameraStream.facing_user(audio=False)
    w = ChooseMediaWidget(store=TempFileStore(tmp_path / "s"), sourceType=["camera"], camera_stream=stream)
    assert w.camera_stream is stream
    assert w.get_state()["camera_stream"] == f"IPY_MODEL_{stream.model_id}"
    w.camera_stream = ImageStream(image=ipywidgets.Image())  # any ipywebrtc media stream
    w.camera_stream = None
    with pytest.raises(Exception, match="ipywebrtc media stream"):
        w.camera_stream = ipywidgets.Button()
    with pytest.raises(Exception, match="ipywebrtc media stream"):
        ChooseMediaWidget(camera_stream=ipywidgets.Label())


# -- maxDuration -------------------------------------------------------------------------------------------


def test_needs_trim_allows_one_frame() -> None:
    assert not needs_trim(3.03, 30.0, 3)  # 3 s + one frame of 30 fps (the probe prints centiseconds)
    assert needs_trim(3.04, 30.0, 3)
    assert not needs_trim(3.04, 25.0, 3)
    assert needs_trim(3.04, 1000.0, 3)  # MediaRecorder WebM reports "1k" fps: 30 fps is assumed
    assert not needs_trim(2.0, 0.0, 3)


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    webm = d / "long.webm"
    mf.ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
        "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", "-shortest", str(webm),
    )  # fmt: skip
    return {"mp4": mf.mp4_with_audio(d, "long.mp4", seconds=4.0), "webm": webm}


@pytest.mark.parametrize("kind", ["mp4", "webm"])
def test_trim_video_cuts_at_max_duration_and_keeps_the_container(
    tmp_path: Path, long_clips: dict[str, Path], kind: str
) -> None:
    src = long_clips[kind]
    before = file_md5(src)
    out = trim_video(src, 3.0, tmp_path / "work")
    info = probe_video(out)
    assert out.parent == (tmp_path / "work").resolve() and out.suffix == f".{kind}"
    assert 3.0 - 1 / 25 <= info.duration and not needs_trim(info.duration, info.fps, 3.0)
    assert info.has_audio and (info.width, info.height) == (320, 240)
    assert file_md5(src) == before  # the source is left alone


def test_a_camera_video_over_max_duration_is_trimmed_when_it_arrives(tmp_path: Path, long_clips: dict[str, Path]) -> None:
    page = page_for(tmp_path, sourceType=["album", "camera"], maxDuration=3, sizeType=["original"])
    w = page.widget
    upload(page, "camera-clip", long_clips["mp4"], "camera")
    upload(page, "album-clip", long_clips["mp4"], "album")
    stored = {m["id"]: m for m in page.replies if m["kind"] == "stored"}
    assert stored["camera-clip"]["duration"] <= 3 + 1 / 25
    assert stored["album-clip"]["duration"] == pytest.approx(4.0, abs=0.05)  # the album is not limited
    assert (stored["camera-clip"]["source"], stored["camera-clip"]["name"]) == ("camera", "long.mp4")
    picked = {s.id: s for s in w.pick.stored}
    assert picked["camera-clip"].duration == stored["camera-clip"]["duration"]
    assert picked["camera-clip"].size == stored["camera-clip"]["size"] < long_clips["mp4"].stat().st_size
    page.confirm(["camera-clip", "album-clip"], original=True)
    durations = [e["duration"] for e in w.result["tempFiles"]]
    assert durations[0] <= 3 + 1 / 25 and durations[1] == pytest.approx(4.0, abs=0.05)
    trimmed = w.temp_files[0]
    # the result's name carries the md5 of the trimmed file, not of the upload
    assert trimmed.md5 == file_md5(trimmed.path) != file_md5(long_clips["mp4"])
    assert trimmed.md5 in trimmed.temp_file_path


def test_a_camera_video_within_max_duration_is_kept_byte_for_byte(tmp_path: Path, long_clips: dict[str, Path]) -> None:
    page = page_for(tmp_path, sourceType=["camera"], maxDuration=5, sizeType=["original"])
    w = page.widget
    upload(page, "clip", long_clips["mp4"], "camera")
    page.confirm(["clip"], original=True)
    assert w.temp_files[0].md5 == file_md5(long_clips["mp4"])


# -- isSaveToAlbum -----------------------------------------------------------------------------------------


def test_save_to_album_writes_whole_files_under_new_names_and_never_overwrites(tmp_path: Path) -> None:
    album = tmp_path / "album" / "nested"
    photo = jpeg(tmp_path / "p.jpg")
    when = 1_754_000_000.0
    first = save_to_album(photo, album, "jpg", when=when)
    second = save_to_album(photo, album, ".JPG", when=when)
    (album / first.name.replace(".jpg", "-2.jpg")).write_bytes(b"someone else's")
    third = save_to_album(photo, album, "jpg", when=when)
    video = save_to_album(photo, album, "mp4", when=when)
    stem = first.stem
    assert stem.startswith("IMG_") and video.name == f"{stem.replace('IMG_', 'VID_')}.mp4"
    assert [p.name for p in (first, second, third)] == [f"{stem}.jpg", f"{stem}-1.jpg", f"{stem}-3.jpg"]
    assert (album / f"{stem}-2.jpg").read_bytes() == b"someone else's"
    assert all(p.read_bytes() == photo.read_bytes() for p in (first, second, third))
    assert sorted(os.listdir(album)) == sorted([first.name, second.name, third.name, f"{stem}-2.jpg", video.name])


def test_save_to_album_works_where_hard_links_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: Any, dst: Any) -> None:
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    photo = jpeg(tmp_path / "p.jpg")
    a = save_to_album(photo, tmp_path / "album", "jpg", when=0)
    b = save_to_album(photo, tmp_path / "album", "jpg", when=0)
    assert a != b and a.read_bytes() == b.read_bytes() == photo.read_bytes()
    assert len(os.listdir(tmp_path / "album")) == 2  # no temporary file left behind


def test_save_to_album_failures_are_media_errors(tmp_path: Path) -> None:
    photo = jpeg(tmp_path / "p.jpg")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(MediaError) as info:
        save_to_album(photo, blocker / "album", "jpg")
    assert info.value.errno == Errno.SAVE_TO_ALBUM_FAILED
    with pytest.raises(MediaError):
        save_to_album(photo, tmp_path / "album", "../x")
    with pytest.raises(MediaError):
        save_to_album(tmp_path / "missing.jpg", tmp_path / "album", "jpg")
    assert os.listdir(tmp_path / "album") == []


def test_default_album_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ALBUM_ENV, str(tmp_path / "mine"))
    assert default_album_dir() == tmp_path / "mine"
    monkeypatch.delenv(ALBUM_ENV)
    assert default_album_dir() == Path.home() / "choose-media-album"


@pytest.mark.parametrize("save", ["1", "0"])
def test_confirm_saves_camera_shots_only_and_only_when_asked(tmp_path: Path, save: str) -> None:
    album = tmp_path / "album"
    page = page_for(
        tmp_path, sourceType=["album", "camera"], mediaType=["image"], isSaveToAlbum=save, album_dir=album
    )
    w = page.widget
    shot = jpeg(tmp_path / "shot.jpg", (10, 200, 10))
    upload(page, "shot", shot, "camera")
    upload(page, "picked", jpeg(tmp_path / "picked.jpg"), "album")
    page.confirm(["shot", "picked"], original=False)
    assert w.result["errMsg"] == "chooseMedia:ok" and len(w.result["tempFiles"]) == 2
    if save == "1":
        [saved] = w.saved_to_album
        assert saved.parent == album and saved.read_bytes() == shot.read_bytes()  # the original shot
    else:
        assert w.saved_to_album == [] and not album.exists()


def test_an_album_that_cannot_be_written_does_not_fail_the_pick(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    page = page_for(tmp_path, sourceType=["camera"], mediaType=["image"], isSaveToAlbum="1", album_dir=blocker / "album")
    w = page.widget
    upload(page, "shot", jpeg(tmp_path / "shot.jpg"), "camera")
    page.confirm(["shot"], original=False)
    assert w.result["errMsg"] == "chooseMedia:ok"
    assert w.saved_to_album == [] and len(w.album_errors) == 1
    assert any(m["kind"] == "error" and m["errno"] == 1107010 and m["id"] is None for m in page.replies)


def test_received_media_of_the_camera_carries_its_duration_limit_when_the_pipeline_knows_it(
    tmp_path: Path, long_clips: dict[str, Path]
) -> None:
    reported: list[str] = []
    captures = CameraCaptures(
        TempFileStore(tmp_path / "store"), lambda: CameraRules(("video",), 5, False, tmp_path / "album"), reported.append
    )
    path = tmp_path / "copy.mp4"
    shutil.copy(long_clips["mp4"], path)
    media = recognise(path, file_md5(path), media_types=["video"])
    kept = captures.received("camera", media)  # within maxDuration: not trimmed, but the limit goes along
    assert kept.max_duration == 5 and kept.path == media.path and file_md5(path) == media.md5
    assert captures.received("album", media) is media  # the album is not limited
    assert reported == []
