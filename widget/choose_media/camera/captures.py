"""What the kernel does with the camera: its reports (state, errors), live frames, and its captures in a pick.

``CameraCaptures`` is an object the widget and its :class:`~choose_media.session.PickSession` hold; it knows
nothing of the widget. It reads the options it needs through a callable and reports album-save failures
through another, so the page hears of them.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..album.folder import save_to_album
from ..errors import ERRNO_DESCRIPTIONS, Errno, MediaError, fail_result
from ..media.pipeline import ReceivedMedia, recognise
from ..store import TempFileStore, file_md5
from .frames import FrameDispatcher
from .trim import needs_trim, trim_video

__all__ = ["CAMERA_ERRNOS", "CAMERA_OPEN_ERRNOS", "CameraCaptures", "CameraRules"]

#: The errnos of a camera that could not be opened: with nothing shot, they fail a camera-only pick.
CAMERA_OPEN_ERRNOS: Final = frozenset({Errno.CAMERA_PERMISSION_DENIED, Errno.CAMERA_UNAVAILABLE, Errno.INSECURE_CONTEXT})
#: The errnos a ``camera_error`` message may carry; anything else is reported as CAMERA_UNAVAILABLE. A failed
#: recording leaves the camera usable, so it never fails the pick.
CAMERA_ERRNOS: Final = CAMERA_OPEN_ERRNOS | {Errno.RECORDING_FAILED}
_MAX_DETAIL: Final = 400
_MAX_STATE_JSON: Final = 8192


@dataclass(frozen=True)
class CameraRules:
    """The options the camera's kernel side reads, taken from the widget each time."""

    media_types: tuple[str, ...]
    max_duration: Any
    """Seconds, or ``None`` (no limit, on PC/Harmony)."""
    save_to_album: bool
    album_dir: Path


def _bounded_detail(value: Any, default: str) -> str:
    """The page's reason, as one bounded line of text (the kernel writes the ``errMsg`` around it)."""
    text = value if isinstance(value, str) and value.strip() else default
    return text.replace("\x00", "").strip()[:_MAX_DETAIL]


class CameraCaptures:
    """The camera's kernel side: frames for ``on_frame``, camera reports, trimming and album copies."""

    def __init__(
        self, store: TempFileStore, rules: Callable[[], CameraRules], report_album_error: Callable[[str], None]
    ) -> None:
        self.store = store
        self.frames = FrameDispatcher()
        self._rules = rules
        self._report_album_error = report_album_error
        self.state: dict[str, Any] = {}
        """The page's last report: ``state`` (live/stopped/error), ``source``, ``constraints``, ``settings``..."""
        self.error: dict[str, Any] | None = None
        """The last camera failure as the seed's fail object."""
        self.saved_to_album: list[Path] = []
        self.album_errors: list[str] = []

    # -- what the page reports -------------------------------------------------------------------------
    def report_state(self, content: dict[str, Any]) -> None:
        state = {k: v for k, v in content.items() if k != "kind"}
        try:
            if len(json.dumps(state)) > _MAX_STATE_JSON:
                return
        except (TypeError, ValueError):
            return
        self.state = state

    def report_error(self, content: dict[str, Any]) -> dict[str, Any]:
        """The seed's fail object for a ``camera_error`` message (the page sends ``errno`` and ``detail``)."""
        raw = content.get("errno")
        errno = Errno(raw) if raw in CAMERA_ERRNOS else Errno.CAMERA_UNAVAILABLE
        result = fail_result(errno, _bounded_detail(content.get("detail"), ERRNO_DESCRIPTIONS[errno]))
        self.error = result
        if errno in CAMERA_OPEN_ERRNOS:
            self.state = {"state": "error", "errno": int(errno)}
        return result

    # -- captures in a pick (session.CaptureRules) ------------------------------------------------------
    def received(self, source: str, media: ReceivedMedia) -> ReceivedMedia:
        """A camera video longer than maxDuration (+1 frame) is cut to maxDuration.

        The page stops the recorder on time; this catches what a throttled timer (a hidden tab) let run on.
        """
        limit = self._rules().max_duration
        if (
            source != "camera"
            or media.type != "video"
            or isinstance(limit, bool)
            or not isinstance(limit, (int, float))
            or not math.isfinite(limit)
        ):
            return media
        info = media.info
        if needs_trim(getattr(info, "duration", 0.0), getattr(info, "fps", 0.0), float(limit)):
            try:
                trimmed = trim_video(media.path, float(limit), self.store.work_dir)
                os.replace(trimmed, media.path)
                media = recognise(media.path, file_md5(media.path), media_types=self._rules().media_types, name=media.name)
            except (MediaError, OSError, subprocess.SubprocessError):
                traceback.print_exc(file=sys.stderr)  # keep the untrimmed recording rather than lose it
        # the pipeline's transcode or remux then cuts at maxDuration too
        return dataclasses.replace(media, max_duration=float(limit))

    def before_finish(self, captures: Sequence[ReceivedMedia]) -> None:
        """``isSaveToAlbum="1"`` copies the camera's shots, before the pipeline runs.

        The original capture is saved (not the compressed copy the result gets), like a phone's camera.
        A failure is reported (printed, ``album_errors``, a notice in the page) and the pick goes on.
        """
        self.saved_to_album, self.album_errors = [], []
        rules = self._rules()
        if not rules.save_to_album:
            return
        for media in captures:
            try:
                self.saved_to_album.append(save_to_album(media.path, rules.album_dir, media.sniffed.ext))
            except MediaError as exc:
                self.album_errors.append(exc.detail)
                print(f"choose-media: {exc.detail}", file=sys.stderr)
                self._report_album_error(exc.detail)
