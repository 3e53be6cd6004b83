"""The admission rules every way into a pick applies (upload, camera, album shelf, ``pick_files``), once each.

The page checks early only against the synced limits (``max_file_size``, ``max_pick_size``, ``count``) to
spare the user a pointless upload; these decide.
"""

from __future__ import annotations

from .errors import Errno, MediaError

#: Largest file accepted by default, per file (2 GiB). Configurable with ``max_file_size``.
DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
#: Largest total of one pick by default (8 GiB). Configurable with ``max_pick_size``.
DEFAULT_MAX_PICK_SIZE = 8 * 1024**3


def check_not_empty(size: int) -> None:
    if size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")


def check_file_size(size: int, limit: int) -> None:
    if size > limit:
        raise MediaError(Errno.FILE_TOO_LARGE, f"{size} bytes is over the limit of {limit} bytes")


def check_pick_size(total: int, limit: int) -> None:
    if total > limit:
        raise MediaError(Errno.FILE_TOO_LARGE, f"the pick would be {total} bytes, over the limit of {limit} bytes for one pick")


def check_count(files: int, count: int) -> None:
    """``count`` limits the album's files (the seed: not the camera's)."""
    if files > count:
        raise MediaError(Errno.INVALID_PARAMETER, f"no more than count={count} files can be picked ({files} were)")
