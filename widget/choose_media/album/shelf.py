"""The album shelf: the media already in the album folder, offered beside the file chooser.

So a notebook can shoot with ``isSaveToAlbum="1"`` and pick the same photos again later. The page asks for
the list (``album_list``) and gets names, sizes and small JPEG thumbnails as binary buffers; picking one
(``album_pick``) copies it into the pick in the kernel, as if it had been uploaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import Errno, MediaError
from ..media.previews import write_preview
from .folder import ENTRY_KEY, AlbumEntry, list_album

_THUMB_EDGE = 160


class AlbumShelf:
    """Lists the album folder for the page and finds the entry it picked; reads the folder on every call."""

    def __init__(self, folder: Callable[[], Path], media_types: Callable[[], Sequence[str]]) -> None:
        self._folder = folder
        self._media_types = media_types

    def entries(self) -> list[AlbumEntry]:
        return list_album(self._folder(), self._media_types())

    def listing(self, work_dir: Path) -> tuple[list[dict[str, Any]], list[bytes]]:
        """The ``album_list`` items and one JPEG thumbnail each; an unreadable file is simply not offered."""
        items: list[dict[str, Any]] = []
        thumbs: list[bytes] = []
        for entry in self.entries():
            dest = work_dir / f"album-thumb-{entry.key}.jpg"
            try:
                write_preview(entry.path, entry.type, dest, _THUMB_EDGE)
                thumb = dest.read_bytes()
            except Exception:
                continue
            finally:
                dest.unlink(missing_ok=True)
            items.append({"key": entry.key, "name": entry.path.name, "type": entry.type, "size": entry.size})
            thumbs.append(thumb)
        return items, thumbs

    def find(self, key: Any) -> AlbumEntry:
        """The entry the page picked by its key; ``MediaError`` when it is gone (or the key is not one)."""
        if isinstance(key, str) and ENTRY_KEY.match(key):
            for entry in self.entries():
                if entry.key == key:
                    return entry
        raise MediaError(Errno.UNSUPPORTED_FILE, "that album file is gone")
