"""Live camera frames in the kernel: the ``Frame`` object and the dispatcher with its back-pressure rules.

Pure Python, no widget: the browser sends ``{kind: "frame", seq, timestamp, width, height, format}`` with
one binary buffer; :class:`FrameDispatcher` turns it into a :class:`Frame`, hands it to every registered
callback and says which ``seq`` to acknowledge.  Back-pressure lives in the browser, which keeps at most
:data:`MAX_IN_FLIGHT` frames unacknowledged and *drops* (never queues) the frames it shoots meanwhile; the
kernel acknowledges a frame only after its callbacks returned, so a slow callback slows the stream down
instead of letting messages pile up in the kernel.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = [
    "FORMATS",
    "MAX_FRAME_PIXELS",
    "MAX_IN_FLIGHT",
    "Frame",
    "FrameCallback",
    "FrameDispatcher",
    "FrameRequest",
]

FrameFormat = Literal["rgba", "jpeg"]
#: ``rgba``: raw 8-bit RGBA rows, exact pixels; ``jpeg``: a JPEG file (smaller on the wire, lossy).
FORMATS: Final = ("rgba", "jpeg")
#: Frames the browser may have sent and not yet seen acknowledged.  Two keep the kernel busy (one is
#: being handled while the next travels) without ever building a queue.
MAX_IN_FLIGHT: Final = 2
#: Largest frame area: an RGBA frame must stay well under the 10 MiB browser→kernel message cap.
MAX_FRAME_PIXELS: Final = 2_359_296  # 9 MiB of RGBA, e.g. 1920x1080 fits
MAX_FPS: Final = 60.0
#: Seconds between two printed tracebacks of the same failing callback (the first is always printed).
ERROR_REPORT_INTERVAL: Final = 5.0


@dataclass(frozen=True, repr=False)
class Frame:
    """One preview frame as the browser shot it (never mirrored, even for the front camera).

    ``timestamp`` is the capture time in seconds since the Unix epoch, by the browser's clock
    (``performance.timeOrigin + performance.now()``); ``seq`` increases by one per frame shot by the page,
    so a gap means frames were dropped to keep up.  ``data`` holds the bytes in ``format``.
    """

    seq: int
    timestamp: float
    width: int
    height: int
    format: FrameFormat
    data: bytes

    def to_pil(self) -> Image.Image:
        """The frame as an RGB Pillow image."""
        from PIL import Image

        if self.format == "rgba":
            return Image.frombuffer("RGBA", (self.width, self.height), self.data, "raw", "RGBA", 0, 1).convert("RGB")
        import io

        with Image.open(io.BytesIO(self.data)) as im:
            return im.convert("RGB")

    def to_numpy(self, mode: Literal["RGB", "RGBA"] = "RGB") -> np.ndarray[Any, np.dtype[np.uint8]]:
        """The pixels as a new, writable, C-contiguous ``(height, width, 3)`` uint8 array (``mode="RGBA"``: 4).

        numpy is imported only here, so it stays an optional dependency.
        """
        try:
            import numpy as np
        except ImportError as exc:  # pragma: no cover - numpy is everywhere in practice
            raise ImportError("Frame.to_numpy() needs numpy: pip install numpy") from exc
        if mode not in ("RGB", "RGBA"):
            raise ValueError(f"mode must be 'RGB' or 'RGBA', not {mode!r}")
        if self.format == "rgba":
            pixels = np.frombuffer(self.data, dtype=np.uint8).reshape(self.height, self.width, 4)
            return np.ascontiguousarray(pixels if mode == "RGBA" else pixels[:, :, :3])
        return np.asarray(self.to_pil().convert(mode))

    def __repr__(self) -> str:
        return f"Frame(seq={self.seq}, {self.width}x{self.height} {self.format}, timestamp={self.timestamp:.3f})"


FrameCallback = Callable[[Frame], Any]


@dataclass(frozen=True)
class FrameRequest:
    """What the browser is asked to send: at most ``fps`` frames a second, fitted into ``width``x``height``."""

    fps: float
    width: int
    height: int
    format: FrameFormat = "jpeg"

    @classmethod
    def create(cls, fps: float, size: Sequence[int], format: str) -> FrameRequest:
        """Checked values, so a typo fails in the cell that made it rather than silently in the page."""
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps):
            raise ValueError(f"fps must be a number, not {fps!r}")
        if not 0 < fps <= MAX_FPS:
            raise ValueError(f"fps must be more than 0 and at most {MAX_FPS:g}, not {fps!r}")
        if isinstance(size, (str, bytes)) or len(size) != 2:
            raise ValueError(f"size must be (width, height), not {size!r}")
        width, height = size
        for value in (width, height):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"size must be two positive integers, not {size!r}")
        if width * height > MAX_FRAME_PIXELS:
            raise ValueError(
                f"size {width}x{height} is too large: at most {MAX_FRAME_PIXELS:,} pixels per frame "
                "(a browser→kernel message must stay under 10 MiB)"
            )
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
        return cls(float(fps), width, height, format)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {"fps": self.fps, "width": self.width, "height": self.height, "format": self.format}


@dataclass
class _Registration:
    callback: FrameCallback
    request: FrameRequest
    last_timestamp: float = -math.inf
    errors: int = 0
    last_report: float = -math.inf
    suppressed: int = 0


@dataclass
class FrameStats:
    """Counters since the callbacks were (re)registered; ``fps`` is over the last couple of seconds."""

    received: int = 0
    delivered: int = 0
    dropped_in_browser: int = 0
    """Frames the page shot but dropped while it waited for an acknowledgement (back-pressure)."""
    skipped: int = 0
    """Frames that arrived faster than a callback's own ``fps`` and were not given to it."""
    invalid: int = 0
    stale: int = 0
    """Frames shot for an earlier request (another size or format) that arrived after it changed."""
    errors: int = 0
    arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=64), repr=False)

    @property
    def fps(self) -> float:
        """Frames received per second, from the arrival times of the recent frames."""
        if len(self.arrivals) < 2:
            return 0.0
        span = self.arrivals[-1] - self.arrivals[0]
        return (len(self.arrivals) - 1) / span if span > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received, "delivered": self.delivered, "dropped_in_browser": self.dropped_in_browser,
            "skipped": self.skipped, "invalid": self.invalid, "stale": self.stale, "errors": self.errors, "fps": round(self.fps, 2),
        }


def _int(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


class FrameDispatcher:
    """Registered frame callbacks, the combined request for the browser, and the delivery of frames."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._registrations: list[_Registration] = []
        self._clock = clock
        self.stats = FrameStats()
        # ipykernel 7 may hand comm messages to a subshell thread as well as the main one: callbacks
        # must still see one frame at a time, in turn.
        self._delivering = threading.Lock()

    def __len__(self) -> int:
        return len(self._registrations)

    def add(self, callback: FrameCallback, request: FrameRequest) -> None:
        """Register ``callback`` (again: its request is replaced)."""
        if not callable(callback):
            raise TypeError(f"the frame callback must be callable, not {type(callback).__name__}")
        for reg in self._registrations:
            if reg.callback == callback:
                reg.request = request
                return
        if not self._registrations:
            self.stats = FrameStats()
        self._registrations.append(_Registration(callback, request))

    def remove(self, callback: FrameCallback) -> bool:
        """Unregister ``callback``; False when it was not registered."""
        before = len(self._registrations)
        self._registrations = [r for r in self._registrations if r.callback != callback]
        return len(self._registrations) < before

    def clear(self) -> None:
        self._registrations.clear()

    def request(self) -> dict[str, Any]:
        """The ``frame_request`` trait value: empty when nobody listens, else the most any callback asked.

        Several callbacks share one stream: the highest fps and the largest size; ``rgba`` unless every
        callback asked for ``jpeg`` (RGBA loses nothing, and ``Frame.to_pil`` reads both).
        """
        if not self._registrations:
            return {}
        requests = [r.request for r in self._registrations]
        fmt: FrameFormat = "jpeg" if all(q.format == "jpeg" for q in requests) else "rgba"
        combined = FrameRequest(
            max(q.fps for q in requests), max(q.width for q in requests), max(q.height for q in requests), fmt
        )
        return combined.to_json()

    def parse(self, content: dict[str, Any], buffers: Sequence[memoryview | bytes]) -> Frame | None:
        """A :class:`Frame` from a ``frame`` message, or None when the message does not describe one."""
        seq = _int(content.get("seq"), 0, 2**53)
        width = _int(content.get("width"), 1, 16384)
        height = _int(content.get("height"), 1, 16384)
        fmt = content.get("format")
        stamp = content.get("timestamp")
        if seq is None or width is None or height is None or fmt not in FORMATS or len(buffers) != 1:
            return None
        if width * height > MAX_FRAME_PIXELS:
            return None
        if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not math.isfinite(stamp):
            return None
        data = bytes(buffers[0])
        if fmt == "rgba" and len(data) != width * height * 4:
            return None
        if fmt == "jpeg" and not data.startswith(b"\xff\xd8"):
            return None
        return Frame(seq, float(stamp), width, height, fmt, data)

    def handle(self, content: dict[str, Any], buffers: Sequence[memoryview | bytes]) -> int | None:
        """Deliver one ``frame`` message to the callbacks; returns the ``seq`` to acknowledge.

        Every frame that names a ``seq`` is acknowledged, also a malformed one or one nobody listens to:
        an unacknowledged frame would hold one of the browser's few in-flight slots.  Callbacks never run
        concurrently, whichever kernel thread delivers the message.
        """
        with self._delivering:
            return self._handle(content, buffers)

    def _handle(self, content: dict[str, Any], buffers: Sequence[memoryview | bytes]) -> int | None:
        seq = _int(content.get("seq"), 0, 2**53)
        dropped = _int(content.get("dropped"), 0, 2**53)
        if dropped:
            self.stats.dropped_in_browser += dropped
        frame = self.parse(content, buffers)
        if frame is None:
            self.stats.invalid += 1
            return seq
        wanted = self.request()
        if not wanted or frame.format != wanted["format"] or frame.width > wanted["width"] or frame.height > wanted[
            "height"
        ]:
            self.stats.stale += 1  # still on its way when the request changed: nobody asked for it
            return frame.seq
        self.stats.received += 1
        self.stats.arrivals.append(self._clock())
        top_fps = max((r.request.fps for r in self._registrations), default=0.0)
        for reg in list(self._registrations):
            # A callback that asked for fewer frames than the stream carries gets every n-th one.
            if reg.request.fps < top_fps:
                min_gap = 1.0 / reg.request.fps - 0.5 / top_fps
                if frame.timestamp - reg.last_timestamp < min_gap:
                    self.stats.skipped += 1
                    continue
            reg.last_timestamp = frame.timestamp
            try:
                reg.callback(frame)
                self.stats.delivered += 1
            except Exception:  # noqa: BLE001 - a failing callback is reported, and the stream goes on
                self._report(reg)
        return frame.seq

    def _report(self, reg: _Registration) -> None:
        """Print the traceback: always the first time, then at most every ``ERROR_REPORT_INTERVAL`` s."""
        self.stats.errors += 1
        reg.errors += 1
        now = self._clock()
        if reg.errors > 1 and now - reg.last_report < ERROR_REPORT_INTERVAL:
            reg.suppressed += 1
            return
        name = getattr(reg.callback, "__qualname__", repr(reg.callback))
        extra = f" ({reg.suppressed} more errors not shown)" if reg.suppressed else ""
        print(f"choose-media: the frame callback {name} raised{extra}; frames keep coming:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        reg.last_report, reg.suppressed = now, 0
