"""``isSaveToAlbum``: keep a copy of what the camera shot in an album directory.

A saved file appears whole or not at all (it is written under a temporary name, flushed, then linked
to its final name), and never replaces a file already in the album: a name that is taken gets a
counter suffix (``IMG_20250801_101500-1.jpg``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..errors import Errno, MediaError
from ..media.sniff import sniff_file

__all__ = ["ALBUM_ENV", "ALBUM_LIST_LIMIT", "AlbumEntry", "default_album_dir", "list_album", "save_to_album"]

#: Environment variable naming the album directory when the widget is given none.
ALBUM_ENV: Final = "CHOOSE_MEDIA_ALBUM"
_IMAGE_EXTS: Final = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif", "avif", "gif", "bmp"})
_MAX_COLLISIONS: Final = 10_000


def default_album_dir() -> Path:
    """``$CHOOSE_MEDIA_ALBUM``, else ``~/choose-media-album`` (read at each call, so tests can set it)."""
    configured = os.environ.get(ALBUM_ENV)
    return Path(configured).expanduser() if configured else Path.home() / "choose-media-album"


def _stem(ext: str, when: float) -> str:
    prefix = "IMG" if ext in _IMAGE_EXTS else "VID"
    return f"{prefix}_{time.strftime('%Y%m%d_%H%M%S', time.localtime(when))}"


def _link_no_clobber(src: Path, dest: Path) -> None:
    """Give ``src`` the name ``dest`` atomically; ``FileExistsError`` when ``dest`` exists.

    A hard link does both at once.  Where links are not supported (some network or FAT file systems)
    the name is first reserved with ``O_EXCL`` and then atomically replaced by the finished file.
    """
    try:
        os.link(src, dest)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)
    os.replace(src, dest)


def save_to_album(path: Path, album_dir: Path, ext: str, *, when: float | None = None) -> Path:
    """Copy ``path`` into ``album_dir`` as ``IMG_/VID_<date>_<time>.<ext>``; returns the new file.

    Raises ``MediaError(SAVE_TO_ALBUM_FAILED)`` when the album cannot be written (the pick itself
    does not depend on it).
    """
    ext = ext.lower().lstrip(".")
    if not ext.isalnum() or len(ext) > 5:
        raise MediaError(Errno.SAVE_TO_ALBUM_FAILED, f"bad file extension {ext!r}")
    album = Path(album_dir).expanduser()
    stem = _stem(ext, time.time() if when is None else when)
    tmp: Path | None = None
    try:
        album.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".saving-", suffix=f".{ext}", dir=album)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        for n in range(_MAX_COLLISIONS):
            dest = album / (f"{stem}.{ext}" if n == 0 else f"{stem}-{n}.{ext}")
            try:
                _link_no_clobber(tmp, dest)
            except FileExistsError:
                continue
            _fsync_dir(album)
            return dest
        raise MediaError(Errno.SAVE_TO_ALBUM_FAILED, f"no free name for {stem}.{ext} in {album}")
    except OSError as exc:
        raise MediaError(Errno.SAVE_TO_ALBUM_FAILED, f"cannot save to the album {album}: {exc}") from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    """Make the new name durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: At most this many album entries are offered (the newest first).
ALBUM_LIST_LIMIT = 60
ENTRY_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class AlbumEntry:
    key: str
    """An opaque id for the browser (never a path)."""
    path: Path
    type: str
    size: int


def list_album(album_dir: Path, media_types: Sequence[str], limit: int = ALBUM_LIST_LIMIT) -> list[AlbumEntry]:
    """The media files directly in ``album_dir`` (no sub-folders, no links out), newest first."""
    if not album_dir.is_dir():
        return []
    root = album_dir.resolve()
    found: list[tuple[float, AlbumEntry]] = []
    for path in album_dir.iterdir():
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        try:
            sniffed = sniff_file(path)
            stat = path.stat()
        except (MediaError, OSError):
            continue
        if sniffed is None or sniffed.type not in media_types or path.resolve().parent != root:
            continue
        key = hashlib.md5(f"{path.name}\0{stat.st_mtime_ns}\0{stat.st_size}".encode()).hexdigest()
        found.append((stat.st_mtime, AlbumEntry(key, path, sniffed.type, stat.st_size)))
    found.sort(key=lambda item: item[0], reverse=True)
    return [entry for _, entry in found[:limit]]
