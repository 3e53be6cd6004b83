"""One browser→kernel file transfer: chunks appended to disk as they arrive.

The kernel never trusts the browser: a chunk must continue exactly where the
bytes on disk end, the total may not pass the declared size, and at the end
the length must match (and the md5, when the browser sends one).  Memory use is one chunk, whatever
the file size.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO, NoReturn

from .errors import Errno, MediaError
from .rules import check_not_empty

#: Bytes per chunk the browser sends. A browser→kernel websocket message of 10 MiB or more is
#: silently dropped by the Jupyter server; 9 MiB leaves room for the message's JSON and costs the
#: browser the fewest messages (benchmarks/results.md, transfer profile).
CHUNK_SIZE = 9 * 1024 * 1024
#: Chunks the browser keeps in flight before it waits for an acknowledgement (36 MiB): the kernel's
#: memory stays bounded by the window, not by the file.
CHUNKS_IN_FLIGHT = 4


class TransferError(MediaError):
    """The transfer cannot go on; its partial file has been deleted."""

    def __init__(self, detail: str, errno: int = Errno.TRANSFER_INTERRUPTED) -> None:
        super().__init__(errno, detail)


class IncomingTransfer:
    """Receives one file into ``dest``; ``finish`` returns it only when it arrived whole."""

    def __init__(self, transfer_id: str, declared_size: int, dest: Path, *, name: str = "") -> None:
        """Size limits are the pick's admission (``rules``); here only what a transfer itself needs."""
        if isinstance(declared_size, bool) or not isinstance(declared_size, int) or declared_size < 0:
            raise TransferError(f"declared size {declared_size!r} is not a byte count")
        check_not_empty(declared_size)
        self.transfer_id = transfer_id
        self.name = name
        self.declared_size = declared_size
        self.dest = dest
        self.received = 0
        self._md5 = hashlib.md5()
        try:
            self._file: BinaryIO | None = open(dest, "xb")  # noqa: SIM115 - closed in finish/abort
        except OSError as exc:
            raise TransferError(f"could not store the file: {exc.strerror or exc}", Errno.STORAGE_FAILED) from exc

    def write_chunk(self, offset: int, data: bytes | memoryview) -> int:
        """Append a chunk; returns the bytes received so far. A repeated chunk is ignored."""
        if self._file is None:
            raise TransferError("the transfer is already closed")
        length = len(data)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            self._fail(f"chunk offset {offset!r} is not a byte offset")
        if length == 0:
            self._fail("empty chunk")
        if offset + length <= self.received:
            return self.received  # a duplicate of bytes already stored: harmless
        if offset != self.received:
            what = "overlaps" if offset < self.received else "leaves a gap after"
            self._fail(f"chunk at {offset} {what} the {self.received} bytes received")
        if offset + length > self.declared_size:
            self._fail(f"chunk ends at {offset + length}, past the declared size {self.declared_size}")
        try:
            self._file.write(data)
        except OSError as exc:
            self._fail(f"could not store the file: {exc.strerror or exc}", Errno.STORAGE_FAILED)
        self._md5.update(data)
        self.received += length
        return self.received

    def finish(self, md5_hex: str | None = None) -> tuple[Path, str]:
        """Close the file and check it; returns ``(path, md5)`` of the complete file.

        The browser may send the md5 it computed; the shipped front-end does not (hashing on the page's
        main thread cost a fifth of the throughput), since every offset and the length are checked here."""
        if self._file is None:
            raise TransferError("the transfer is already closed")
        if self.received != self.declared_size:
            self._fail(f"only {self.received} of {self.declared_size} bytes arrived")
        digest = self._md5.hexdigest()
        if md5_hex is not None and (not isinstance(md5_hex, str) or md5_hex.lower() != digest):
            self._fail(f"md5 mismatch: the browser sent {md5_hex!r}, the kernel stored {digest}")
        try:
            self._file.close()
        except OSError as exc:
            self._fail(f"could not store the file: {exc.strerror or exc}", Errno.STORAGE_FAILED)
        self._file = None
        return self.dest, digest

    def prefix_md5(self) -> str:
        """md5 of the bytes received so far (a browser resuming proves it holds the same ones)."""
        return self._md5.copy().hexdigest()

    def restart(self) -> None:
        """Forget the bytes received (the browser's copy differs): the transfer starts over at 0."""
        if self._file is None:
            raise TransferError("the transfer is already closed")
        self._file.seek(0)
        self._file.truncate()
        self._md5 = hashlib.md5()
        self.received = 0

    def abort(self) -> None:
        """Close and delete the partial file. Safe to call twice."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None
        self.dest.unlink(missing_ok=True)

    def _fail(self, detail: str, errno: int = Errno.TRANSFER_INTERRUPTED) -> NoReturn:
        self.abort()
        raise TransferError(detail, errno)
