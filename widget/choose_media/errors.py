"""The errno table and the ``fail`` result shape, kept in one place.

Feishu's errno scheme: three-digit common codes (100, 101) and seven-digit
business codes ``CCSSNNN`` (category, sub-category, number).  Category ``11``
is Feishu's "media" family; ``07`` is the sub-category we use for chooseMedia.
The seven-digit codes below are ours, in that style (Feishu does not publish
chooseMedia-specific codes).
"""

from __future__ import annotations

import enum
from typing import Any


class Errno(enum.IntEnum):
    """Every errno a ``fail`` result of choose-media can carry."""

    UNKNOWN_ERROR = 100
    UNKNOWN_EXCEPTION = 101
    CANCEL = 1107001
    INVALID_PARAMETER = 1107002
    CAMERA_PERMISSION_DENIED = 1107003
    CAMERA_UNAVAILABLE = 1107004
    INSECURE_CONTEXT = 1107005
    UNSUPPORTED_FILE = 1107006
    FILE_TOO_LARGE = 1107007
    TRANSFER_INTERRUPTED = 1107008
    COMPRESSION_FAILED = 1107009
    SAVE_TO_ALBUM_FAILED = 1107010
    EMPTY_FILE = 1107011
    UNSUPPORTED_CLIENT = 1107012
    STORAGE_FAILED = 1107013
    RECORDING_FAILED = 1107014


#: What each errno means, for docs and for the widget's messages.
ERRNO_DESCRIPTIONS: dict[Errno, str] = {
    Errno.UNKNOWN_ERROR: "unknown error (Feishu common code)",
    Errno.UNKNOWN_EXCEPTION: "unknown exception inside the API (Feishu common code)",
    Errno.CANCEL: "the user cancelled the pick",
    Errno.INVALID_PARAMETER: "an option has the wrong type, an unknown value or is out of range",
    Errno.CAMERA_PERMISSION_DENIED: "camera permission was denied",
    Errno.CAMERA_UNAVAILABLE: "no camera could be opened",
    Errno.INSECURE_CONTEXT: "the page is not a secure context (use https, localhost or 127.0.0.1)",
    Errno.UNSUPPORTED_FILE: "the file is not an image or video that can be read",
    Errno.FILE_TOO_LARGE: "the file is over the size limit",
    Errno.TRANSFER_INTERRUPTED: "the transfer was interrupted or arrived damaged",
    Errno.COMPRESSION_FAILED: "compressing the file failed",
    Errno.SAVE_TO_ALBUM_FAILED: "saving to the album failed",
    Errno.EMPTY_FILE: "the file is empty",
    Errno.UNSUPPORTED_CLIENT: "chooseMedia is not available on the emulated platform or client version",
    Errno.STORAGE_FAILED: "the kernel could not store the file (for example, the disk is full)",
    Errno.RECORDING_FAILED: "the browser's recorder gave no video (it recorded nothing, never started or never stopped)",
}

API_NAME = "chooseMedia"


def fail_message(detail: str) -> str:
    """``chooseMedia:fail <detail>``, the seed's errMsg shape for failures."""
    return f"{API_NAME}:fail {detail}"


def fail_result(errno: int, detail: str) -> dict[str, Any]:
    """The seed's standard ``fail`` output object."""
    return {"errMsg": fail_message(detail), "errno": int(errno)}


class ChooseMediaError(Exception):
    """A chooseMedia failure, as a Python exception.

    ``errno`` and ``errMsg`` are the same values a ``fail`` result carries.
    """

    def __init__(self, errno: int, errMsg: str) -> None:  # noqa: N803 - the seed's name
        super().__init__(f"{errMsg} (errno {errno})")
        self.errno = int(errno)
        self.errMsg = errMsg

    @classmethod
    def from_detail(cls, errno: int, detail: str) -> ChooseMediaError:
        return cls(errno, fail_message(detail))

    def to_result(self) -> dict[str, Any]:
        """The seed's ``fail`` object for this error: ``{"errMsg": ..., "errno": ...}``."""
        return {"errMsg": self.errMsg, "errno": self.errno}


class MediaError(Exception):
    """A per-file problem (unreadable, too large, ...), reported in that file's entry."""

    def __init__(self, errno: int, detail: str) -> None:
        super().__init__(detail)
        self.errno = int(errno)
        self.detail = detail


def errno_table_markdown() -> str:
    """The errno table for the docs, generated from ``Errno``."""
    rows = ["| errno | name | meaning |", "|---|---|---|"]
    rows += [f"| {e.value} | `{e.name}` | {ERRNO_DESCRIPTIONS[e]} |" for e in Errno]
    return "\n".join(rows)


def errno_table_js() -> str:
    """``js/errno.js``: the same numbers for the page, which never copies one by hand."""
    body = "\n".join(f"  {e.name}: {e.value}," for e in Errno)
    return (
        "// Generated from widget/choose_media/errors.py by `python scripts/generate.py`; do not edit.\n\n"
        "/** Every errno a fail result can carry (Errno in errors.py). */\n"
        f"export const ERRNO = Object.freeze({{\n{body}\n}});\n"
    )
