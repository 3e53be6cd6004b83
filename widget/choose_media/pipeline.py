"""From a received file to a ``tempFiles`` entry: recognise, probe, compress or keep.

Plain functions over a store and paths, so the widget, ``pick_files`` and the
tests all run the same steps.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Errno, MediaError
from .images import EncodedMedia, ImageInfo, ImageSettings, compress_image, make_thumbnail, probe_image
from .result import FailedFile, TempFile
from .sniff import Sniffed, sniff_file
from .store import TempFileStore
from .videos import VideoInfo, VideoSettings, poster_frame, probe_video, remux_video, transcode_video

#: Largest file accepted by default, per file (2 GiB). Configurable with ``max_file_size``.
DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
#: Largest total of one pick by default (8 GiB). Configurable with ``max_pick_size``.
DEFAULT_MAX_PICK_SIZE = 8 * 1024**3


@dataclass(frozen=True)
class PipelineSettings:
    """How picked media is checked and compressed."""

    image: ImageSettings = field(default_factory=ImageSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    compress_video: bool = True
    """False on platforms that never compress video (Android, PC)."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


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

    @property
    def type(self) -> str:
        return self.sniffed.type


def recognise(path: Path, md5: str, *, media_types: Iterable[str], name: str = "") -> ReceivedMedia:
    """Decide what the bytes are (never from the name) and probe them; ``MediaError`` if unusable."""
    size = path.stat().st_size
    if size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    sniffed = sniff_file(path)
    if sniffed is None:
        raise MediaError(Errno.UNSUPPORTED_FILE, "not an image or video this toolkit can read")
    allowed = list(media_types)
    if sniffed.type not in allowed:
        raise MediaError(
            Errno.UNSUPPORTED_FILE, f"the file is a {sniffed.type} ({sniffed.format}), but mediaType is {allowed}"
        )
    info: ImageInfo | VideoInfo
    info = probe_image(path) if sniffed.type == "image" else probe_video(path)
    return ReceivedMedia(path, md5, sniffed, info, name)


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
            return _with_thumbnail(store, TempFile(
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
        return _with_thumbnail(store, TempFile(
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
    return _with_thumbnail(store, TempFile(
        stored.temp_file_path, stored.path, media.sniffed.type, stored.size, stored.md5,
        width=info.width, height=info.height, duration=duration, name=media.name,
    ))


THUMBNAIL_LONG_EDGE = 320


def _with_thumbnail(store: TempFileStore, tf: TempFile) -> TempFile:
    """Adds ``thumbTempFilePath``: a small upright JPEG (a poster frame for videos). Best effort."""
    dest = store.work_dir / f"thumb-{tf.path.stem}.jpg"
    try:
        if tf.type == "video":
            poster_frame(tf.path, dest, max_long_edge=THUMBNAIL_LONG_EDGE)
        else:
            make_thumbnail(tf.path, dest, THUMBNAIL_LONG_EDGE)
        thumb = store.adopt(dest, "jpg")
    except Exception:  # a missing thumbnail never fails a pick
        dest.unlink(missing_ok=True)
        return tf
    return replace(tf, thumb_temp_file_path=thumb.temp_file_path, thumb_path=thumb.path)


class MediaProcessor:
    """Compresses files on all cores as soon as they arrive, not after the last one.

    ``start`` begins the work in the background; ``take`` returns the finished entry (waiting if
    needed) and ``discard`` throws the work away (the user removed the file or chose "Original").
    """

    def __init__(self, store: TempFileStore, settings: PipelineSettings, executor: Executor | None = None) -> None:
        self.store = store
        self.settings = settings
        self.executor = executor or shared_executor()
        self.progress: dict[str, float] = {}
        self._jobs: dict[str, Future[TempFile]] = {}

    def start(self, key: str, media: ReceivedMedia) -> None:
        if key not in self._jobs:
            self.progress[key] = 0.0
            self._jobs[key] = self.executor.submit(self._compress, key, media)

    def _compress(self, key: str, media: ReceivedMedia) -> TempFile:
        def report(fraction: float) -> None:
            self.progress[key] = fraction

        result = compress(self.store, media, self.settings, report)
        self.progress[key] = 1.0
        return result

    def pending(self) -> list[Future[TempFile]]:
        return [job for job in self._jobs.values() if not job.done()]

    def take(self, key: str, media: ReceivedMedia) -> TempFile:
        """The compressed entry for ``key`` (``MediaError`` if it failed); the original is removed."""
        self.start(key, media)
        job = self._jobs.pop(key)
        self.progress.pop(key, None)
        try:
            return job.result()
        finally:
            self.store.remove(media.path)

    def discard(self, key: str) -> None:
        job = self._jobs.pop(key, None)
        self.progress.pop(key, None)
        if job is not None and not job.cancel():
            job.add_done_callback(self._remove_output)

    def _remove_output(self, job: Future[TempFile]) -> None:
        if job.cancelled() or job.exception() is not None:
            return
        tf = job.result()
        self.store.remove(tf.path)
        if tf.thumb_path is not None:
            self.store.remove(tf.thumb_path)


_executor: ThreadPoolExecutor | None = None


def shared_executor() -> ThreadPoolExecutor:
    """One pool per kernel, a worker per core: Pillow's codecs release the GIL, ffmpeg is a process."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="choose-media")
    return _executor


ProgressCallback = Callable[[int, int, str], None]


def process_local_files(
    store: TempFileStore,
    paths: Iterable[str | Path],
    *,
    media_types: Iterable[str],
    compress: bool,
    settings: PipelineSettings,
    on_progress: ProgressCallback | None = None,
) -> tuple[list[TempFile], list[FailedFile]]:
    """Run the pipeline on local files (the headless pick), compressing on all cores. A bad file fails alone."""
    sources = [Path(p) for p in paths]
    allowed = list(media_types)
    processor = MediaProcessor(store, settings)
    received: list[ReceivedMedia | MediaError] = []
    for index, src in enumerate(sources):
        try:
            media = _receive_local(store, src, allowed, settings)
            received.append(media)
            if compress:
                processor.start(str(index), media)
        except MediaError as exc:
            received.append(exc)
    files: list[TempFile] = []
    failed: list[FailedFile] = []
    for index, (src, item) in enumerate(zip(sources, received, strict=True)):
        if on_progress is not None:
            on_progress(index, len(sources), src.name)
        try:
            if isinstance(item, MediaError):
                raise item
            files.append(processor.take(str(index), item) if compress else keep_original(store, item))
        except MediaError as exc:
            failed.append(FailedFile(src.name, exc.errno, f"chooseMedia:fail {src.name}: {exc.detail}"))
    if on_progress is not None:
        on_progress(len(sources), len(sources), "")
    return files, failed


def _receive_local(store: TempFileStore, src: Path, media_types: list[str], settings: PipelineSettings) -> ReceivedMedia:
    if not src.is_file():
        raise MediaError(Errno.UNSUPPORTED_FILE, "no such file")
    size = src.stat().st_size
    if size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    if size > settings.max_file_size:
        raise MediaError(Errno.FILE_TOO_LARGE, f"{size} bytes is over the limit of {settings.max_file_size} bytes")
    try:
        incoming, md5 = store.import_file(src)
    except OSError as exc:
        raise MediaError(Errno.STORAGE_FAILED, f"could not store the file: {exc.strerror or exc}") from exc
    try:
        return recognise(incoming, md5, media_types=media_types, name=src.name)
    except MediaError:
        store.remove(incoming)
        raise
