"""The kernel-side album as a source: the media already in ``album_dir``, offered beside the file chooser.

So a notebook can shoot with ``isSaveToAlbum="1"``, and pick the same photos again later. The browser
asks for the list (``album_list``) and gets names, sizes and small JPEG thumbnails as binary buffers;
picking one (``album_pick``) copies it into the temp store as if it had been uploaded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Errno, MediaError
from .sniff import sniff_file

#: At most this many album entries are offered (the newest first).
ALBUM_LIST_LIMIT = 60
_THUMB_EDGE = 160
_KEY = re.compile(r"^[0-9a-f]{32}$")


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


class AlbumFeatures:
    """Message handlers of ``ChooseMediaWidget`` for the kernel-side album."""

    album_dir: Path
    media_type: list[str]
    source_type: list[str]

    def _album_entries(self) -> dict[str, AlbumEntry]:
        return {entry.key: entry for entry in list_album(self.album_dir, self.media_type)}

    def _msg_album_list(self, _content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        from .images import make_thumbnail
        from .videos import poster_frame

        items: list[dict[str, Any]] = []
        thumbs: list[bytes] = []
        work = self._store.work_dir  # type: ignore[attr-defined]
        for entry in list_album(self.album_dir, self.media_type) if "album" in self.source_type else []:
            dest = work / f"album-thumb-{entry.key}.jpg"
            try:
                if entry.type == "video":
                    poster_frame(entry.path, dest, max_long_edge=_THUMB_EDGE)
                else:
                    make_thumbnail(entry.path, dest, _THUMB_EDGE)
                thumb = dest.read_bytes()
            except Exception:  # an unreadable album file is simply not offered
                continue
            finally:
                dest.unlink(missing_ok=True)
            items.append({"key": entry.key, "name": entry.path.name, "type": entry.type, "size": entry.size})
            thumbs.append(thumb)
        self.send({"kind": "album_list", "items": items}, thumbs)  # type: ignore[attr-defined]

    def _msg_album_pick(self, content: dict[str, Any], _buffers: Sequence[memoryview]) -> None:
        tid = self._transfer_id(content)  # type: ignore[attr-defined]
        key = content.get("key")
        entry = self._album_entries().get(key) if isinstance(key, str) and _KEY.match(key) else None
        if entry is None:
            raise MediaError(Errno.UNSUPPORTED_FILE, "that album file is gone")
        self._accept_local_file(tid, entry.path, entry.path.name)  # type: ignore[attr-defined]
