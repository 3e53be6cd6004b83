"""What a pick gives back: ``TempFile`` objects and the seed's result object."""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from PIL import Image

OK_MESSAGE = "chooseMedia:ok"


@dataclass(frozen=True)
class TempFile:
    """One picked or shot file, stored in the kernel (one entry of ``tempFiles``)."""

    temp_file_path: str
    """The seed's ``tempFilePath``: ``ttfile://temp/<uuid>-<md5>.<ext>``."""
    path: Path
    """Where the bytes are on this machine (inside the kernel's temp store)."""
    type: Literal["image", "video"]
    size: int
    """Bytes of the stored file (after compression when compressed)."""
    md5: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    """Seconds, for videos."""
    compressed: bool = False
    name: str = field(default="", compare=False)
    """The name the file had when picked: for display only, never used as a path."""

    def to_dict(self) -> dict[str, Any]:
        """The seed's ``tempFiles`` entry (``width``/``height`` also for images, as WeChat does)."""
        entry: dict[str, Any] = {"tempFilePath": self.temp_file_path, "type": self.type, "size": self.size}
        if self.duration is not None:
            entry["duration"] = self.duration
        if self.width is not None:
            entry["width"] = self.width
        if self.height is not None:
            entry["height"] = self.height
        return entry

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def open(self, mode: Literal["rb"] = "rb") -> IO[bytes]:
        return open(self.path, mode)

    def save(self, dest: str | Path) -> Path:
        """Copy to ``dest`` (a directory, or a file path); refuses to overwrite an existing file."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / self.path.name
        with open(self.path, "rb") as src, open(dest, "xb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return dest

    def to_pil(self) -> "Image.Image":
        """The image, upright, as a Pillow image (images only)."""
        if self.type != "image":
            raise TypeError(f"{self.temp_file_path} is a {self.type}, not an image")
        from PIL import Image, ImageOps

        from .images import _register_heif as ensure_image_plugins

        ensure_image_plugins()
        with Image.open(self.path) as im:
            im.load()
            upright = ImageOps.exif_transpose(im)
        return upright

    def __repr__(self) -> str:
        dims = f", {self.width}x{self.height}" if self.width else ""
        dur = f", {self.duration:.2f}s" if self.duration is not None else ""
        return f"TempFile({self.type}, {self.size} bytes{dims}{dur}, {self.temp_file_path!r})"


@dataclass(frozen=True)
class FailedFile:
    """A file of the pick that could not be used; the others still are."""

    name: str
    errno: int
    errMsg: str  # noqa: N815 - the seed's name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "errno": self.errno, "errMsg": self.errMsg}


def success_result(files: list[TempFile], failed: list[FailedFile] | None = None) -> dict[str, Any]:
    """The seed's ``success`` object; ``failedFiles`` lists files of the pick that were refused."""
    result: dict[str, Any] = {"errMsg": OK_MESSAGE, "tempFiles": [f.to_dict() for f in files]}
    if failed:
        result["failedFiles"] = [f.to_dict() for f in failed]
    return result


def gallery_html(files: list[TempFile]) -> str:
    """A small HTML table of the files (names escaped; no media inlined)."""
    rows = []
    for f in files:
        dims = f"{f.width}×{f.height}" if f.width else ""
        dur = f"{f.duration:.2f} s" if f.duration is not None else ""
        rows.append(
            f"<tr><td>{html.escape(f.type)}</td><td>{f.size:,}</td><td>{dims}</td><td>{dur}</td>"
            f"<td><code>{html.escape(f.temp_file_path)}</code></td></tr>"
        )
    head = "<tr><th>type</th><th>bytes</th><th>size</th><th>duration</th><th>tempFilePath</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"
