"""Runs inside the benchmark notebooks' kernel: timestamps, peak memory, and the bare "ceiling" widget.

The driver (``python -m benchmarks``) imports this in a notebook's first cell, calls ``arm()`` just
before it acts in the browser, then polls ``snapshot()`` from a kernel subshell.  Each event is stamped
here with ``time.time()`` when it happens (the same clock as the driver's), so how often the driver polls
does not change a figure.
"""

from __future__ import annotations

import atexit
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

MARKS: dict[str, float] = {}
#: CPU seconds (kernel, and each role given to ``arm``) when each mark was made
CPU_AT: dict[str, dict[str, float]] = {}
_WATCH: dict[str, list[int]] = {}
COUNTS: dict[str, int] = {}
INFO: dict[str, Any] = {}
#: (what, start, seconds) of each handled chunk, for profiling
TIMELINE: list[tuple[str, float, float]] = []
_base_rss_kib = 0


def max_rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


_peak_reset = False
_cpu_at_arm = 0.0


def peak_rss_kib() -> int:
    """The process's peak RSS since ``arm()``: ``VmHWM`` after a reset, else ``ru_maxrss``."""
    hwm = _status_kib("VmHWM") if _peak_reset else None
    return hwm if hwm is not None else max_rss_kib()


#: The marks that stop a clock: only these read the watched processes' CPU (reading ~40 processes' threads
#: takes tens of milliseconds, which a mark in the middle of a transfer must not add to it).
CPU_MARKS = frozenset({"verified", "done"})


def arm(watch: dict[str, list[int]] | None = None) -> float:
    """Forget earlier marks and take the peak-memory baseline; returns the kernel's clock.

    ``watch``: processes (by role, e.g. ``{"browser": [...], "server": [...]}``) whose CPU seconds the marks in
    ``CPU_MARKS`` also record, so CPU is read at the moment a clock stops, not when the driver next polls.

    The peak RSS is first reset to the current RSS (Linux: ``5`` into ``/proc/self/clear_refs``) and read
    back as ``VmHWM``, so the growth measured is this run's, not the peak of importing the widgets.  (Plain
    ``ru_maxrss`` cannot be used after the reset: in a threaded process it also keeps the peak recorded
    when a thread exited.)  Where the reset is not allowed: ``ru_maxrss`` before and after.
    """
    global _base_rss_kib, _peak_reset, _cpu_at_arm
    _cpu_at_arm = time.process_time()
    MARKS.clear()
    CPU_AT.clear()
    _WATCH.clear()
    _WATCH.update(watch or {})
    CPU_AT["arm"] = _cpu_now()
    COUNTS.clear()
    INFO.clear()
    TIMELINE.clear()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        _peak_reset = True
        _base_rss_kib = _status_kib("VmRSS") or max_rss_kib()
    except OSError:
        _peak_reset = False
        _base_rss_kib = max_rss_kib()
    INFO["peak_reset"] = _peak_reset
    return time.time()


def _cpu_now() -> dict[str, float]:
    from .cpu import pids_seconds

    return {"kernel": time.process_time(), **{role: pids_seconds(pids) for role, pids in _WATCH.items()}}


def mark(name: str) -> None:
    if name not in MARKS:
        now = time.time()
        if name in CPU_MARKS:
            CPU_AT[name] = _cpu_now()
        MARKS[name] = now  # last: a snapshot taken meanwhile (on a subshell) sees both or neither


def cpu_between(start: str, end: str) -> dict[str, float] | None:
    """CPU seconds of each watched role (and the kernel) between two marks; None if one is missing."""
    if start not in CPU_AT or end not in CPU_AT:
        return None
    return {role: CPU_AT[end][role] - CPU_AT[start].get(role, 0.0) for role in CPU_AT[end]}


def snapshot() -> dict[str, Any]:
    return {
        "marks": dict(MARKS),
        "cpu_at": {name: dict(v) for name, v in CPU_AT.items()},
        "timeline": list(TIMELINE),
        "counts": dict(COUNTS),
        "info": dict(INFO),
        "rss_growth_mib": (peak_rss_kib() - _base_rss_kib) / 1024,
        "cpu_s": time.process_time() - _cpu_at_arm,  # the kernel's CPU seconds (all threads) since arm()
        "now": time.time(),
    }


# -- choose-media ----------------------------------------------------------------------------------
def watch_choose_media(w: Any, *, detail: bool = False, kernel_md5: str = "inline") -> None:
    """Marks ``begin`` (the file's first message handled), ``bytes`` (last byte on disk), ``verified`` (length
    checked, md5 computed) and ``stored`` (recognised and reported to the browser), for a file sent in chunks
    (``begin``/``chunk``/``end``) or in one ``file`` message alike: wraps the pick session's ``begin``,
    ``chunk`` and ``end`` on this one instance (``w._session``, which both routes call), and the routes for
    ``stored``/``refused``.  Renaming them breaks this loudly, as it should.  ``detail`` also times the file
    writes, md5 updates and acks (``INFO['write_s']``, ``INFO['md5_s']``, ``INFO['ack_s']``), for profiling.
    ``kernel_md5`` (profiling only): ``"off"`` skips the kernel's md5 (timing only: the file's md5 is then
    wrong), ``"thread"`` hashes on a background thread while the next chunk is received."""
    session = w._session
    routes, transfers = w._routes, session._transfers
    begin, chunk, end = session.begin, session.chunk, session.end

    def on_begin(tid: str, *args: Any) -> None:
        mark("begin")
        begin(tid, *args)
        t = transfers.get(tid)
        if t is not None and kernel_md5 != "inline":
            t._md5 = _NoMd5() if kernel_md5 == "off" else _ThreadMd5(t._md5)
        if detail:
            _time_parts(t)

    def on_chunk(tid: str, *args: Any) -> Any:
        start = time.time()
        out = chunk(tid, *args)
        TIMELINE.append(("chunk", start, time.time() - start))
        t = transfers.get(tid)
        if t is not None and t.received == t.declared_size:
            mark("bytes")
        return out

    def on_end(tid: str, *args: Any) -> Any:
        mark("end")
        t = transfers.get(tid)
        if t is not None:
            finish = t.finish

            def timed_finish(*args: Any, **kw: Any) -> Any:
                out = finish(*args, **kw)
                mark("verified")
                return out

            t.finish = timed_finish
        return end(tid, *args)

    session.begin, session.chunk, session.end = on_begin, on_chunk, on_end

    def reported(route: Any) -> Any:
        def handler(content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
            try:
                route(content, buffers)
            except BaseException:
                mark("refused")
                raise
            if "verified" in MARKS:
                mark("stored")

        return handler

    routes["end"], routes["file"] = reported(routes["end"]), reported(routes["file"])
    if detail:
        send = w.send

        def timed_send(*args: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return send(*args, **kw)
            finally:
                INFO["ack_s"] = INFO.get("ack_s", 0.0) + time.perf_counter() - start

        w.send = timed_send


class _NoMd5:
    def update(self, data: Any) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


class _ThreadMd5:
    """hashlib releases the GIL on large buffers: hash on one background thread, in order."""

    def __init__(self, inner: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._inner = inner
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bench-md5")
        self._last: Any = None

    def update(self, data: Any) -> None:
        self._last = self._pool.submit(self._inner.update, data)  # the memoryview keeps its message alive

    def hexdigest(self) -> str:
        if self._last is not None:
            self._last.result()
        self._pool.shutdown()
        return str(self._inner.hexdigest())


class _Timed:
    """Wraps an object and adds the seconds spent in one of its methods to ``INFO[key]``."""

    def __init__(self, inner: Any, method: str, key: str) -> None:
        self._inner, self._method, self._key = inner, method, key

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def timed(*args: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return attr(*args, **kw)
            finally:
                INFO[self._key] = INFO.get(self._key, 0.0) + time.perf_counter() - start

        return timed


def _time_parts(transfer: Any) -> None:
    if transfer is None:
        return
    if getattr(transfer, "_file", None) is not None:
        transfer._file = _Timed(transfer._file, "write", "write_s")
    if getattr(transfer, "_md5", None) is not None:
        transfer._md5 = _Timed(transfer._md5, "update", "md5_s")


# -- ipywidgets FileUpload / ipyuploads ------------------------------------------------------------
def watch_file_upload(up: Any) -> None:
    def on_value(change: dict[str, Any]) -> None:
        value = change["new"]
        if value:
            INFO["bytes"] = sum(len(f["content"]) for f in value)
            mark("verified")

    up.observe(on_value, names="value")


def watch_pick(w: Any, expected: int) -> None:
    """Marks ``stored_all`` when ``expected`` files are stored, and ``done`` when ``w.result`` is set
    (``failed`` when the pick failed); ``INFO['output_bytes']``: the result's total size."""
    announce = w._announce_stored

    def announced(tid: str, entry: dict[str, Any]) -> None:
        announce(tid, entry)
        COUNTS["stored"] = COUNTS.get("stored", 0) + 1
        if COUNTS["stored"] >= expected:
            mark("stored_all")

    w._announce_stored = announced

    def on_result(change: dict[str, Any]) -> None:
        result = change["new"] or {}
        files = result.get("tempFiles") or []
        if files:
            INFO["output_bytes"] = sum(int(f.get("size") or 0) for f in files)
            mark("done")
        elif result:
            mark("failed")

    w.observe(on_result, names="result")


def watch_upload_then_pillow(up: Any, out_dir: str) -> None:
    """FileUpload plus the Pillow loop a user writes, run as soon as ``value`` is set: marks ``uploaded``,
    then ``done`` when every photo is compressed to ``out_dir``."""
    import io

    from PIL import Image, ImageOps

    def on_value(change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        mark("uploaded")
        total = 0
        for i, f in enumerate(files):
            img = ImageOps.exif_transpose(Image.open(io.BytesIO(f["content"])))
            img.thumbnail((1920, 1920))
            out = Path(out_dir) / f"{i}.jpg"
            img.convert("RGB").save(out, "JPEG", quality=80)
            total += out.stat().st_size
        INFO["output_bytes"] = total
        mark("done")

    up.observe(on_value, names="value")


def cleanup_pick(ns: dict[str, Any]) -> None:
    """Removes what a pick left: choose-media's result files, the peer's output folder."""
    import shutil

    w = ns.get("w")
    if hasattr(w, "clear"):
        w.clear()
    for name in ("out_dir",):
        if name in ns:
            shutil.rmtree(ns[name], ignore_errors=True)


def watch_ipyuploads(up: Any) -> None:
    def file_complete(name: str | None = None) -> None:
        mark("verified")

    up.file_complete = file_complete


# -- ipywebrtc ------------------------------------------------------------------------------------
def watch_image_recorder(rec: Any, *, rearm: bool = False) -> None:
    """Marks ``image`` at each new JPEG in ``rec.image.value`` (count in ``COUNTS['frames']``).

    With ``rearm``, asks for the next snapshot as soon as the page says the last one is done (ImageRecorder
    has no stream mode): the page sets ``recording`` back to False *after* sending the image, so re-arming
    on the image itself would be undone by that message."""

    def on_image(change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        COUNTS["frames"] = COUNTS.get("frames", 0) + 1
        INFO["last_bytes"] = len(change["new"])
        mark("image")

    def on_recording(change: dict[str, Any]) -> None:
        if rearm and not change["new"] and INFO.get("rearm", True):
            rec.recording = True

    rec.image.observe(on_image, names="value")
    rec.observe(on_recording, names="recording")


def image_size(data: bytes) -> list[int]:
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as im:
        return list(im.size)


def last_photo(ns: dict[str, Any]) -> list[int] | None:
    """[width, height, bytes] of the last photo of the notebook's ``rec`` (ipywebrtc) or ``w`` (choose-media)."""
    rec = ns.get("rec")
    if rec is not None and getattr(rec.image, "value", None):
        data = bytes(rec.image.value)
        return [*image_size(data), len(data)]
    w = ns.get("w")
    stored = w.pick.stored if w is not None and hasattr(w, "pick") else ()
    if stored:
        last = stored[-1]
        return [int(last.width or 0), int(last.height or 0), int(last.size)]
    return None


# -- the ceiling: a bare anywidget, 8 MiB binary messages back to back -----------------------------
_CEILING_ESM = r"""
export default {
  render({ model, el }) {
    const input = document.createElement("input");
    input.type = "file";
    input.hidden = true;
    input.className = "bench-input";
    const button = document.createElement("button");
    button.className = "bench-choose";
    button.textContent = "Choose a file (ceiling)";
    button.addEventListener("click", () => input.click());
    // (what, epoch ms) of each step, for profiling: read by the driver as window.__benchTimeline
    const timeline = (window.__benchTimeline = []);
    const note = (what) => timeline.push([what, performance.timeOrigin + performance.now()]);
    input.addEventListener("change", async () => {
      note("change");
      const file = input.files[0];
      const size = model.get("chunk_size");
      model.send({ kind: "begin", size: file.size });
      // Read the next slice while the previous one is on the wire; no acks, no hashing.
      let next = file.slice(0, size).arrayBuffer();
      for (let offset = 0; offset < file.size; ) {
        const buffer = await next;
        note("read");
        const end = offset + buffer.byteLength;
        if (end < file.size) next = file.slice(end, end + size).arrayBuffer();
        model.send({ kind: "chunk", offset }, undefined, [buffer]);
        note("sent");
        offset = end;
      }
    });
    el.append(button, input);
  },
};
"""


class Ceiling(anywidget.AnyWidget):  # type: ignore[misc]
    """What the pipe can carry: chunks appended to a file in the kernel, nothing else."""

    _esm = _CEILING_ESM
    chunk_size = traitlets.Int(8 * 1024 * 1024).tag(sync=True)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._dir = Path(tempfile.mkdtemp(prefix="bench-ceiling-"))
        atexit.register(shutil.rmtree, self._dir, True)  # the kernel shuts down with the benchmark's notebook
        self._file: Any = None
        self._size = 0
        self._received = 0
        self.on_msg(self._on_msg)

    def _on_msg(self, _w: Any, content: dict[str, Any], buffers: Sequence[memoryview]) -> None:
        if content.get("kind") == "begin":
            self._size = int(content["size"])
            self._received = 0
            self._file = open(self._dir / "upload.bin", "wb")  # noqa: SIM115
        elif content.get("kind") == "chunk" and self._file is not None:
            start = time.time()
            self._file.write(buffers[0])
            TIMELINE.append(("chunk", start, time.time() - start))
            self._received += len(buffers[0])
            if self._received >= self._size:
                self._file.close()
                self._file = None
                mark("verified")
                (self._dir / "upload.bin").unlink(missing_ok=True)


def on_frames(w: Any) -> Callable[[Any], None]:
    """A frame callback for choose-media's ``w.on_frame`` that counts frames and keeps the last size."""

    def cb(frame: Any) -> None:
        COUNTS["frames"] = COUNTS.get("frames", 0) + 1
        if "shape" not in INFO:
            INFO["shape"] = [getattr(frame, "width", 0), getattr(frame, "height", 0),
                             len(getattr(frame, "data", b""))]
        mark("image")

    return cb
