"""The kernel side of the camera: camera errors and state, live frames, maxDuration trimming, isSaveToAlbum.

``CameraFeatures`` is a mixin of ``ChooseMediaWidget`` (kept apart so the camera can change without
touching the widget's wiring).  Its ``_msg_<kind>`` methods handle the camera's message kinds:

==================  ======================================================  =================================
kind (browser→)     fields                                                  meaning
==================  ======================================================  =================================
``camera_error``    ``errno``, ``errMsg``                                   the camera could not be opened
``camera_state``    ``state``, ``source``, ``constraints``, ``settings``    the camera went live or stopped
``frame``           ``seq``, ``timestamp``, ``width``, ``height``,          one preview frame (one buffer),
                    ``format``, ``dropped``                                 for :meth:`on_frame`
==================  ======================================================  =================================

and the kernel answers each ``frame`` with ``{kind: "frame_ack", seq}``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import ipywidgets  # type: ignore[import-untyped]
import traitlets

from .album import default_album_dir, save_to_album
from .errors import ERRNO_DESCRIPTIONS, Errno, MediaError, fail_message, fail_result
from .frames import FrameCallback, FrameDispatcher, FrameRequest
from .sniff import sniff_file
from .store import file_md5
from .videos import _ffmpeg_reason, _run, ffmpeg_exe, local_input_args, probe_video

if TYPE_CHECKING:
    from .pipeline import ReceivedMedia
    from .store import TempFileStore
    from .transfer import IncomingTransfer

__all__ = ["CAMERA_ERRNOS", "CameraFeatures", "needs_trim", "trim_video"]

#: The errnos a ``camera_error`` message may carry; anything else is reported as CAMERA_UNAVAILABLE.
CAMERA_ERRNOS: Final = frozenset({Errno.CAMERA_PERMISSION_DENIED, Errno.CAMERA_UNAVAILABLE, Errno.INSECURE_CONTEXT})
_MAX_DETAIL: Final = 400
_MAX_STATE_JSON: Final = 8192
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


def _bounded_text(value: Any, default: str) -> str:
    text = value if isinstance(value, str) and value.strip() else default
    text = text.replace("\x00", "").strip()
    prefix = fail_message("")
    text = text.removeprefix(prefix)
    return text[:_MAX_DETAIL]


def _is_media_stream_widget(value: Any) -> bool:
    try:
        from ipywebrtc import MediaStream  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - ipywebrtc is a dependency; any DOM widget then
        return True
    return isinstance(value, MediaStream)


class CameraFeatures(traitlets.HasTraits):
    """Camera support of ``ChooseMediaWidget``: live frames into Python, camera errors, trim, album copies."""

    frame_request = traitlets.Dict(
        {}, help="What the page streams to on_frame callbacks: {fps, width, height, format}, or {} for nothing."
    ).tag(sync=True)
    camera_stream = traitlets.Instance(
        ipywidgets.DOMWidget, allow_none=True,
        help="An ipywebrtc media stream (CameraStream, VideoStream, ...) used instead of opening a camera.",
    ).tag(sync=True, **ipywidgets.widget_serialization)

    if TYPE_CHECKING:  # provided by ChooseMediaWidget
        source_type: list[str]
        media_type: list[str]
        status: str
        max_duration: Any
        is_save_to_album: str
        _store: TempFileStore
        _sources: dict[str, str]
        _transfers: dict[str, IncomingTransfer]
        _received: dict[str, ReceivedMedia]

        def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...
        def _set_result(self, result: dict[str, Any]) -> dict[str, Any]: ...

    def _init_camera(self) -> None:
        """Per-widget camera state; called once from ``ChooseMediaWidget.__init__``."""
        self._frames = FrameDispatcher()
        self.camera_state: dict[str, Any] = {}
        """The page's last report: ``state`` (live/stopped), ``source``, ``constraints``, ``settings``."""
        self.camera_error: dict[str, Any] | None = None
        """The last camera failure as the seed's fail object (also when the album kept the pick going)."""
        self.saved_to_album: list[Path] = []
        """Files written to the album by ``isSaveToAlbum="1"`` (the last confirmed pick)."""
        self.album_errors: list[str] = []

    @traitlets.validate("camera_stream")
    def _validate_camera_stream(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and not _is_media_stream_widget(value):
            raise traitlets.TraitError(
                f"camera_stream must be an ipywebrtc media stream (e.g. CameraStream), not {type(value).__name__}"
            )
        return value

    # -- live frames -------------------------------------------------------------------------------
    def on_frame(
        self,
        callback: FrameCallback,
        fps: float = 10,
        size: tuple[int, int] = (640, 480),
        remove: bool = False,
        format: str = "jpeg",
    ) -> None:
        """Call ``callback(frame)`` with live preview frames while the camera preview runs.

        Frames are fitted into ``size`` (aspect ratio kept, never enlarged), at most ``fps`` a second, as
        ``Frame`` objects (``.to_pil()``, ``.to_numpy()``, ``.timestamp``, ``.seq``).  They are never
        mirrored.  When callbacks are slower than the camera, the page drops frames instead of queueing
        them (at most two are on their way), so a callback always sees a recent frame.  An exception in
        a callback is printed (to the log console in JupyterLab) and the stream goes on.  Callbacks never
        run two at once, but may run on a kernel thread other than the main one (ipykernel 7 may deliver
        widget messages on a subshell thread).  ``remove=True`` unregisters ``callback``.
        Frames travel as JPEG (quality 0.85) by default: at 640x480 that reached the camera's 30 frames/s
        where raw RGBA (1.2 MB a frame) managed about 22; ``format="rgba"`` gives the exact pixels.
        """
        if remove:
            self._frames.remove(callback)
        else:
            self._frames.add(callback, FrameRequest.create(fps, size, format))
        self.frame_request = self._frames.request()

    @property
    def frame_stats(self) -> dict[str, Any]:
        """Frames received, delivered, dropped by the page (back-pressure), callback errors, recent fps."""
        return self._frames.stats.to_dict()

    def _msg_frame(self, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        seq = self._frames.handle(content, buffers)
        if seq is not None:
            self.send({"kind": "frame_ack", "seq": seq})

    # -- camera state and errors -------------------------------------------------------------------
    def _msg_camera_state(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        state = {k: v for k, v in content.items() if k != "kind"}
        try:
            if len(json.dumps(state)) > _MAX_STATE_JSON:
                return
        except (TypeError, ValueError):
            return
        self.camera_state = state

    def _msg_camera_error(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        raw = content.get("errno")
        errno = Errno(raw) if raw in CAMERA_ERRNOS else Errno.CAMERA_UNAVAILABLE
        result = fail_result(errno, _bounded_text(content.get("errMsg"), ERRNO_DESCRIPTIONS[errno]))
        self.camera_error = result
        self.camera_state = {"state": "error", "errno": int(errno)}
        # With the camera as the only source and nothing shot yet, the pick cannot go on: fail it, as the
        # seed's fail callback expects.  With the album offered too, the page says why and the album stays.
        nothing_shot = not self._transfers and not self._received
        if self.source_type == ["camera"] and self.status != "done" and nothing_shot:
            self._set_result(result)

    # -- captures ----------------------------------------------------------------------------------
    def _camera_received(self, transfer_id: str, media: ReceivedMedia) -> ReceivedMedia:
        """Hook of ``_msg_end``: a camera video longer than maxDuration (+1 frame) is cut to maxDuration.

        The page stops the recorder on time; this catches what a throttled timer (a hidden tab) let run on.
        """
        from .pipeline import recognise

        limit = self.max_duration
        info = media.info
        if (
            self._sources.get(transfer_id) != "camera"
            or media.type != "video"
            or isinstance(limit, bool)
            or not isinstance(limit, (int, float))
            or not math.isfinite(limit)
        ):
            return media
        if needs_trim(getattr(info, "duration", 0.0), getattr(info, "fps", 0.0), float(limit)):
            try:
                trimmed = trim_video(media.path, float(limit), self._store.work_dir)
                os.replace(trimmed, media.path)
                media = recognise(media.path, file_md5(media.path), media_types=self.media_type, name=media.name)
            except (MediaError, OSError, subprocess.SubprocessError):
                traceback.print_exc(file=sys.stderr)  # keep the untrimmed recording rather than lose it
        # the pipeline's transcode or remux then cuts at maxDuration too
        return dataclasses.replace(media, max_duration=float(limit))

    def _camera_before_confirm(self, ids: Sequence[str]) -> None:
        """Hook of ``_msg_confirm``, before the pipeline runs: ``isSaveToAlbum="1"`` copies camera shots.

        The original capture is saved (not the compressed copy the result gets), like a phone's camera.
        A failure is reported (printed, ``album_errors``, a notice in the page) and the pick goes on.
        """
        self.saved_to_album, self.album_errors = [], []
        if self.is_save_to_album != "1":
            return
        album_dir = Path(getattr(self, "album_dir", None) or default_album_dir())
        for tid in ids:
            media = self._received.get(tid)
            if media is None or self._sources.get(tid) != "camera":
                continue
            try:
                self.saved_to_album.append(save_to_album(media.path, album_dir, media.sniffed.ext))
            except MediaError as exc:
                self.album_errors.append(exc.detail)
                print(f"choose-media: {exc.detail}", file=sys.stderr)
                self.send({
                    "kind": "error", "id": None, "errno": int(Errno.SAVE_TO_ALBUM_FAILED),
                    "errMsg": fail_message(exc.detail),
                })

    def close(self) -> None:
        """Closing the widget also ends the frame stream (the page stops every camera track it opened)."""
        frames = getattr(self, "_frames", None)
        if frames is not None:
            frames.clear()
        super().close()  # type: ignore[misc]
