"""What a pick gives back: ``TempFile`` objects and the seed's result object."""

from __future__ import annotations

import base64
import html
import shutil
from collections.abc import Iterator
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
    thumb_temp_file_path: str | None = None
    """``thumbTempFilePath``: a small JPEG (a poster frame for videos), as WeChat's chooseMedia has."""
    thumb_path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The seed's ``tempFiles`` entry (``width``/``height`` also for images, as WeChat does)."""
        entry: dict[str, Any] = {"tempFilePath": self.temp_file_path, "type": self.type, "size": self.size}
        if self.duration is not None:
            entry["duration"] = self.duration
        if self.width is not None:
            entry["width"] = self.width
        if self.height is not None:
            entry["height"] = self.height
        if self.thumb_temp_file_path is not None:
            entry["thumbTempFilePath"] = self.thumb_temp_file_path
        return entry

    def read_bytes(self) -> bytes:
        """The stored bytes (compressed when the pick was compressed)."""
        return self.path.read_bytes()

    def open(self, mode: Literal["rb"] = "rb") -> IO[bytes]:
        """The stored file, opened for reading."""
        return open(self.path, mode)

    def save(self, dest: str | Path) -> Path:
        """Copy to ``dest`` (a directory, or a file path); refuses to overwrite an existing file."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / self.path.name
        with open(self.path, "rb") as src, open(dest, "xb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return dest

    def to_pil(self) -> Image.Image:
        """The image, upright, as a Pillow image (images only)."""
        if self.type != "image":
            raise TypeError(f"{self.temp_file_path} is a {self.type}, not an image")
        from PIL import Image, ImageOps

        from .media.images import _register_heif as ensure_image_plugins  # noqa: PLC2701

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
    detail: str = field(default="", compare=False, repr=False)
    """The reason alone (``errMsg`` without the ``chooseMedia:fail`` prefix), to join several into one message."""

    def to_dict(self) -> dict[str, Any]:
        """The entry of the result's ``failedFiles``."""
        return {"name": self.name, "errno": self.errno, "errMsg": self.errMsg}


def success_result(files: list[TempFile], failed: list[FailedFile] | None = None) -> dict[str, Any]:
    """The seed's ``success`` object; ``failedFiles`` lists files of the pick that were refused."""
    result: dict[str, Any] = {"errMsg": OK_MESSAGE, "tempFiles": [f.to_dict() for f in files]}
    if failed:
        result["failedFiles"] = [f.to_dict() for f in failed]
    return result


@dataclass(frozen=True)
class ChooseMediaResult:
    """A pick's outcome as an object: what ``w.result`` describes, with the files as ``TempFile``s.

    Renders in a notebook as a gallery of thumbnails with type, size, dimensions and duration.
    """

    result: dict[str, Any]
    temp_files: list[TempFile] = field(default_factory=list)
    failed_files: list[FailedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True for the seed's success object (``errMsg`` ends with ``:ok``)."""
        return bool(self.result.get("errMsg", "").endswith(":ok"))

    @property
    def errMsg(self) -> str:  # noqa: N802 - the seed's name
        """The seed's ``errMsg``: ``chooseMedia:ok`` or ``chooseMedia:fail ...``."""
        return str(self.result.get("errMsg", ""))

    @property
    def errno(self) -> int | None:
        """The ``errno`` of a ``fail`` result; ``None`` on success."""
        value = self.result.get("errno")
        return int(value) if value is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The seed's result object (a copy)."""
        return dict(self.result)

    def __len__(self) -> int:
        return len(self.temp_files)

    def __iter__(self) -> Iterator[TempFile]:
        return iter(self.temp_files)

    def __getitem__(self, index: int) -> TempFile:
        return self.temp_files[index]

    def __repr__(self) -> str:
        if not self.ok:
            return f"ChooseMediaResult({self.errMsg!r}, errno={self.errno})"
        return f"ChooseMediaResult({len(self)} files: {', '.join(f.type for f in self.temp_files)})"

    def _repr_html_(self) -> str:
        if not self.ok:
            return f"<div><b>{html.escape(self.errMsg)}</b> (errno {self.errno})</div>"
        return gallery_html(self.temp_files, self.failed_files)


def _thumb_src(f: TempFile) -> str:
    """The thumbnail as a data URI: our own small JPEG, never the picked bytes (which could be anything)."""
    if f.thumb_path is None or not f.thumb_path.is_file():
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(f.thumb_path.read_bytes()).decode("ascii")


def gallery_html(files: list[TempFile], failed: list[FailedFile] | None = None) -> str:
    """A gallery of the files (names escaped; only our own JPEG thumbnails are inlined)."""
    cards = []
    for f in files:
        src = _thumb_src(f)
        img = (
            f'<img src="{src}" alt="" style="width:120px;height:90px;object-fit:cover;display:block">'
            if src
            else '<div style="width:120px;height:90px;background:#8883"></div>'
        )
        dims = f"{f.width}×{f.height}" if f.width else ""
        dur = f" · {f.duration:.1f} s" if f.duration is not None else ""
        label = f"{html.escape(f.type)} · {f.size / 1024:,.0f} KiB<br>{dims}{dur}"
        title = html.escape(f"{f.name} → {f.temp_file_path}")
        cards.append(f'<figure title="{title}" style="margin:4px">{img}<figcaption style="font-size:11px">{label}</figcaption></figure>')
    failures = "".join(
        f"<li>{html.escape(x.name)}: {html.escape(x.errMsg)} (errno {x.errno})</li>" for x in failed or []
    )
    failed_html = f"<ul>{failures}</ul>" if failures else ""
    return f'<div style="display:flex;flex-wrap:wrap">{"".join(cards)}</div>{failed_html}'
