"""``PickSession``: one pick, free of the widget.

It owns admission (source, count, per-file and per-pick size), the transfers (begin, chunk, end, remove,
resume), files copied in the kernel (the album shelf, ``pick_files``), and :meth:`PickSession.finish`,
which turns the files that arrived into the seed's result. The browser's Confirm and ``pick_files`` run
the same ``finish``. The camera's part (trimming, album copies) is a :class:`CaptureRules` it is given.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .errors import Errno, MediaError, fail_message
from .media.pipeline import MediaProcessor, PipelineSettings, ReceivedMedia, keep_original, recognise
from .media.previews import PREVIEW_LONG_EDGE, write_preview
from .result import FailedFile, TempFile
from .rules import check_count, check_file_size, check_pick_size
from .store import TempFileStore
from .transfer import IncomingTransfer, TransferError

_TRANSFER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_CLOSED_IDS = 1024
_MAX_NAME = 255
#: Files ``pick_files`` adds: no page offered them, so ``sourceType`` does not apply (``count`` does).
LOCAL_SOURCE = "local"
#: Sources whose files ``count`` limits: the seed says the camera is not limited by it.
COUNTED_SOURCES = frozenset({"album", LOCAL_SOURCE})
#: Seconds between two progress reports while a pick is processed.
PROGRESS_INTERVAL = 0.25


def display_name(name: Any) -> str:
    """A picked file's name, for display only: a bounded string, never a path."""
    text = name if isinstance(name, str) else ""
    return text.replace("\x00", "")[:_MAX_NAME]


def transfer_id(value: Any) -> str:
    """``value`` if it is a transfer id the kernel accepts (``TransferError`` if not)."""
    if not isinstance(value, str) or not _TRANSFER_ID.match(value):
        raise TransferError("bad transfer id")
    return value


def valid_transfer_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _TRANSFER_ID.match(value) else None


@dataclass(frozen=True)
class PickRules:
    """The options admission reads, taken from the widget each time (they may change between files)."""

    media_types: tuple[str, ...]
    source_types: tuple[str, ...]
    count: int
    max_file_size: int
    max_pick_size: int


@dataclass(frozen=True)
class TransferState:
    """A file still arriving (or interrupted): ``received`` of ``size`` bytes are on disk."""

    id: str
    name: str
    source: str
    size: int
    received: int
    resumed_from: int | None
    """Where the last resume went on from (0: started over); ``None`` if never resumed."""

    def to_message(self) -> dict[str, Any]:
        """The entry of a ``pending.transfers`` list (what a reloaded page needs to offer a resume)."""
        return {"id": self.id, "name": self.name, "size": self.size, "received": self.received, "source": self.source}


@dataclass(frozen=True)
class StoredFileState:
    """A file that arrived whole and was recognised, waiting for Confirm."""

    id: str
    name: str
    source: str
    type: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    resumed_from: int | None = None
    """Where its transfer last went on from after an interruption (0: started over); ``None``: never resumed."""

    def to_message(self) -> dict[str, Any]:
        """The fields of the ``stored`` message (and of each ``pending.stored`` entry): one shape, written once."""
        return {
            "id": self.id, "name": self.name, "source": self.source, "type": self.type, "size": self.size,
            "width": self.width, "height": self.height, "duration": self.duration,
        }


@dataclass(frozen=True)
class PickState:
    """What a pick holds right now: ``w.pick``."""

    transfers: tuple[TransferState, ...]
    stored: tuple[StoredFileState, ...]


@dataclass(frozen=True)
class PickOutcome:
    """What ``finish`` made: the result entries, and the files that could not be used (with their ids)."""

    files: list[TempFile]
    failed: list[tuple[str, FailedFile]]


@dataclass(frozen=True)
class TakenFile:
    """A confirmed file, out of the pick and on its way to the result."""

    id: str
    source: str
    media: ReceivedMedia


class CaptureRules(Protocol):
    """What the camera adds to a pick (``camera.captures.CameraCaptures``)."""

    def received(self, source: str, media: ReceivedMedia) -> ReceivedMedia:
        """A file of ``source`` arrived whole: a camera clip is cut to ``maxDuration`` here."""

    def before_finish(self, captures: Sequence[ReceivedMedia]) -> None:
        """The camera's files of a confirmed pick, before compression (``isSaveToAlbum``); never raises."""


ProgressReport = Callable[[int, int, float], None]
"""``(files done, files, share done 0..1)``."""


def failed_file(name: str, exc: MediaError) -> FailedFile:
    """How a file that could not be used is reported, whichever step refused it."""
    detail = f"{name}: {exc.detail}"
    return FailedFile(name, exc.errno, fail_message(detail), detail)


class PickSession:
    """One pick's files, from their first byte to the result entries. Thread-safe where the widget needs it:
    ``finish`` may run on a worker thread while messages for the next pick arrive."""

    def __init__(
        self, store: TempFileStore, settings: PipelineSettings, rules: Callable[[], PickRules], captures: CaptureRules
    ) -> None:
        self.store = store
        self._rules = rules
        self._captures = captures
        self._processor = MediaProcessor(store, settings)
        self._lock = threading.RLock()
        self._transfers: dict[str, IncomingTransfer] = {}
        self._received: dict[str, ReceivedMedia] = {}
        self._sources: dict[str, str] = {}
        self._resumed_from: dict[str, int] = {}
        # Transfers refused or removed: the chunks the browser had in flight are dropped without a reply
        # (the browser already has its one error). Bounded: oldest forgotten first.
        self._closed_ids: dict[str, None] = {}

    # -- what the pick holds ---------------------------------------------------------------------------
    def state(self) -> PickState:
        with self._lock:
            transfers = tuple(
                TransferState(tid, t.name, self._sources.get(tid, "album"), t.declared_size, t.received,
                              self._resumed_from.get(tid))
                for tid, t in self._transfers.items()
            )
            stored = tuple(self._stored_state(tid, m) for tid, m in self._received.items())
        return PickState(transfers, stored)

    def _stored_state(self, tid: str, media: ReceivedMedia) -> StoredFileState:
        info = media.info
        return StoredFileState(
            tid, media.name, self._sources.get(tid, "album"), media.type, media.path.stat().st_size,
            info.width, info.height, getattr(info, "duration", None), self._resumed_from.get(tid),
        )

    @property
    def empty(self) -> bool:
        with self._lock:
            return not self._transfers and not self._received

    # -- admission -------------------------------------------------------------------------------------
    def _admit(self, tid: str, source: Any, size: Any) -> None:
        """Checks every new file must pass, however it arrives (upload, camera, album shelf, ``pick_files``)."""
        rules = self._rules()
        if tid in self._transfers or tid in self._received:
            raise TransferError(f"transfer {tid} already exists")
        if source != LOCAL_SOURCE and source not in rules.source_types:
            raise MediaError(Errno.INVALID_PARAMETER, f"source {str(source)[:20]!r} is not in sourceType {list(rules.source_types)}")
        # count limits album picks only; the seed says it does not apply to the camera.
        if source in COUNTED_SOURCES:
            check_count(self._album_files() + 1, rules.count)
        if isinstance(size, int) and not isinstance(size, bool):
            check_file_size(size, rules.max_file_size)
            held = sum(t.declared_size for t in self._transfers.values())
            held += sum(m.path.stat().st_size for m in self._received.values())
            check_pick_size(held + size, rules.max_pick_size)

    def _album_files(self) -> int:
        return sum(1 for tid in (*self._transfers, *self._received) if self._sources.get(tid) in COUNTED_SOURCES)

    # -- transfers -------------------------------------------------------------------------------------
    def begin(self, tid: str, source: Any, size: Any, name: Any) -> None:
        with self._lock:
            self._admit(tid, source, size)
            transfer = IncomingTransfer(
                tid, size, self.store.new_incoming_path(), name=display_name(name)
            )
            self._sources[tid] = source
            self._transfers[tid] = transfer

    def _open_transfer(self, tid: str, *, pop: bool = False) -> IncomingTransfer | None:
        """The open transfer a chunk or ``end`` is for; None when it was refused or removed (what was still on
        its way for it is dropped without a reply); a TransferError for an id never seen."""
        transfer = self._transfers.pop(tid, None) if pop else self._transfers.get(tid)
        if transfer is None and tid not in self._closed_ids:
            raise TransferError(f"unknown transfer {tid}")
        return transfer

    def chunk(self, tid: str, offset: Any, buffers: Sequence[memoryview | bytes]) -> int | None:
        """Bytes received after this chunk; None when the chunk is dropped quietly (its transfer is closed)."""
        with self._lock:
            transfer = self._open_transfer(tid)
            if transfer is None:
                return None
            if len(buffers) != 1:
                self.refuse(tid)
                raise TransferError("a chunk must carry exactly one buffer")
            try:
                return transfer.write_chunk(offset, buffers[0])
            except TransferError:
                self._transfers.pop(tid, None)
                raise

    def end(self, tid: str, md5: Any) -> StoredFileState | None:
        with self._lock:
            transfer = self._open_transfer(tid, pop=True)
            if transfer is None:
                return None
            path, digest = transfer.finish(md5)
            return self._accept(tid, path, digest, transfer.name)

    def whole_file(self, tid: str, source: Any, size: Any, name: Any,
                   buffers: Sequence[memoryview | bytes]) -> StoredFileState:
        """A file sent in one message: ``begin``, its one chunk and ``end``, with every check of the three."""
        with self._lock:
            self.begin(tid, source, size, name)
            self.chunk(tid, 0, buffers)
            stored = self.end(tid, None)
            if stored is None:  # cannot happen: the transfer was opened just above; never silent if it does
                raise MediaError(Errno.TRANSFER_INTERRUPTED, f"transfer {tid} closed while it was being stored")
            return stored

    def add_local_file(self, tid: str, src: Path, name: str, source: str = "album") -> StoredFileState:
        """A file already on this machine (the album shelf, ``pick_files``) joins the pick as if uploaded."""
        with self._lock:
            if not src.is_file():
                raise MediaError(Errno.UNSUPPORTED_FILE, "no such file")
            self._admit(tid, source, src.stat().st_size)
            try:
                path, md5 = self.store.import_file(src)
            except OSError as exc:
                raise MediaError(Errno.STORAGE_FAILED, f"could not store the file: {exc.strerror or exc}") from exc
            self._sources[tid] = source
            return self._accept(tid, path, md5, display_name(name))

    def _accept(self, tid: str, path: Path, md5: str, name: str) -> StoredFileState:
        source = self._sources.get(tid, "album")
        try:
            media = recognise(path, md5, media_types=self._rules().media_types, name=name)
        except MediaError:
            self.store.remove(path)
            self._sources.pop(tid, None)
            raise
        media = self._captures.received(source, media)
        self._received[tid] = media
        return self._stored_state(tid, media)

    def preview(self, tid: str, long_edge: int = PREVIEW_LONG_EDGE) -> bytes | None:
        """A small JPEG of a stored file, for a page that cannot (or should not) decode it; ``None`` when none
        can be made."""
        with self._lock:
            media = self._received.get(tid)
        if media is None:
            return None
        if media.preview is not None and long_edge == PREVIEW_LONG_EDGE:
            return media.preview  # made while it was recognised
        dest = self.store.work_dir / f"preview-{uuid.uuid4().hex}.jpg"
        try:
            write_preview(media.path, media.type, dest, long_edge)
            return dest.read_bytes()
        except Exception:  # a preview is a nicety: the file itself is fine
            return None
        finally:
            dest.unlink(missing_ok=True)

    def precompress(self, tid: str) -> None:
        """Start compressing a file that arrived, on all cores, before Confirm (most likely wanted)."""
        with self._lock:
            media = self._received.get(tid)
            if media is not None:
                self._processor.start(tid, media)

    def resume_query(self, tid: str) -> int:
        with self._lock:
            transfer = self._transfers.get(tid)
            if transfer is None:
                raise TransferError(f"unknown transfer {tid}")
            return transfer.received

    def resume(self, tid: str, size: Any, received: Any, prefix_md5: Any) -> int:
        """Go on from the bytes received, if the browser's copy has the same ones; else start over at 0."""
        with self._lock:
            transfer = self._transfers.get(tid)
            if transfer is None:
                raise TransferError(f"unknown transfer {tid}")
            if size != transfer.declared_size:
                self.refuse(tid)
                raise TransferError("the file chosen again is not the one that was interrupted (its size differs)")
            if received != transfer.received or prefix_md5 != transfer.prefix_md5():
                transfer.restart()
            self._resumed_from[tid] = transfer.received
            return transfer.received

    def remove(self, tid: str) -> None:
        """The user removed the file: everything of it goes, and its late chunks are dropped quietly."""
        self.refuse(tid)

    def refuse(self, tid: str) -> None:
        """Drop a file (partial or whole) and remember its id as closed."""
        with self._lock:
            self._drop(tid)
            self._closed_ids[tid] = None
            if len(self._closed_ids) > _MAX_CLOSED_IDS:
                del self._closed_ids[next(iter(self._closed_ids))]

    def _drop(self, tid: str) -> None:
        self._sources.pop(tid, None)
        self._resumed_from.pop(tid, None)
        transfer = self._transfers.pop(tid, None)
        if transfer is not None:
            transfer.abort()
        media = self._received.pop(tid, None)
        self._processor.discard(tid)
        if media is not None:
            self.store.remove(media.path)

    def reset(self) -> None:
        """Forget every file of the pick (their bytes are deleted; chunks still on their way are dropped quietly)."""
        with self._lock:
            for tid in [*self._transfers, *self._received]:
                self.refuse(tid)
            self._sources.clear()

    # -- finishing -------------------------------------------------------------------------------------
    def take(self, ids: Any) -> list[TakenFile]:
        """Take the confirmed files out of the pick (the rest is dropped); raises ``MediaError`` for a bad confirm.

        After this the session is free for the next pick while :meth:`finish` works on what was taken.
        """
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise MediaError(Errno.UNKNOWN_ERROR, "confirm needs a list of transfer ids")
        unique = list(dict.fromkeys(ids))  # a file named twice is still one file
        with self._lock:
            rules = self._rules()
            check_count(sum(1 for i in unique if self._sources.get(i) in COUNTED_SOURCES), rules.count)
            if not any(tid in self._received for tid in unique):
                raise MediaError(Errno.UNSUPPORTED_FILE, "no file arrived whole to confirm")
            taken = [
                TakenFile(tid, self._sources.get(tid, "album"), self._received.pop(tid))
                for tid in unique if tid in self._received
            ]
            self.reset()  # whatever was not confirmed goes
        return taken

    def finish(
        self,
        taken: Sequence[TakenFile],
        compress: bool,
        on_progress: ProgressReport | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> PickOutcome | None:
        """Compress (or keep) what :meth:`take` took; ``None`` (and nothing left behind) when ``cancelled()``.

        The browser's Confirm runs it on a worker thread; ``pick_files`` in the caller's.
        """
        report = on_progress or (lambda done, total, share: None)
        self._captures.before_finish([t.media for t in taken if t.source == "camera"])
        if compress:
            for t in taken:
                self._processor.start(t.id, t.media)
            self._wait_for_compression([t.id for t in taken], report, cancelled)
        files: list[TempFile] = []
        failed: list[tuple[str, FailedFile]] = []
        for t in taken:
            if cancelled():
                break
            try:
                if compress:
                    files.append(self._processor.take(t.id, t.media))
                else:
                    self._processor.discard(t.id)
                    files.append(keep_original(self.store, t.media))
            except MediaError as exc:
                self.store.remove(t.media.path)
                failed.append((t.id, failed_file(t.media.name, exc)))
        if cancelled():
            self._throw_away(taken, files)
            return None
        report(len(taken), len(taken), 1.0)
        return PickOutcome(files, failed)

    def check_batch(self, paths: Sequence[Path]) -> None:
        """Whole-batch rules of ``pick_files``, before any file is read: ``count`` and the pick's size."""
        rules = self._rules()
        check_count(len(paths), rules.count)
        check_pick_size(sum(p.stat().st_size for p in paths if p.is_file()), rules.max_pick_size)

    def pick_local_files(
        self, paths: Sequence[Path], compress: bool, on_progress: ProgressReport | None = None
    ) -> tuple[list[TempFile], list[FailedFile]]:
        """``pick_files``: every path through admission, then the same :meth:`take` and :meth:`finish` as a
        Confirm. A bad file fails alone; failures are listed in the order the paths were given."""
        failed: dict[int, FailedFile] = {}
        for index, src in enumerate(paths):
            try:
                self.add_local_file(f"local-{index}", src, src.name, LOCAL_SOURCE)
                if compress:
                    self.precompress(f"local-{index}")
            except MediaError as exc:
                failed[index] = failed_file(src.name, exc)
        files: list[TempFile] = []
        if len(failed) < len(paths):
            outcome = self.finish(self.take([f"local-{i}" for i in range(len(paths)) if i not in failed]), compress, on_progress)
            assert outcome is not None  # nothing cancels it
            files = outcome.files
            failed.update({int(tid.removeprefix("local-")): f for tid, f in outcome.failed})
        return files, [failed[i] for i in sorted(failed)]

    def _wait_for_compression(self, keys: list[str], report: ProgressReport, cancelled: Callable[[], bool]) -> None:
        total = len(keys)
        while not cancelled():
            pending = self._processor.pending(keys)
            report(total - len(pending), total, self._processor.progress(keys))
            if not pending:
                return
            futures_wait(pending, timeout=PROGRESS_INTERVAL, return_when=FIRST_COMPLETED)

    def throw_away(self, files: Iterable[TempFile]) -> None:
        """Delete result files nobody will get (their pick was cancelled), thumbnails included."""
        for tf in files:
            self.store.remove(tf.path)
            if tf.thumb_path is not None:
                self.store.remove(tf.thumb_path)

    def _throw_away(self, taken: Sequence[TakenFile], files: Iterable[TempFile]) -> None:
        """A cancelled pick leaves nothing behind: outputs made, work still running, and the originals."""
        self.throw_away(files)
        for t in taken:
            self._processor.discard(t.id)
            self.store.remove(t.media.path)

