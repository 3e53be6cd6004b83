"""Finishing a confirmed pick off the comm: one worker thread per Confirm, cancellable at any moment.

The comm handler returns at once, so frames, Cancel and the next pick's files keep flowing while the
files are compressed. Whoever comes second of the worker's end and a Cancel loses: a cancelled worker
reports nothing and leaves nothing behind (``PickSession.finish`` throws its work away).
"""

from __future__ import annotations

import contextvars
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from .errors import Errno, fail_result
from .result import FailedFile, TempFile
from .session import PickSession, ProgressReport, TakenFile


class _Job:
    def __init__(self) -> None:
        self.cancelled = False


class Confirmation:
    """Runs ``session.finish`` for each Confirm on a worker thread and reports back under one lock.

    ``on_progress``, ``on_done(files, failed)`` and ``on_failure(result)`` run on the worker, holding
    :attr:`lock`; a Cancel (:meth:`cancel`) takes the same lock, so the two never cross.
    """

    def __init__(
        self,
        session: PickSession,
        on_progress: ProgressReport,
        on_done: Callable[[list[TempFile], list[FailedFile]], Any],
        on_failure: Callable[[dict[str, Any]], Any],
    ) -> None:
        self.lock = threading.RLock()
        self._session = session
        self._on_progress = on_progress
        self._on_done = on_done
        self._on_failure = on_failure
        self._job: _Job | None = None

    def start(self, taken: Sequence[TakenFile], compress: bool) -> None:
        job = _Job()
        with self.lock:
            self.cancel()
            self._job = job
            self._on_progress(0, len(taken), 0.0)
        context = contextvars.copy_context()  # outputs and callbacks belong where the Confirm arrived
        worker = threading.Thread(
            target=context.run, args=(self._run, job, taken, compress), name="choose-media-confirm", daemon=True
        )
        worker.start()

    def cancel(self) -> None:
        """The running Confirm (if any) will report nothing; its work is thrown away."""
        with self.lock:
            if self._job is not None:
                self._job.cancelled = True
                self._job = None

    def _run(self, job: _Job, taken: Sequence[TakenFile], compress: bool) -> None:
        def progress(done: int, total: int, share: float) -> None:
            with self.lock:
                if not job.cancelled:
                    self._on_progress(done, total, share)

        failure = fail_result(Errno.UNKNOWN_EXCEPTION, "the pick was not finished")
        try:
            outcome = self._session.finish(taken, compress, progress, lambda: job.cancelled)
        except Exception as exc:  # never leave the pick stuck in "processing"
            traceback.print_exc(file=sys.stderr)
            outcome = None
            failure = fail_result(Errno.UNKNOWN_EXCEPTION, f"{type(exc).__name__}: {exc}")
        with self.lock:
            if job.cancelled or self._job is not job:  # Cancel already answered
                if outcome is not None:  # it came too late to stop the work: throw the work away
                    self._session.throw_away(outcome.files)
                return
            self._job = None
            if outcome is None:
                self._on_failure(failure)
            else:
                self._on_done(outcome.files, [f for _, f in outcome.failed])
