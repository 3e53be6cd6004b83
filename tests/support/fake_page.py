"""The one fake page of the test suite: plays the browser's side of the wire protocol against a real widget,
in this process, and records what the kernel sends back.

Messages enter through ipywidgets' own comm-message entry point (``Widget._handle_msg``), as a comm message
from a real page would; buffers arrive as ``memoryview`` (Jupyter's way; ``as_bytes=True``: marimo's).
ipywidgets only logs an exception that escapes the widget's handler; the fake page turns it into a test
failure. Transfers are sent as the shipped page sends them: a file that fits one chunk in one ``file`` message,
a larger one as ``begin``, the chunks and ``end`` back to back, ``end`` without an md5 unless asked. Waits are bounded and say what they waited for.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from traitlets.log import get_logger

from choose_media import ChooseMediaWidget
from choose_media.store import TempFileStore

#: Seconds a wait may last before the test fails with a message (a slow machine is fine, a hang is not).
WAIT = 60.0


class _Escaped(logging.Handler):
    """Keeps what ipywidgets logs when an exception escapes a widget's message handler."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ESCAPED = _Escaped()
get_logger().addHandler(_ESCAPED)  # ipywidgets' callback dispatcher logs there (outside an Application)


class Replies(list[dict[str, Any]]):
    """Messages the kernel sent to the page, in order."""

    def kinds(self) -> list[str]:
        return [m["kind"] for m in self]

    def errors(self) -> list[dict[str, Any]]:
        return [m for m in self if m["kind"] == "error"]


class FakePage:
    def __init__(self, widget: ChooseMediaWidget | None = None, *, store_dir: Path | None = None,
                 as_bytes: bool = False, **options: Any) -> None:
        if widget is None:
            store = TempFileStore(store_dir) if store_dir is not None else None
            widget = ChooseMediaWidget(store=store, **options)
        self.widget = widget
        self.replies = Replies()
        self.reply_buffers: list[list[Any]] = []
        self.as_bytes = as_bytes
        self._senders: list[int] = []  # the thread that sent each reply

        def record(content: dict[str, Any], buffers: Any = None) -> None:
            self._senders.append(threading.get_ident())
            self.replies.append(content)
            self.reply_buffers.append(list(buffers or []))

        widget.send = record  # type: ignore[method-assign]

    # -- sending -----------------------------------------------------------------------------------
    def msg(self, content: Any, buffers: list[Any] | None = None) -> Replies:
        """Deliver one message (any content, for tampering); returns the replies it caused at once.

        Those are the replies sent while it was handled by the thread that delivered it; what background
        work (a Confirm's processing) sends meanwhile is only in :attr:`replies`."""
        start, escaped = len(self.replies), len(_ESCAPED.records)
        wire = [bytes(b) if self.as_bytes else memoryview(bytes(b)) for b in buffers or []]
        self.widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": wire})
        if len(_ESCAPED.records) > escaped:
            record = _ESCAPED.records[escaped]
            raise AssertionError(f"an exception escaped the widget: {record.getMessage()}") from (
                record.exc_info[1] if record.exc_info else None
            )
        me = threading.get_ident()
        return Replies(r for r, t in zip(self.replies[start:], self._senders[start:], strict=True) if t == me)

    def send(self, kind: str, buffers: list[Any] | None = None, **fields: Any) -> Replies:
        return self.msg({"kind": kind, **fields}, buffers)

    def upload(self, tid: str, data: bytes, *, name: str = "file", source: str = "album", chunk: int | None = None,
               md5: bool = False) -> Replies:
        """Send ``data`` as the shipped page does: in one ``file`` message when it fits one chunk, else
        ``begin``, chunks and ``end``.  ``chunk``: send in chunks of this size whatever the file's size;
        ``md5=True``: with an md5 at the end, as a client may."""
        if chunk is None and not md5 and 0 < len(data) <= self.widget.chunk_size:
            return self.send("file", [data], id=tid, size=len(data), source=source, name=name, mime="")
        chunk = chunk or (1 << 20)
        replies = self.send("begin", id=tid, size=len(data), source=source, name=name, mime="")
        for offset in range(0, len(data), chunk):
            replies += self.send("chunk", [data[offset : offset + chunk]], id=tid, offset=offset)
        end = {"md5": hashlib.md5(data).hexdigest()} if md5 else {}
        replies += self.send("end", id=tid, **end)
        return Replies(replies)

    def upload_file(self, tid: str, path: Path, *, source: str = "album", md5: bool = False) -> Replies:
        return self.upload(tid, path.read_bytes(), name=path.name, source=source, md5=md5)

    def stored(self, replies: Replies) -> dict[str, Any]:
        """The ``stored`` reply among ``replies`` (fails with the errors the kernel sent instead)."""
        found = [r for r in replies if r["kind"] == "stored"]
        assert found, f"nothing stored; the kernel said {replies.errors() or replies.kinds()}"
        return found[-1]

    # -- finishing ---------------------------------------------------------------------------------
    def confirm(self, ids: list[str], original: bool = False, timeout: float = WAIT) -> dict[str, Any]:
        """Press Confirm and wait (bounded) for the result: processing runs off the comm."""
        replies = self.send("confirm", ids=ids, original=original)
        if replies.errors():  # refused at once: no result comes
            return replies.errors()[0]
        return self.wait_result(timeout)

    def cancel(self) -> dict[str, Any]:
        self.send("cancel")
        assert self.widget.result is not None, "Cancel must answer at once"
        return self.widget.result

    def wait_result(self, timeout: float = WAIT) -> dict[str, Any]:
        wait_until(lambda: self.widget.result is not None, timeout, "the widget's result")
        assert self.widget.result is not None
        return self.widget.result

    def files_in_store(self) -> list[Path]:
        return sorted(p for p in self.widget.store.root.rglob("*") if p.is_file())


def wait_until(condition: Callable[[], Any], timeout: float = WAIT, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.01)
