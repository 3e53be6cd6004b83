"""``maxDuration`` for camera clips: a recording that ran long (a throttled timer in a hidden tab) is cut."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Final

from ..errors import Errno, MediaError
from ..media.sniff import sniff_file
from ..media.videos import _ffmpeg_reason, _run, ffmpeg_exe, local_input_args, probe_video

__all__ = ["TRIM_TIMEOUT", "needs_trim", "trim_video"]

#: Frame rate assumed when the probe reports none that is plausible (MediaRecorder WebM says "1k tbr").
_FALLBACK_FPS: Final = 30.0
TRIM_TIMEOUT: Final = 120.0


def _frame_seconds(fps: float) -> float:
    return 1.0 / (fps if 1.0 <= fps <= 120.0 else _FALLBACK_FPS)


def needs_trim(duration: float, fps: float, max_duration: float) -> bool:
    """True when a recording is longer than ``max_duration`` by more than one frame (the issue's tolerance).

    The probe prints centiseconds, so a clip of exactly maxDuration + one 30 fps frame (3.033 s) reads 3.03.
    """
    return duration > max_duration + _frame_seconds(fps) + 1e-6


def trim_video(src: Path, seconds: float, work_dir: Path) -> Path:
    """A new file in ``work_dir`` holding the first ``seconds`` of ``src``.

    First a stream copy (instant, same container); if the copy still runs long (a copy can only cut
    between packets), a re-encode to H.264/AAC MP4, which cuts on the exact frame.  Raises ``MediaError``.
    """
    info = probe_video(src)
    sniffed = sniff_file(src)
    container = sniffed.ext if sniffed is not None else "mkv"
    work_dir.mkdir(parents=True, exist_ok=True)
    limit = f"{seconds:.6f}"
    muxer = {"mp4": "mp4", "mov": "mp4", "m4v": "mp4", "webm": "webm"}.get(container, "matroska")
    ext = "mp4" if muxer == "mp4" else container
    out = (work_dir / f"trim-{uuid.uuid4().hex}.{ext}").resolve()
    base = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", *local_input_args(src)]
    maps = ["-map", "0:v:0", "-map", "0:a:0?", "-t", limit, "-map_metadata", "-1"]
    copy = [*base, *maps, "-c", "copy"]
    copy += ["-movflags", "+faststart"] if muxer == "mp4" else []
    copy += ["-f", muxer, f"file:{out}"]
    result = _run(copy, TRIM_TIMEOUT)
    if result.returncode == 0 and out.is_file():
        trimmed = probe_video(out)
        if not needs_trim(trimmed.duration, trimmed.fps or info.fps, seconds):
            return out
    out.unlink(missing_ok=True)
    out = out.with_suffix(".mp4")
    encode = [*base, *maps, "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast"]
    encode += ["-crf", "20", "-pix_fmt", "yuv420p"]
    encode += ["-c:a", "aac", "-b:a", "128k"] if info.has_audio else []
    encode += ["-movflags", "+faststart", "-f", "mp4", f"file:{out}"]
    result = _run(encode, TRIM_TIMEOUT + 10 * seconds)
    if result.returncode != 0 or not out.is_file():
        out.unlink(missing_ok=True)
        raise MediaError(Errno.UNSUPPORTED_FILE, f"cannot trim the video: {_ffmpeg_reason(result.stderr)}")
    return out
