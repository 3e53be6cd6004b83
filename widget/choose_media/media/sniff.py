"""Decide a file's media type from its first bytes.

The browser's MIME type and the file name are chosen by whoever sends the file, so they are never
trusted: a script renamed ``photo.jpg`` or an HLS playlist renamed ``clip.mp4`` must not reach a decoder
that would treat it as something else.  Only the containers listed here are recognised; everything else
(SVG, HTML, PDF, ZIP, audio-only MP4, ...) is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import Errno, MediaError

__all__ = ["SNIFF_BYTES", "Sniffed", "sniff_file", "sniff_media"]

#: How many leading bytes :func:`sniff_media` looks at.  Enough for an ISO-BMFF ``ftyp`` box with a long
#: list of compatible brands and for the EBML header that carries the Matroska/WebM doctype.
SNIFF_BYTES = 256

MediaType = Literal["image", "video"]


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say: media type, container format and the extension to store it under."""

    type: MediaType
    format: str
    ext: str


_JPEG = Sniffed("image", "jpeg", "jpg")
_PNG = Sniffed("image", "png", "png")
_GIF = Sniffed("image", "gif", "gif")
_WEBP = Sniffed("image", "webp", "webp")
_AVIF = Sniffed("image", "avif", "avif")
_HEIF = Sniffed("image", "heif", "heic")
_BMP = Sniffed("image", "bmp", "bmp")
_TIFF = Sniffed("image", "tiff", "tiff")
_MP4 = Sniffed("video", "mp4", "mp4")
_MOV = Sniffed("video", "mov", "mov")
_3GP = Sniffed("video", "3gp", "3gp")
_WEBM = Sniffed("video", "webm", "webm")
_MKV = Sniffed("video", "mkv", "mkv")
_AVI = Sniffed("video", "avi", "avi")

_AVIF_BRANDS = frozenset({b"avif", b"avis"})
#: HEIF still images and image sequences (HEVC coded: iPhone photos, Live Photo stills, bursts).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
#: Generic HEIF brands: the codec is only known from the compatible brands (AVIF or HEVC).
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
_MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
        b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV",
        b"XAVC", b"f4v ", b"NDAS", b"mp71",
    }
)  # fmt: skip
#: Audio-only or still-image ISO-BMFF files: not media this widget accepts.
_REFUSED_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"crx ", b"jp2 ", b"jpx ", b"jpm "})
#: Old QuickTime files start with one of these atoms instead of ``ftyp``.
_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
#: Sizes of the BMP info headers that exist (core, v1..v5 and OS/2 variants).
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def _brand_kind(brand: bytes) -> Sniffed | None:
    if brand in _AVIF_BRANDS:
        return _AVIF
    if brand in _HEIF_BRANDS:
        return _HEIF
    if brand == b"qt  ":
        return _MOV
    if brand.startswith((b"3gp", b"3g2")):
        return _3GP
    if brand in _MP4_BRANDS:
        return _MP4
    return None


def _sniff_ftyp(head: bytes) -> Sniffed | None:
    """ISO base media file format: decide from the major brand, then the compatible brands."""
    box_size = int.from_bytes(head[0:4], "big")
    end = min(len(head), box_size if 16 <= box_size else len(head))
    major = head[8:12]
    compatible = [head[i : i + 4] for i in range(16, end - 3, 4)]
    if major in _REFUSED_BRANDS:
        return None
    if major in _GENERIC_HEIF_BRANDS:
        # A HEIF file whose codec is named only among the compatible brands (many AVIF encoders do this).
        if any(b in _AVIF_BRANDS for b in compatible):
            return _AVIF
        if any(b in _HEIF_BRANDS for b in compatible):
            return _HEIF
        return None
    found = _brand_kind(major)
    if found is not None:
        return found
    # An unknown major brand (camera makers invent their own): trust a known compatible brand.
    for brand in compatible:
        found = _brand_kind(brand)
        if found is not None:
            return found
    return None


def _sniff_ebml(head: bytes) -> Sniffed:
    """Matroska and WebM share the EBML header; the DocType element (0x4282) tells them apart."""
    at = head.find(b"\x42\x82")
    if at >= 0 and b"webm" in head[at : at + 16]:
        return _WEBM
    return _MKV


def _looks_like_bmp(head: bytes) -> bool:
    """``BM`` alone is too weak (plenty of text starts with it): also require a known DIB header size."""
    if len(head) < 18:
        return False
    return int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES


def sniff_media(head: bytes) -> Sniffed | None:
    """Recognise an image or video container from the first :data:`SNIFF_BYTES` bytes of a file.

    Returns ``None`` for anything that is not one of the supported containers, including text formats
    (SVG, HTML, scripts, playlists) that decoders might otherwise be tricked into reading.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _GIF
    if head.startswith(b"RIFF") and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WEBP":
            return _WEBP
        if kind == b"AVI ":
            return _AVI
        return None
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_ebml(head)
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return _TIFF
    if head.startswith(b"BM") and _looks_like_bmp(head):
        return _BMP
    if len(head) >= 8 and head[4:8] in _QT_ATOMS and int.from_bytes(head[0:4], "big") >= 8:
        return _MOV
    return None


def sniff_file(path: Path) -> Sniffed | None:
    """:func:`sniff_media` on the first bytes of ``path``.

    An empty file raises ``MediaError(EMPTY_FILE)`` and an unreadable one ``MediaError(UNSUPPORTED_FILE)``,
    so the caller can report the precise reason; ``None`` still means "not a supported image or video".
    """
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise MediaError(Errno.UNSUPPORTED_FILE, f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    return sniff_media(head)
