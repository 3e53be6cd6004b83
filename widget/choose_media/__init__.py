"""choose-media: Feishu's ``tt.chooseMedia`` in Jupyter — pick or shoot images and videos, get them in Python."""

from __future__ import annotations

from ._version import __version__
from .calls import choose_media
from .errors import ChooseMediaError, Errno
from .media.images import ImageSettings
from .media.videos import VideoSettings
from .options import OPTION_TABLE, InvalidParameterError, normalize_options, option_table_markdown
from .profiles import Profile
from .result import ChooseMediaResult, FailedFile, TempFile
from .session import PickState, StoredFileState, TransferState
from .store import resolve_temp_file_path
from .widget import ChooseMediaWidget

__all__ = [
    "ChooseMediaError",
    "ChooseMediaResult",
    "ChooseMediaWidget",
    "Errno",
    "FailedFile",
    "ImageSettings",
    "InvalidParameterError",
    "OPTION_TABLE",
    "PickState",
    "Profile",
    "StoredFileState",
    "TempFile",
    "TransferState",
    "VideoSettings",
    "__version__",
    "choose_media",
    "normalize_options",
    "option_table_markdown",
    "resolve_temp_file_path",
]
