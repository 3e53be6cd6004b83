"""Small upright JPEG previews of picked media: the result's ``thumbTempFilePath`` and the album shelf's tiles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..result import TempFile
from ..store import TempFileStore
from .images import make_thumbnail
from .videos import poster_frame

#: Long edge of a result's thumbnail, in pixels.
THUMBNAIL_LONG_EDGE = 320
#: Long edge of the kernel-made thumbnail in the page's list, in pixels (56 CSS px, sharp at 2x and more).
PREVIEW_LONG_EDGE = 160


def write_preview(path: Path, media_type: str, dest: Path, long_edge: int) -> None:
    """A JPEG of ``path`` at ``dest`` (a poster frame for videos), its long edge at most ``long_edge``."""
    if media_type == "video":
        poster_frame(path, dest, max_long_edge=long_edge)
    else:
        make_thumbnail(path, dest, long_edge)


def with_thumbnail(store: TempFileStore, tf: TempFile) -> TempFile:
    """``tf`` with ``thumbTempFilePath`` added. Best effort: a missing thumbnail never fails a pick."""
    dest = store.work_dir / f"thumb-{tf.path.stem}.jpg"
    try:
        write_preview(tf.path, tf.type, dest, THUMBNAIL_LONG_EDGE)
        thumb = store.adopt(dest, "jpg")
    except Exception:
        dest.unlink(missing_ok=True)
        return tf
    return replace(tf, thumb_temp_file_path=thumb.temp_file_path, thumb_path=thumb.path)
