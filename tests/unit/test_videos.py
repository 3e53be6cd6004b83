"""What a user notices about videos: the probe agrees with ffmpeg, portrait clips stay portrait, the MP4
plays everywhere and starts streaming at once, progress moves forward, and a crafted file cannot make
ffmpeg read anything but itself."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

from choose_media.errors import Errno, MediaError
from choose_media.media.videos import (
    VideoInfo,
    VideoSettings,
    ffmpeg_exe,
    local_input_args,
    poster_frame,
    probe_video,
    transcode_video,
)
from tests.support import media_fixtures as mf

needs_shared = pytest.mark.skipif(not mf.SHARED_MEDIA.is_dir(), reason="../shared/media is not present")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every video fixture, made once per module (about half a second)."""
    d = tmp_path_factory.mktemp("videos")
    clip = mf.mp4_with_audio(d)
    return {
        "clip": clip,
        "rotated": mf.rotated_mp4(d, clip),
        "silent_odd": mf.silent_mp4(d),
        "webm": mf.webm_vp8(d),
        "live_webm": mf.webm_vp8(d, live=True),
        "big": mf.mp4_with_audio(d, "big.mp4", size="640x480", seconds=1.0),
    }


def ffmpeg_says(path: Path) -> str:
    """What ``ffmpeg -i`` prints, unrestricted: the reference the probe is compared with."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stderr


def imageio_meta(path: Path) -> dict[str, object]:
    frames = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(frames)
    finally:
        frames.close()
    assert isinstance(meta, dict)
    return meta


def same_as_ffmpeg(path: Path, info: VideoInfo) -> None:
    meta = imageio_meta(path)
    assert (info.width, info.height) == meta["size"]  # imageio reports the displayed (rotated) size
    assert info.fps == pytest.approx(meta["fps"], abs=0.01)
    assert info.codec == str(meta["codec"]).rstrip(",")
    expected_duration = float(meta["duration"])  # type: ignore[arg-type]
    if expected_duration <= 0:  # not in the header: count by decoding, as ffmpeg itself would
        _frames, expected_duration = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert info.duration == pytest.approx(expected_duration, abs=0.1)
    assert info.has_audio == ("audio_codec" in meta)


# --- local_input_args ------------------------------------------------------------------------------


def test_input_args_name_one_absolute_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    args = local_input_args(Path("a.mp4"))
    assert args[:2] == ["-protocol_whitelist", "file"]
    assert args[-2:] == ["-i", str(tmp_path.resolve() / "a.mp4")]
    assert "-format_whitelist" in args


@pytest.mark.parametrize("target", ["missing.mp4", ".", "/dev/null"])
def test_input_args_refuse_anything_but_a_regular_file(tmp_path: Path, target: str) -> None:
    path = Path(target) if target.startswith("/") else tmp_path / target
    with pytest.raises(MediaError) as caught:
        local_input_args(path)
    assert caught.value.errno == Errno.UNSUPPORTED_FILE


# --- probe -----------------------------------------------------------------------------------------


def test_probe_mp4_matches_ffmpeg(media: dict[str, Path]) -> None:
    info = probe_video(media["clip"])
    assert (info.width, info.height, info.fps, info.codec, info.rotation, info.has_audio) == (
        320,
        240,
        25.0,
        "h264",
        0,
        True,
    )
    assert info.duration == pytest.approx(2.0, abs=0.1)
    same_as_ffmpeg(media["clip"], info)


def test_probe_rotated_video_reports_displayed_size(media: dict[str, Path]) -> None:
    assert "rotation of" in ffmpeg_says(media["rotated"]).lower()
    info = probe_video(media["rotated"])
    assert info.rotation == 270  # -display_rotation 90 is counter-clockwise
    assert (info.width, info.height) == (240, 320)
    same_as_ffmpeg(media["rotated"], info)


def test_probe_webm_codec_has_no_trailing_comma(media: dict[str, Path]) -> None:
    info = probe_video(media["webm"])
    assert info.codec == "vp8" and not info.has_audio
    same_as_ffmpeg(media["webm"], info)


def test_probe_live_webm_without_duration_in_header(media: dict[str, Path]) -> None:
    assert "Duration: N/A" in ffmpeg_says(media["live_webm"])
    info = probe_video(media["live_webm"])
    assert info.duration == pytest.approx(2.0, abs=0.1)
    same_as_ffmpeg(media["live_webm"], info)


def test_probe_refuses_non_videos(tmp_path: Path) -> None:
    png = tmp_path / "still.png"
    Image.new("RGB", (32, 32)).save(png)
    audio = tmp_path / "tone.m4a"
    mf.ffmpeg("-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", str(audio))
    for path, words in (
        (png, ""),  # the image demuxers are not on the whitelist
        (mf.script_as_jpg(tmp_path), ""),
        (mf.svg_file(tmp_path), ""),
        (audio, "no video stream"),
    ):
        with pytest.raises(MediaError) as caught:
            probe_video(path)
        assert caught.value.errno == Errno.UNSUPPORTED_FILE
        assert words in caught.value.detail
    with pytest.raises(MediaError) as empty:
        probe_video(mf.empty_file(tmp_path, "empty.mp4"))
    assert empty.value.errno == Errno.EMPTY_FILE


def test_probe_refuses_a_truncated_mp4(tmp_path: Path, media: dict[str, Path]) -> None:
    data = media["clip"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the moov atom (at the end) is gone
    with pytest.raises(MediaError) as caught:
        probe_video(cut)
    assert caught.value.errno == Errno.UNSUPPORTED_FILE


# --- transcode -------------------------------------------------------------------------------------


def mp4_facts(path: Path) -> str:
    data = path.read_bytes()
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat"), "faststart: the index must come before the media data"
    return ffmpeg_says(path)


def test_transcode_gives_streamable_h264_aac_without_metadata(tmp_path: Path, media: dict[str, Path]) -> None:
    src = media["clip"]
    assert "location" in ffmpeg_says(src)  # the fixture carries a position
    before = src.read_bytes()
    fractions: list[float] = []
    encoded = transcode_video(src, tmp_path, on_progress=fractions.append)
    assert src.read_bytes() == before
    assert list(tmp_path.iterdir()) == [encoded.path] and encoded.ext == "mp4"
    text = mp4_facts(encoded.path)
    assert "Video: h264" in text and "Audio: aac" in text and "location" not in text
    info = probe_video(encoded.path)
    assert (info.width, info.height) == (encoded.width, encoded.height) == (320, 240)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert fractions and fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
    assert fractions[-1] == pytest.approx(1.0) and all(0.0 <= f <= 1.0 for f in fractions)


def test_transcode_caps_the_long_edge(tmp_path: Path, media: dict[str, Path]) -> None:
    encoded = transcode_video(media["big"], tmp_path, VideoSettings(max_long_edge=320))
    assert (encoded.width, encoded.height) == (320, 240)


def test_transcode_odd_size_without_audio(tmp_path: Path, media: dict[str, Path]) -> None:
    encoded = transcode_video(media["silent_odd"], tmp_path)
    assert (encoded.width, encoded.height) == (320, 180)  # 321x181 rounded down to even
    text = mp4_facts(encoded.path)
    assert "Audio:" not in text and "yuv420p" in text


def test_transcode_rotated_video_comes_out_upright(tmp_path: Path, media: dict[str, Path]) -> None:
    encoded = transcode_video(media["rotated"], tmp_path)
    info = probe_video(encoded.path)
    assert (encoded.width, encoded.height) == (info.width, info.height) == (240, 320)
    assert info.rotation == 0


def test_transcode_webm_to_mp4(tmp_path: Path, media: dict[str, Path]) -> None:
    fractions: list[float] = []
    encoded = transcode_video(media["live_webm"], tmp_path, on_progress=fractions.append)
    assert "Video: h264" in mp4_facts(encoded.path)
    assert fractions[-1] == pytest.approx(1.0)


def test_a_failing_progress_callback_cancels_and_cleans_up(tmp_path: Path, media: dict[str, Path]) -> None:
    class Cancelled(Exception):
        pass

    def cancel(_fraction: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        transcode_video(media["clip"], tmp_path, on_progress=cancel)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [{"max_long_edge": 1}, {"crf": 52}, {"audio_bitrate": "-f"}, {"audio_bitrate": "1M"}])
def test_nonsense_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        VideoSettings(**bad)  # type: ignore[arg-type]


def test_encoder_failure_is_compression_failed(tmp_path: Path, media: dict[str, Path]) -> None:
    with pytest.raises(MediaError) as caught:
        transcode_video(media["clip"], tmp_path, VideoSettings(preset="no-such-preset"))
    assert caught.value.errno == Errno.COMPRESSION_FAILED
    assert list(tmp_path.iterdir()) == []


# --- poster ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("clip", (320, 240)), ("rotated", (240, 320)), ("big", (320, 240))])
def test_poster_frame(tmp_path: Path, media: dict[str, Path], name: str, size: tuple[int, int]) -> None:
    dest = tmp_path / "poster%d.jpg"  # a '%' must not turn into an image-sequence pattern
    poster_frame(media[name], dest)
    with Image.open(dest) as im:
        assert im.format == "JPEG" and im.size == size


def test_poster_of_a_non_video_fails_cleanly(tmp_path: Path) -> None:
    dest = tmp_path / "poster.jpg"
    with pytest.raises(MediaError) as caught:
        poster_frame(mf.script_as_jpg(tmp_path), dest)
    assert caught.value.errno == Errno.UNSUPPORTED_FILE
    assert not dest.exists()


# --- hostile inputs: playlists and concat lists ----------------------------------------------------


@pytest.fixture()
def secret_dir(tmp_path: Path) -> Path:
    d = tmp_path / "private"
    d.mkdir()
    mf.secret_video(d, "secret.mp4")
    mf.secret_video(d, "secret.ts")
    return d


def hostile_inputs(d: Path) -> dict[str, Path]:
    return {
        "hls-relative-as-mp4": mf.hls_playlist(d, "secret.ts", "hls1.mp4"),
        "hls-relative-as-m3u8": mf.hls_playlist(d, "secret.ts", "hls2.m3u8"),
        "hls-file-url": mf.hls_playlist(d, f"file://{d / 'secret.mp4'}", "hls3.m3u8"),
        "hls-http-url": mf.hls_playlist(d, "http://127.0.0.1:9/secret.ts", "hls4.mp4"),
        "concat-as-mp4": mf.concat_list(d, "secret.mp4", "concat1.mp4"),
        "concat-absolute": mf.concat_list(d, str(d / "secret.mp4"), "concat2.mp4"),
    }


def test_the_hostile_inputs_are_really_dangerous_for_bare_ffmpeg(secret_dir: Path) -> None:
    """Control: with only ``-protocol_whitelist file`` ffmpeg does read the secret through them."""
    for name in ("hls-relative-as-m3u8", "concat-as-mp4"):
        path = hostile_inputs(secret_dir)[name]
        result = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-protocol_whitelist", "file", "-i", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert "176x144" in result.stderr, name


@pytest.mark.parametrize(
    "name",
    [
        "hls-relative-as-mp4",
        "hls-relative-as-m3u8",
        "hls-file-url",
        "hls-http-url",
        "concat-as-mp4",
        "concat-absolute",
    ],
)
def test_playlists_cannot_pull_in_other_files(tmp_path: Path, secret_dir: Path, name: str) -> None:
    path = hostile_inputs(secret_dir)[name]
    work = tmp_path / "work"
    calls: list[Callable[[], object]] = [
        lambda: probe_video(path),
        lambda: transcode_video(path, work),
        lambda: poster_frame(path, work / "poster.jpg"),
    ]
    work.mkdir()
    for call in calls:
        with pytest.raises(MediaError) as caught:
            call()
        assert caught.value.errno == Errno.UNSUPPORTED_FILE
        assert "176x144" not in caught.value.detail
    assert list(work.iterdir()) == [], "nothing made from the secret file"


# --- the shared sample files (skipped without ../shared/media) -----------------------------------


@needs_shared
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cockatoo.mp4", (14.0, 1280, 720, 20.0, "h264", True)),
        ("realshort.mp4", (1.2, 320, 240, 30.02, "h264", True)),
        ("test.webm", (3.13, 640, 480, 30.3, "h264", False)),  # no duration in the header
    ],
)
def test_shared_videos_probe(name: str, expected: tuple[float, int, int, float, str, bool]) -> None:
    path = mf.shared("videos", name)
    info = probe_video(path)
    duration, width, height, fps, codec, has_audio = expected
    assert info.duration == pytest.approx(duration, abs=0.1)
    assert (info.width, info.height, info.codec, info.has_audio) == (width, height, codec, has_audio)
    assert info.fps == pytest.approx(fps, abs=0.01)
    same_as_ffmpeg(path, info)


@needs_shared
@pytest.mark.parametrize("name", ["realshort.mp4", "test.webm"])
def test_shared_videos_transcode(tmp_path: Path, name: str) -> None:
    fractions: list[float] = []
    encoded = transcode_video(mf.shared("videos", name), tmp_path, on_progress=fractions.append)
    assert "Video: h264" in mp4_facts(encoded.path)
    assert fractions[-1] == pytest.approx(1.0)
