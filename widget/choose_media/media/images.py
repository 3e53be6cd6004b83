"""Images with Pillow: a guarded open, an upright probe and ``compress_image``.

Every file here came from a browser, so it is treated as hostile: only a short list of Pillow formats is
ever tried (no EPS/Ghostscript, no exotic plugins), the pixel count is checked from the header before any
pixel is decoded, and every decoder failure becomes a :class:`MediaError` with a readable reason.
"""

from __future__ import annotations

import io
import struct
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import Errno, MediaError

__all__ = [
    "ANIMATION_MAX_OUTPUT_PIXELS",
    "MAX_IMAGE_PIXELS",
    "EncodedMedia",
    "ImageInfo",
    "ImageSettings",
    "compress_image",
    "image_size",
    "probe_image",
]

#: Largest image accepted, in pixels summed over all frames (100 MP: a 12000x8000 photo, or a 1000x1000 GIF
#: of 100 frames).  Checked from the header before decoding, so a 44-byte GIF claiming 4 G pixels costs
#: nothing.  Pillow's own guard still raises above ``2 * PIL.Image.MAX_IMAGE_PIXELS`` (about 179 MP),
#: so a larger ``max_pixels`` cannot go past that.
MAX_IMAGE_PIXELS: Final = 100_000_000

#: Animated output keeps every frame in memory until the WebP encoder assembles the file, so the output
#: frames together are kept under this many pixels (80 MB as RGBA) by shrinking them further if needed.
ANIMATION_MAX_OUTPUT_PIXELS: Final = 20_000_000

#: The Pillow formats a picked file may be decoded as (the JPEG opener also yields MPO, Pillow's name for
#: many phone JPEGs that carry a second, preview picture).
_ALLOWED_FORMATS: Final = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "HEIF", "BMP", "TIFF")
#: Formats whose extra frames are an animation (for MPO, TIFF and HEIF they are previews, pages, bursts).
_ANIMATED_FORMATS: Final = frozenset({"GIF", "PNG", "WEBP", "AVIF"})
#: EXIF orientation -> the transpose that makes the stored pixels upright (as ``ImageOps.exif_transpose``).
_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG: Final = 0x0112

_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow HEIF/HEIC (iPhone photos) once, on first use, so importing this module stays cheap."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            Image.init()  # load Pillow's own plugins too, so every allowed format is registered
            _heif_registered = True


def _formats() -> list[str]:
    """The allowed formats this Pillow build can open (``Image.open`` fails on an unknown name)."""
    _register_heif()
    return [name for name in _ALLOWED_FORMATS if name in Image.OPEN]


@dataclass(frozen=True)
class ImageInfo:
    """What a probe learned; ``width``/``height`` are as displayed (after EXIF orientation).

    ``frames`` counts animation frames: 1 for a still image, also for multi-page TIFF or MPO files whose
    extra frames are not an animation.
    """

    format: str
    width: int
    height: int
    animated: bool
    frames: int
    has_alpha: bool
    orientation: int


@dataclass(frozen=True)
class ImageSettings:
    """How :func:`compress_image` encodes.

    Defaults: the long edge is capped at 1920 px (sharp on a full-HD screen, a few hundred KB as JPEG),
    JPEG and WebP quality 80 (visually lossless for photos at about a tenth of a camera's size), and
    :data:`MAX_IMAGE_PIXELS` as the decompression-bomb limit.
    """

    max_long_edge: int = 1920
    jpeg_quality: int = 80
    webp_quality: int = 80
    max_pixels: int = MAX_IMAGE_PIXELS

    def __post_init__(self) -> None:
        """Refuse settings that would silently produce 1-pixel or unreadable output."""
        if self.max_long_edge < 1:
            raise ValueError(f"max_long_edge must be at least 1, not {self.max_long_edge}")
        for name in ("jpeg_quality", "webp_quality"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be between 1 and 100, not {getattr(self, name)}")
        if self.max_pixels < 1:
            raise ValueError(f"max_pixels must be at least 1, not {self.max_pixels}")


@dataclass(frozen=True)
class EncodedMedia:
    """A file written by a compressor: where it is, its extension (no dot) and its upright size."""

    path: Path
    ext: str
    width: int
    height: int


def _unsupported(reason: str) -> MediaError:
    return MediaError(Errno.UNSUPPORTED_FILE, reason)


def _bomb(pixels: int, limit: int) -> MediaError:
    return _unsupported(f"decompression bomb: {pixels} pixels > limit of {limit} pixels")


def _decode_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "truncated" in text.lower():
        return f"image data is truncated or damaged ({text})"
    return f"image data cannot be decoded ({text})"


@contextmanager
def _decoder_errors() -> Iterator[None]:
    """Turn what Pillow raises on hostile data into ``MediaError``, and apply our pixel limit, not Pillow's.

    Pillow's ``DecompressionBombWarning`` (above ~89 MP) is silenced because :func:`_check_pixels` already
    applied our documented limit from the header; its ``DecompressionBombError`` (above ~179 MP, also
    raised when a GIF frame grows the canvas) is a refusal.  (Warning filters are process-wide, so another
    thread may briefly not see that one warning either: harmless.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except MediaError:
            raise
        except Image.DecompressionBombError as exc:
            raise _unsupported(f"decompression bomb: {exc}") from exc
        except MemoryError as exc:
            raise _unsupported("image too large to decode in memory") from exc
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error) as exc:
            raise _unsupported(_decode_reason(exc)) from exc


def _frame_count(im: Image.Image) -> int:
    """Animation frames (1 for still images and for formats whose extra frames are not an animation)."""
    if im.format not in _ANIMATED_FORMATS:
        return 1
    return max(1, int(getattr(im, "n_frames", 1)))


def _check_pixels(im: Image.Image, frames: int, max_pixels: int) -> None:
    pixels = im.size[0] * im.size[1] * frames
    if pixels > max_pixels:
        raise _bomb(pixels, max_pixels)
    if im.size[0] < 1 or im.size[1] < 1:
        raise _unsupported(f"image has no pixels ({im.size[0]}x{im.size[1]})")


@contextmanager
def _open(path: Path, max_pixels: int) -> Iterator[tuple[Image.Image, int]]:
    """Open ``path`` reading the header only, refuse bombs, and yield the image and its frame count."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unsupported(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise MediaError(Errno.EMPTY_FILE, "the file is empty")
    with _decoder_errors():
        try:
            im = Image.open(path, formats=_formats())
        except UnidentifiedImageError as exc:
            raise _unsupported("not an image in a supported format") from exc
        with im:
            frames = _frame_count(im)
            _check_pixels(im, frames, max_pixels)
            yield im, frames


def _orientation(im: Image.Image) -> int:
    """EXIF (or XMP) orientation 1..8; anything unreadable or out of range counts as upright."""
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block must not make the picture unusable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _upright(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation >= 5 else size


def _has_real_alpha(im: Image.Image) -> bool:
    """True when some pixel is not fully opaque; an all-opaque alpha channel is no reason to leave JPEG."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = im.getchannel("A")
    elif im.has_transparency_data:
        alpha = im.convert("RGBA").getchannel("A")
    else:
        return False
    low, _high = alpha.getextrema()
    return bool(low < 255)  # type: ignore[operator]


def _load_for_probe(im: Image.Image, frames: int, max_pixels: int) -> None:
    """Decode everything once so truncated data is found now, not during compression."""
    if im.format in ("JPEG", "MPO") and max(im.size) > 2048:
        # DCT scaling still reads every entropy-coded byte, at a 64th of the memory.
        im.draft(im.mode, (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
    for index in range(frames):
        im.seek(index)
        _check_pixels(im, frames, max_pixels)  # a GIF frame may grow the canvas
        im.load()
    if frames > 1:
        im.seek(0)


def probe_image(path: Path, *, max_pixels: int = MAX_IMAGE_PIXELS) -> ImageInfo:
    """Validate that ``path`` is a decodable image and describe it as the user will see it.

    Every frame is decoded (JPEG at reduced scale) so damaged files are refused here; bombs are refused
    from the header before decoding.
    """
    return probe_image_with_preview(path, None, max_pixels=max_pixels)[0]


def probe_image_with_preview(
    path: Path, preview_edge: int | None, *, max_pixels: int = MAX_IMAGE_PIXELS
) -> tuple[ImageInfo, bytes | None]:
    """:func:`probe_image`, plus a small upright JPEG (long edge ``preview_edge``) made from the pixels the
    probe decoded anyway: a 12 MP photo's preview costs a few milliseconds instead of a second decode (the
    page's own decode of it costs more than its transfer). No preview for an animation (the probe ends on
    its last frame) or when none is asked."""
    with _open(path, max_pixels) as (im, frames):
        fmt = "jpeg" if im.format == "MPO" else str(im.format).lower()
        orientation = _orientation(im)
        width, height = _upright(im.size, orientation)
        with _decoder_errors():
            _load_for_probe(im, frames, max_pixels)
            has_alpha = _has_real_alpha(im)
        preview = None
        if preview_edge is not None and frames == 1:
            try:
                buffer = io.BytesIO()
                _small_upright_rgb(im, preview_edge).save(buffer, "JPEG", quality=80)
                preview = buffer.getvalue()
            except Exception:  # a preview is a nicety: the file itself is fine
                preview = None
    info = ImageInfo(
        format=fmt,
        width=width,
        height=height,
        animated=frames > 1,
        frames=frames,
        has_alpha=has_alpha,
        orientation=orientation,
    )
    return info, preview


def image_size(path: Path) -> tuple[int, int]:
    """Upright ``(width, height)`` from the header and EXIF orientation only, for an original kept as is."""
    with _open(path, MAX_IMAGE_PIXELS) as (im, _frames):
        return _upright(im.size, _orientation(im))


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """``size`` scaled so its long edge is at most ``long_edge``; never upscaled."""
    w, h = size
    scale = min(1.0, long_edge / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    return "srgb" in ImageCms.getProfileDescription(profile).lower()


def _srgb_transform(im: Image.Image, out_mode: str) -> ImageCms.ImageCmsTransform | None:
    """A transform from the embedded ICC profile to sRGB, or None when there is nothing (valid) to do.

    Pictures from phones are often Display P3; shown untagged they look washed out, so they are converted
    to sRGB and written without a profile (browsers assume sRGB).
    """
    icc = im.info.get("icc_profile")
    if not icc:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if _is_srgb(source) and im.mode != "CMYK":
            return None
        return ImageCms.buildTransform(source, ImageCms.createProfile("sRGB"), im.mode, out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: fall back to Pillow's plain conversion


def _to_8bit(im: Image.Image) -> Image.Image:
    """16/32-bit grey to 8-bit by scaling (Pillow's ``convert`` would clip everything above 255 to white)."""
    if im.mode.startswith("I;16") or im.mode == "I":
        wide = im.convert("I")
        high = wide.getextrema()[1]
        peak = 65535 if im.mode.startswith("I;16") or float(high) > 255 else 255  # type: ignore[arg-type]
        return wide.point(lambda v: v * (255 / peak)).convert("L")
    if im.mode == "F":
        high = im.getextrema()[1]
        scale = 255.0 if float(high) <= 1.0 else 1.0  # type: ignore[arg-type]
        return im.point(lambda v: v * scale).convert("L")
    return im


def _normalise(im: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """Convert any decoded mode to sRGB ``RGB``/``L`` (opaque) or ``RGBA`` (with alpha)."""
    icc_mode = "RGBA" if keep_alpha and im.mode in ("RGBA",) else "RGB"
    if im.mode in ("RGB", "RGBA", "CMYK"):
        transform = _srgb_transform(im, icc_mode if im.mode != "CMYK" else "RGB")
        if transform is not None:
            converted = ImageCms.applyTransform(im, transform)
            if converted is not None:
                im = converted
    im = _to_8bit(im)
    if keep_alpha:
        return im if im.mode == "RGBA" else im.convert("RGBA")
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "PA") or im.has_transparency_data:
        # Opaque after all: drop the alpha channel rather than compositing anything.
        return im.convert("RGBA").convert("RGB")
    return im.convert("RGB")


def _new_output(work_dir: Path, ext: str) -> Path:
    return work_dir / f"{uuid.uuid4().hex}.{ext}"


def _write(path: Path, save: Callable[[BinaryIO], None]) -> None:
    """Create ``path`` exclusively (never overwrite); if encoding fails, remove it and say so."""
    try:
        with path.open("xb") as f:
            save(f)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, MediaError):
            raise MediaError(Errno.COMPRESSION_FAILED, f"image encoding failed: {exc}") from exc
        raise


def _compress_still(im: Image.Image, work_dir: Path, settings: ImageSettings) -> EncodedMedia:
    orientation = _orientation(im)
    target = _fit(im.size, settings.max_long_edge)  # in stored (not yet rotated) orientation
    if im.format in ("JPEG", "MPO") and target != im.size:
        im.draft("RGB", target)  # decode at 1/2, 1/4 or 1/8 scale, still at least ``target``
    im.load()
    alpha = _has_real_alpha(im)
    out = _normalise(im, keep_alpha=alpha)
    if out.size != target:
        out = out.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    method = _TRANSPOSE.get(orientation)
    if method is not None:
        out = out.transpose(method)
    out.info = {}  # no EXIF/GPS, XMP, comments or ICC profile can be carried into the output
    width, height = out.size
    if alpha:
        path = _new_output(work_dir, "webp")
        _write(path, lambda f: out.save(f, "WEBP", quality=settings.webp_quality, method=4))
        return EncodedMedia(path=path, ext="webp", width=width, height=height)
    path = _new_output(work_dir, "jpg")
    _write(path, lambda f: out.save(f, "JPEG", quality=settings.jpeg_quality, optimize=False))
    return EncodedMedia(path=path, ext="jpg", width=width, height=height)


def _compress_animated(im: Image.Image, frames: int, work_dir: Path, settings: ImageSettings) -> EncodedMedia:
    orientation = _orientation(im)
    target = _fit(im.size, settings.max_long_edge)
    budget_scale = (ANIMATION_MAX_OUTPUT_PIXELS / (target[0] * target[1] * frames)) ** 0.5
    if budget_scale < 1.0:
        target = (max(1, int(target[0] * budget_scale)), max(1, int(target[1] * budget_scale)))
    loop = int(im.info.get("loop", 1))  # a GIF without a loop extension plays once
    method = _TRANSPOSE.get(orientation)
    transform = None
    images: list[Image.Image] = []
    durations: list[int] = []
    for index in range(frames):
        im.seek(index)
        _check_pixels(im, frames, settings.max_pixels)  # a GIF frame may grow the canvas
        im.load()
        duration = int(im.info.get("duration") or 0)
        durations.append(duration if duration > 10 else 100)  # what browsers do with 0-10 ms GIF frames
        frame = im.convert("RGBA")
        if index == 0:
            frame.info["icc_profile"] = im.info.get("icc_profile")
            transform = _srgb_transform(frame, "RGBA")
        if transform is not None:
            frame = ImageCms.applyTransform(frame, transform) or frame
        if frame.size != target:
            frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if method is not None:
            frame = frame.transpose(method)
        frame.info = {}
        images.append(frame)
    first, rest = images[0], images[1:]
    path = _new_output(work_dir, "webp")
    _write(
        path,
        lambda f: first.save(
            f,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=loop,
            quality=settings.webp_quality,
            background=(0, 0, 0, 0),
        ),
    )
    return EncodedMedia(path=path, ext="webp", width=first.size[0], height=first.size[1])


def compress_image(src: Path, work_dir: Path, settings: ImageSettings = ImageSettings()) -> EncodedMedia:
    """Write a smaller, upright, metadata-free copy of ``src`` as one new uuid-named file in ``work_dir``.

    - Still and opaque: JPEG at ``jpeg_quality``; JPEGs are decoded at reduced size (``draft``) when
      shrinking, then resized with LANCZOS so the long edge is at most ``max_long_edge`` (never enlarged).
    - Still with real transparency (some pixel's alpha < 255): lossy WebP at ``webp_quality`` with the
      alpha channel kept, because JPEG would turn transparent pixels black.
    - Animated (GIF, APNG, animated WebP/AVIF with more than one frame): re-encoded as animated WebP with
      the same frame timings and loop count, capped like stills.  Chosen over copying the original bytes
      because a copy would keep the original's EXIF/XMP/comments and its full size.  All output frames
      stay under :data:`ANIMATION_MAX_OUTPUT_PIXELS` (shrunk further if needed), bounding memory.
    - Always: EXIF orientation applied to the pixels; embedded ICC profiles converted to sRGB and not
      written; CMYK, 16-bit and palette images converted; no EXIF (so no GPS), XMP or comments written.

    ``src`` is never modified.  Unreadable data or bombs raise ``MediaError(UNSUPPORTED_FILE)``; an
    encoder failure ``MediaError(COMPRESSION_FAILED)``.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    with _open(src, settings.max_pixels) as (im, frames), _decoder_errors():
        try:
            if frames > 1:
                return _compress_animated(im, frames, work_dir, settings)
            return _compress_still(im, work_dir, settings)
        except ImageCms.PyCMSError as exc:
            raise MediaError(Errno.COMPRESSION_FAILED, f"colour conversion failed: {exc}") from exc


def make_thumbnail(src: Path, dest: Path, long_edge: int = 320, *, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """A small upright JPEG of the first frame, for galleries; transparency shown on white."""
    _register_heif()
    with _open(src, max_pixels) as (im, _frames), _decoder_errors():
        if im.format == "JPEG":
            im.draft("RGB", (long_edge, long_edge))
        _small_upright_rgb(im, long_edge).save(dest, "JPEG", quality=80)


def _small_upright_rgb(im: Image.Image, long_edge: int) -> Image.Image:
    """``im`` turned upright, shrunk to ``long_edge``, transparency shown on white, 8-bit RGB."""
    upright = ImageOps.exif_transpose(im)
    upright.thumbnail((long_edge, long_edge))
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        upright = canvas
    return _to_8bit(upright).convert("RGB")
