"""From a received file to a ``tempFiles`` entry: recognise, probe, compress or keep.

Plain functions over a store and paths, so the widget, ``pick_files`` and the
tests all run the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Union

from .errors import Errno, MediaError
from .images import ImageInfo, ImageSettings, compress_image, probe_image
from .result import FailedFile, TempFile
from .sniff import Sniffed, sniff_file
from .store import TempFileStore
from .videos import VideoInfo, VideoSettings, probe_video, transcode_video

#: Largest file accepted by default, per file (2 GiB). Configurable with ``max_file_size``.
DEFAULT_MAX_FILE_SIZE = 2 * 1024**3


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
    info: Union[ImageInfo, VideoInfo]
    name: str = ""

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
    info: Union[ImageInfo, VideoInfo]
    info = probe_image(path) if sniffed.type == "image" else probe_video(path)
    return ReceivedMedia(path, md5, sniffed, info, name)


def finish(
    store: TempFileStore,
    media: ReceivedMedia,
    *,
    compress: bool,
    settings: PipelineSettings,
    on_progress: Callable[[float], None] | None = None,
) -> TempFile:
    """Store the media under its temp path, compressed or as the original bytes."""
    info = media.info
    if isinstance(info, ImageInfo):
        if compress:
            try:
                encoded = compress_image(media.path, store.work_dir, settings.image)
            except MediaError:
                raise
            except Exception as exc:  # a codec bug must not lose the other files
                raise MediaError(Errno.COMPRESSION_FAILED, f"image compression failed: {exc}") from exc
            stored = store.adopt(encoded.path, encoded.ext)
            store.remove(media.path)
            return TempFile(
                stored.temp_file_path, stored.path, "image", stored.size, stored.md5,
                width=encoded.width, height=encoded.height, compressed=True, name=media.name,
            )
        stored = store.adopt(media.path, media.sniffed.ext, media.md5)
        return TempFile(
            stored.temp_file_path, stored.path, "image", stored.size, stored.md5,
            width=info.width, height=info.height, name=media.name,
        )
    if compress and settings.compress_video:
        encoded = transcode_video(media.path, store.work_dir, settings.video, on_progress)
        out = probe_video(encoded.path)
        stored = store.adopt(encoded.path, encoded.ext)
        store.remove(media.path)
        return TempFile(
            stored.temp_file_path, stored.path, "video", stored.size, stored.md5,
            width=out.width, height=out.height, duration=round(out.duration, 3), compressed=True, name=media.name,
        )
    stored = store.adopt(media.path, media.sniffed.ext, media.md5)
    return TempFile(
        stored.temp_file_path, stored.path, "video", stored.size, stored.md5,
        width=info.width, height=info.height, duration=round(info.duration, 3), name=media.name,
    )


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
    """Run the pipeline on local files (the headless pick). A bad file fails alone."""
    sources = [Path(p) for p in paths]
    allowed = list(media_types)
    files: list[TempFile] = []
    failed: list[FailedFile] = []
    for index, src in enumerate(sources):
        if on_progress is not None:
            on_progress(index, len(sources), src.name)
        try:
            files.append(_process_one(store, src, allowed, compress, settings))
        except MediaError as exc:
            failed.append(FailedFile(src.name, exc.errno, f"chooseMedia:fail {src.name}: {exc.detail}"))
    if on_progress is not None:
        on_progress(len(sources), len(sources), "")
    return files, failed


def _process_one(
    store: TempFileStore, src: Path, media_types: list[str], compress: bool, settings: PipelineSettings
) -> TempFile:
    if not src.is_file():
        raise MediaError(Errno.UNSUPPORTED_FILE, "no such file")
    size = src.stat().st_size
    if size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    if size > settings.max_file_size:
        raise MediaError(Errno.FILE_TOO_LARGE, f"{size} bytes is over the limit of {settings.max_file_size} bytes")
    incoming, md5 = store.import_file(src)
    try:
        media = recognise(incoming, md5, media_types=media_types, name=src.name)
        return finish(store, media, compress=compress, settings=settings)
    finally:
        store.remove(incoming)  # gone already when adopted; removes the copy when refused
