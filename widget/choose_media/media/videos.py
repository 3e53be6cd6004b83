"""Videos with the ffmpeg binary bundled by imageio-ffmpeg: probe, transcode to H.264 MP4, poster frame.

There is no ffprobe in imageio-ffmpeg, so the probe parses what ``ffmpeg -i FILE`` prints.  Every call is
an argument list (never a shell) and every input goes through :func:`local_input_args`, which keeps
ffmpeg on the one local file: a crafted HLS playlist or concat list must not make it read URLs or other
files of the machine.
"""

from __future__ import annotations

import functools
import importlib
import re
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from ..errors import Errno, MediaError
from .images import EncodedMedia

__all__ = [
    "INPUT_FORMATS",
    "VideoInfo",
    "VideoSettings",
    "ffmpeg_exe",
    "local_input_args",
    "poster_frame",
    "probe_video",
    "transcode_video",
]

#: The only demuxers ffmpeg may pick for an input: QuickTime/MP4/3GP, Matroska/WebM and AVI.  Without this,
#: ffmpeg auto-detects a text file starting ``ffconcat version 1.0`` (the concat demuxer) or an ``.m3u8``
#: playlist (HLS) and then opens the local files they name: ``-protocol_whitelist file`` alone allows that.
INPUT_FORMATS: Final = ("mov", "matroska", "webm", "avi")

#: Seconds allowed for reading headers, and for reading every packet when the container has no duration.
PROBE_TIMEOUT: Final = 30.0
SCAN_TIMEOUT: Final = 120.0
#: A transcode may take this long plus ``TRANSCODE_SECONDS_PER_SECOND`` per second of video.
TRANSCODE_BASE_TIMEOUT: Final = 120.0
TRANSCODE_SECONDS_PER_SECOND: Final = 10.0


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg binary (looked up once)."""
    imageio_ffmpeg = importlib.import_module("imageio_ffmpeg")  # untyped package: keep it out of mypy's way
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def local_input_args(path: Path) -> list[str]:
    """ffmpeg input arguments that can only read ``path`` itself, a regular local file.

    ``-protocol_whitelist file`` stops URLs (http, tcp, data, ...); ``-format_whitelist`` stops demuxers
    that open further files (concat, HLS, image sequences).  The path is absolute, so it can neither
    look like an option nor like a ``protocol:`` URL.
    """
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise MediaError(Errno.UNSUPPORTED_FILE, "not a regular local file")
    return ["-protocol_whitelist", "file", "-format_whitelist", ",".join(INPUT_FORMATS), "-i", str(resolved)]


@dataclass(frozen=True)
class VideoInfo:
    """What the probe learned.  ``width``/``height`` are as displayed (swapped for a 90/270 rotation) and
    ``rotation`` is clockwise degrees (0, 90, 180, 270), like a phone's ``rotate`` tag."""

    duration: float
    width: int
    height: int
    fps: float
    codec: str
    rotation: int
    has_audio: bool


@dataclass(frozen=True)
class VideoSettings:
    """How :func:`transcode_video` encodes.

    Defaults: long edge 1280 px (720p), x264 CRF 28 with preset ``veryfast`` (about a fifth of a phone's
    bitrate, 10 s of 720p in under 2 s on 2 cores) and AAC at 128 kbit/s.
    """

    max_long_edge: int = 1280
    crf: int = 28
    preset: str = "veryfast"
    audio_bitrate: str = "128k"

    def __post_init__(self) -> None:
        """Refuse values x264/AAC would reject only after the upload (the preset name is left to ffmpeg)."""
        if self.max_long_edge < 2:
            raise ValueError(f"max_long_edge must be at least 2, not {self.max_long_edge}")
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must be between 0 and 51, not {self.crf}")
        if not re.fullmatch(r"[1-9]\d{0,5}k?", self.audio_bitrate):
            raise ValueError(f"audio_bitrate must look like '128k', not {self.audio_bitrate!r}")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(Errno.UNSUPPORTED_FILE, f"ffmpeg took longer than {timeout:.0f} s to read the file") from exc
    except OSError as exc:
        raise MediaError(Errno.UNKNOWN_EXCEPTION, f"cannot run ffmpeg: {exc}") from exc


_NOISE = re.compile(r"^(At least one output file must be specified|Error opening input file|Error opening input files)")


def _ffmpeg_reason(stderr: str) -> str:
    """The most telling line of an ffmpeg error output, without its ``[component @ address]`` prefix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not _NOISE.match(line.strip())]
    if not lines:
        return "ffmpeg gave no reason"
    last = re.sub(r"^\[[^\]]*\]\s*", "", lines[-1])
    return last[:300]


_DURATION = re.compile(r"^\s*Duration:\s*(?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)", re.MULTILINE)
_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*: (Video|Audio|Subtitle|Data|Attachment): (.*)$")
_SIZE = re.compile(r"(?<![\w.])([1-9]\d{0,5})x([1-9]\d{0,5})(?![\w.])")
_FPS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(k?) fps")
_TBR = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(k?) tbr")
_DISPLAYMATRIX = re.compile(r"display ?matrix: rotation of (-?\d+(?:\.\d+)?) degrees", re.IGNORECASE)
_ROTATE_TAG = re.compile(r"^\s*rotate\s*:\s*(-?\d+(?:\.\d+)?)\s*$", re.MULTILINE)
_TIME = re.compile(r"time=\s*(\d+):(\d+):(\d+(?:\.\d+)?)")


def _rate(match: re.Match[str] | None) -> float:
    if match is None:
        return 0.0
    value = float(match.group(1))
    return value * 1000 if match.group(2) else value


def _stream_blocks(stderr: str) -> list[tuple[str, str, str]]:
    """``(kind, stream line, indented lines below it)`` for every stream of input #0."""
    blocks: list[tuple[str, str, list[str]]] = []
    for line in stderr.splitlines():
        match = _STREAM.match(line)
        if match:
            blocks.append((match.group(1), match.group(2), []))
        elif blocks and line.startswith("    "):
            blocks[-1][2].append(line)
        elif blocks and not line.startswith(" "):
            break  # the input listing is over
    return [(kind, head, "\n".join(rest)) for kind, head, rest in blocks]


def _parse_probe(stderr: str) -> tuple[float | None, VideoInfo]:
    """Parse ``ffmpeg -i`` output; the duration is None when the container does not record it."""
    if "Input #0" not in stderr:
        raise MediaError(Errno.UNSUPPORTED_FILE, f"not a readable video: {_ffmpeg_reason(stderr)}")
    blocks = _stream_blocks(stderr)
    videos = [(head, rest) for kind, head, rest in blocks if kind == "Video" and "(attached pic)" not in head]
    if not videos:
        raise MediaError(Errno.UNSUPPORTED_FILE, "the file has no video stream")
    head, rest = videos[0]
    codec = head.split(" ", 1)[0].rstrip(",")
    size = _SIZE.search(head)
    if size is None:
        raise MediaError(Errno.UNSUPPORTED_FILE, "the video stream has no known frame size")
    width, height = int(size.group(1)), int(size.group(2))
    fps = _rate(_FPS.search(head)) or _rate(_TBR.search(head))
    angle = 0.0
    matrix = _DISPLAYMATRIX.search(rest)
    tag = _ROTATE_TAG.search(rest)
    if matrix is not None:
        angle = -float(matrix.group(1))  # ffmpeg prints the counter-clockwise angle
    elif tag is not None:
        angle = float(tag.group(1))
    rotation = round(angle / 90.0) * 90 % 360
    if rotation in (90, 270):
        width, height = height, width
    duration: float | None = None
    found = _DURATION.search(stderr)
    if found is not None and found.group(1) is not None:
        h, m, s = found.group(1), found.group(2), found.group(3)
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    has_audio = any(kind == "Audio" for kind, _head, _rest in blocks)
    info = VideoInfo(
        duration=duration or 0.0,
        width=width,
        height=height,
        fps=fps,
        codec=codec,
        rotation=rotation,
        has_audio=has_audio,
    )
    return duration, info


def _scan_duration(path: Path) -> float:
    """Duration of a file whose container does not record it (live WebM): read every video packet once.

    Stream copy to the null muxer reads packets without decoding them, so this is quick even for long files.
    """
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", *local_input_args(path)]
    args += ["-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    result = _run(args, SCAN_TIMEOUT)
    times = _TIME.findall(result.stderr)
    if result.returncode != 0 or not times:
        raise MediaError(Errno.UNSUPPORTED_FILE, f"cannot read the video: {_ffmpeg_reason(result.stderr)}")
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def probe_video(path: Path) -> VideoInfo:
    """Duration, displayed size, frame rate, codec, rotation and audio presence of ``path``.

    Reads the headers only (``ffmpeg -i`` with no output, which exits non-zero by design); only when the
    container has no duration are the packets read (not decoded) to find it.
    """
    input_args = local_input_args(path)
    if Path(input_args[-1]).stat().st_size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    result = _run([ffmpeg_exe(), "-hide_banner", "-nostdin", *input_args], PROBE_TIMEOUT)
    duration, info = _parse_probe(result.stderr)
    if duration is None or duration <= 0:
        info = VideoInfo(
            duration=_scan_duration(path),
            width=info.width,
            height=info.height,
            fps=info.fps,
            codec=info.codec,
            rotation=info.rotation,
            has_audio=info.has_audio,
        )
    return info


def _even_fit(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """Output size: long edge at most ``long_edge``, never upscaled, both even (yuv420p needs it)."""
    scale = min(1.0, long_edge / max(width, height))
    w = max(2, round(width * scale) // 2 * 2)
    h = max(2, round(height * scale) // 2 * 2)
    return w, h


def _read_progress(stdout: IO[bytes], duration: float, on_progress: Callable[[float], None] | None) -> None:
    """Follow ``-progress pipe:1`` (``key=value`` lines) and report increasing fractions."""
    last = -1.0
    for raw in stdout:
        line = raw.decode("utf-8", "replace").strip()
        key, _, value = line.partition("=")
        if on_progress is None:
            continue
        if key == "out_time_us" and value.lstrip("-").isdigit() and duration > 0:
            fraction = min(1.0, max(0.0, int(value) / 1e6 / duration))
            if fraction > last:
                last = fraction
                on_progress(fraction)
        elif key == "progress" and value == "end" and last < 1.0:
            last = 1.0
            on_progress(1.0)


def transcode_video(
    src: Path,
    work_dir: Path,
    settings: VideoSettings = VideoSettings(),
    on_progress: Callable[[float], None] | None = None,
    *,
    max_duration: float | None = None,
) -> EncodedMedia:
    """Re-encode ``src`` as a new uuid-named H.264/AAC MP4 in ``work_dir`` that plays everywhere.

    The picture is turned upright (ffmpeg's autorotate), its long edge capped at ``max_long_edge`` with
    even dimensions; audio is AAC only if the input has audio; all metadata (location, dates, device) is
    dropped; ``+faststart`` puts the index first so a browser can start playing before the end arrives.
    ``on_progress`` receives increasing fractions 0..1 (ending with 1.0); an exception it raises stops
    ffmpeg and propagates (that is how to cancel).  A failure removes the partial output and raises
    ``MediaError(COMPRESSION_FAILED)``; an unreadable input ``MediaError(UNSUPPORTED_FILE)``.
    """
    info = probe_video(src)
    work_dir.mkdir(parents=True, exist_ok=True)
    out = (work_dir / f"{uuid.uuid4().hex}.mp4").resolve()
    width, height = _even_fit(info.width, info.height, settings.max_long_edge)
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-n"]
    args += local_input_args(src)
    args += ["-map", "0:v:0", "-vf", f"scale={width}:{height}", "-c:v", "libx264"]
    args += ["-preset", settings.preset, "-crf", str(settings.crf), "-pix_fmt", "yuv420p"]
    if info.has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", settings.audio_bitrate]
    else:
        args += ["-an"]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
    if max_duration is not None:
        args += ["-t", f"{max_duration:.6f}"]
    args += ["-progress", "pipe:1", "-f", "mp4", f"file:{out}"]
    timeout = TRANSCODE_BASE_TIMEOUT + TRANSCODE_SECONDS_PER_SECOND * info.duration
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
        except OSError as exc:
            raise MediaError(Errno.COMPRESSION_FAILED, f"cannot run ffmpeg: {exc}") from exc
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            proc.kill()

        watchdog = threading.Timer(timeout, _kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            assert proc.stdout is not None
            _read_progress(proc.stdout, info.duration, on_progress)
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            out.unlink(missing_ok=True)
            raise
        finally:
            watchdog.cancel()
            if proc.stdout is not None:
                proc.stdout.close()
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace")
    if returncode != 0 or timed_out.is_set():
        out.unlink(missing_ok=True)
        reason = f"took longer than {timeout:.0f} s" if timed_out.is_set() else _ffmpeg_reason(message)
        raise MediaError(Errno.COMPRESSION_FAILED, f"video transcoding failed: {reason}")
    try:
        result = probe_video(out)
    except MediaError as exc:
        out.unlink(missing_ok=True)
        raise MediaError(
            Errno.COMPRESSION_FAILED, f"video transcoding produced no playable video: {exc.detail}"
        ) from exc
    return EncodedMedia(path=out, ext="mp4", width=result.width, height=result.height)


def poster_frame(src: Path, dest: Path, *, max_long_edge: int = 320) -> None:
    """Write the first frame of ``src`` to ``dest`` as an upright JPEG, long edge at most ``max_long_edge``.

    For thumbnails in the picker.  ``dest`` is replaced if it exists; on failure it is removed and
    ``MediaError(UNSUPPORTED_FILE)`` says no frame could be decoded.
    """
    edge = max(2, int(max_long_edge))
    scale = f"scale='if(gte(iw,ih),min({edge},iw),-2)':'if(gte(iw,ih),-2,min({edge},ih))'"
    target = Path(dest).resolve()
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    args += local_input_args(src)
    args += ["-map", "0:v:0", "-frames:v", "1", "-vf", scale, "-map_metadata", "-1"]
    args += ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p", "-f", "image2", "-update", "1", f"file:{target}"]
    result = _run(args, PROBE_TIMEOUT)
    if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        raise MediaError(Errno.UNSUPPORTED_FILE, f"no frame could be decoded: {_ffmpeg_reason(result.stderr)}")


def remux_video(src: Path, work_dir: Path, *, max_duration: float | None = None) -> EncodedMedia:
    """Copy the video (and first audio) stream unchanged into a new MP4: metadata dropped, index first.

    For inputs that re-encoding would only make bigger (already H.264/HEVC within the size cap).
    """
    info = probe_video(src)
    work_dir.mkdir(parents=True, exist_ok=True)
    out = (work_dir / f"{uuid.uuid4().hex}.mp4").resolve()
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-n"]
    args += local_input_args(src)
    args += ["-map", "0:v:0", "-c:v", "copy"]
    args += ["-map", "0:a:0", "-c:a", "copy"] if info.has_audio else ["-an"]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
    if max_duration is not None:
        args += ["-t", f"{max_duration:.6f}"]
    args += ["-f", "mp4", f"file:{out}"]
    result = _run(args, TRANSCODE_BASE_TIMEOUT)
    if result.returncode != 0:
        out.unlink(missing_ok=True)
        raise MediaError(Errno.COMPRESSION_FAILED, f"remuxing failed: {_ffmpeg_reason(result.stderr)}")
    return EncodedMedia(path=out, ext="mp4", width=info.width, height=info.height)
