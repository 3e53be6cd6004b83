"""From a received file to a ``tempFiles`` entry: recognise, probe, compress or keep.

Plain functions over a store and paths, so the widget, ``pick_files`` and the
tests all run the same steps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Errno, MediaError
from ..result import TempFile
from ..rules import check_not_empty
from ..store import TempFileStore
from .images import EncodedMedia, ImageInfo, ImageSettings, compress_image, probe_image_with_preview
from .previews import PREVIEW_LONG_EDGE, with_thumbnail
from .sniff import Sniffed, sniff_file
from .videos import VideoInfo, VideoSettings, probe_video, remux_video, transcode_video


@dataclass(frozen=True)
class PipelineSettings:
    """How picked media is checked and compressed."""

    image: ImageSettings = field(default_factory=ImageSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    compress_video: bool = True
    """False on platforms that never compress video (Android, PC)."""


@dataclass(frozen=True)
class ReceivedMedia:
    """A file that arrived whole and was recognised as media of an allowed type."""

    path: Path
    md5: str
    sniffed: Sniffed
    info: ImageInfo | VideoInfo
    name: str = ""
    max_duration: float | None = None
    """Seconds a camera clip may last (maxDuration): a transcode never runs longer."""
    preview: bytes | None = None
    """A small JPEG made while recognising it (images), for the page's list: see ``probe_image_with_preview``."""

    @property
    def type(self) -> str:
        return self.sniffed.type


def recognise(path: Path, md5: str, *, media_types: Iterable[str], name: str = "") -> ReceivedMedia:
    """Decide what the bytes are (never from the name) and probe them; ``MediaError`` if unusable."""
    check_not_empty(path.stat().st_size)
    sniffed = sniff_file(path)
    if sniffed is None:
        raise MediaError(Errno.UNSUPPORTED_FILE, "not an image or video this toolkit can read")
    allowed = list(media_types)
    if sniffed.type not in allowed:
        raise MediaError(
            Errno.UNSUPPORTED_FILE, f"the file is a {sniffed.type} ({sniffed.format}), but mediaType is {allowed}"
        )
    if sniffed.type == "video":
        return ReceivedMedia(path, md5, sniffed, probe_video(path), name)
    info, preview = probe_image_with_preview(path, PREVIEW_LONG_EDGE)
    return ReceivedMedia(path, md5, sniffed, info, name, preview=preview)


def compress(
    store: TempFileStore,
    media: ReceivedMedia,
    settings: PipelineSettings,
    on_progress: Callable[[float], None] | None = None,
) -> TempFile:
    """A compressed copy in the store; the received original stays where it is.

    Videos on platforms that never compress video are kept as picked (a copy of the original).
    """
    info = media.info
    try:
        if isinstance(info, ImageInfo):
            image = compress_image(media.path, store.work_dir, settings.image)
            stored = store.adopt(image.path, image.ext)
            return with_thumbnail(store, TempFile(
                stored.temp_file_path, stored.path, "image", stored.size, stored.md5,
                width=image.width, height=image.height, compressed=True, name=media.name,
            ))
        if not settings.compress_video:
            return keep_original(store, media, copy=True)
        video = transcode_video(
            media.path, store.work_dir, settings.video, on_progress, max_duration=media.max_duration
        )
        video = _smaller_of(media, video, store, settings)
        out = probe_video(video.path)
        stored = store.adopt(video.path, video.ext)
        return with_thumbnail(store, TempFile(
            stored.temp_file_path, stored.path, "video", stored.size, stored.md5,
            width=out.width, height=out.height, duration=round(out.duration, 3), compressed=True, name=media.name,
        ))
    except MediaError:
        raise
    except Exception as exc:  # a codec bug must not lose the other files of the pick
        raise MediaError(Errno.COMPRESSION_FAILED, f"compression failed: {type(exc).__name__}: {exc}") from exc


_COPYABLE_CODECS = frozenset({"h264", "hevc"})


def _smaller_of(media: ReceivedMedia, video: EncodedMedia, store: TempFileStore, settings: PipelineSettings) -> EncodedMedia:
    """Compression never makes a video bigger: an H.264/HEVC original within the size cap whose
    re-encode came out larger is copied stream-for-stream into a clean MP4 instead."""
    info = media.info
    assert isinstance(info, VideoInfo)
    within_cap = max(info.width, info.height) <= settings.video.max_long_edge
    if video.path.stat().st_size < media.path.stat().st_size or info.codec not in _COPYABLE_CODECS or not within_cap:
        return video
    try:
        copied = remux_video(media.path, store.work_dir, max_duration=media.max_duration)
    except MediaError:
        return video
    video.path.unlink(missing_ok=True)
    return copied


def keep_original(store: TempFileStore, media: ReceivedMedia, *, copy: bool = False) -> TempFile:
    """The picked bytes, unchanged, in the store (moved, or copied when ``copy``)."""
    info = media.info
    if copy:
        source, md5 = store.import_file(media.path)
    else:
        source, md5 = media.path, media.md5
    stored = store.adopt(source, media.sniffed.ext, md5)
    duration = round(info.duration, 3) if isinstance(info, VideoInfo) else None
    return with_thumbnail(store, TempFile(
        stored.temp_file_path, stored.path, media.sniffed.type, stored.size, stored.md5,
        width=info.width, height=info.height, duration=duration, name=media.name,
    ))


class MediaProcessor:
    """Compresses files on all cores as soon as they arrive, not after the last one.

    ``start`` begins the work in the background; ``take`` returns the finished entry (waiting if
    needed) and ``discard`` throws the work away (the user removed the file or chose "Original").
    Thread-safe: a confirmed pick is finished on a worker thread while the next pick's files arrive.
    """

    def __init__(self, store: TempFileStore, settings: PipelineSettings, executor: Executor | None = None) -> None:
        self.store = store
        self.settings = settings
        self.executor = executor or shared_executor()
        self._lock = threading.Lock()
        self._progress: dict[str, float] = {}
        self._jobs: dict[str, Future[TempFile]] = {}

    def start(self, key: str, media: ReceivedMedia) -> None:
        with self._lock:
            if key not in self._jobs:
                self._progress[key] = 0.0
                self._jobs[key] = self.executor.submit(self._compress, key, media)

    def _compress(self, key: str, media: ReceivedMedia) -> TempFile:
        def report(fraction: float) -> None:
            with self._lock:
                if key in self._progress:
                    self._progress[key] = fraction

        result = compress(self.store, media, self.settings, report)
        report(1.0)
        return result

    def pending(self, keys: Iterable[str]) -> list[Future[TempFile]]:
        """The unfinished jobs among ``keys``."""
        with self._lock:
            jobs = [self._jobs.get(k) for k in keys]
        return [job for job in jobs if job is not None and not job.done()]

    def progress(self, keys: Iterable[str]) -> float:
        """Share of the work on ``keys`` done, 0..1 (a key with no job counts as done)."""
        wanted = list(keys)
        with self._lock:
            done = sum(self._progress.get(k, 1.0) for k in wanted)
        return done / len(wanted) if wanted else 1.0

    def take(self, key: str, media: ReceivedMedia) -> TempFile:
        """The compressed entry for ``key`` (``MediaError`` if it failed); the original is removed."""
        self.start(key, media)
        with self._lock:
            job = self._jobs.pop(key)
            self._progress.pop(key, None)
        try:
            return job.result()
        finally:
            self.store.remove(media.path)

    def discard(self, key: str) -> None:
        with self._lock:
            job = self._jobs.pop(key, None)
            self._progress.pop(key, None)
        if job is not None and not job.cancel():
            job.add_done_callback(self._remove_output)

    def _remove_output(self, job: Future[TempFile]) -> None:
        if job.cancelled() or job.exception() is not None:
            return
        tf = job.result()
        self.store.remove(tf.path)
        if tf.thumb_path is not None:
            self.store.remove(tf.thumb_path)


#: Workers of the shared compression pool: one per core.
COMPRESSION_WORKERS = os.cpu_count() or 2
_executor: ThreadPoolExecutor | None = None


def shared_executor() -> ThreadPoolExecutor:
    """One pool per kernel, a worker per core: Pillow's codecs release the GIL, ffmpeg is a process."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=COMPRESSION_WORKERS, thread_name_prefix="choose-media")
    return _executor
