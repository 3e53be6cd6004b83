"""Sample media made on the spot, for tutorials and demos on a machine with no photos of its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

_GPS_IFD = 0x8825
_ORIENTATION = 0x0112


def make_photo(path: Path, size: tuple[int, int] = (2400, 1800), *, orientation: int = 6, gps: bool = True) -> Path:
    """A photo-like JPEG stored sideways (EXIF orientation 6, as phones do) and carrying a GPS position."""
    width, height = size
    im = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, width // 5, height // 5), fill=(220, 30, 30))  # a red marker in the stored top-left
    draw.ellipse((width // 3, height // 3, 2 * width // 3, 2 * height // 3), outline=(255, 255, 255), width=12)
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    if gps:
        exif[_GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    im.save(path, "JPEG", quality=90, exif=exif)
    return path


def make_transparent_png(path: Path, size: tuple[int, int] = (400, 300)) -> Path:
    """An RGBA PNG, transparent except for a blue disc: alpha must survive compression."""
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((50, 50, size[0] - 50, size[1] - 50), fill=(30, 90, 220, 255))
    im.save(path, "PNG")
    return path


def make_video(path: Path, *, seconds: float = 2.0, size: tuple[int, int] = (640, 360)) -> Path:
    """An H.264 MP4 with a test pattern and a tone, made by the ffmpeg that imageio-ffmpeg bundles."""
    from .media.videos import ffmpeg_exe

    w, h = size
    subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def make_sample_media(directory: str | Path) -> list[Path]:
    """A sideways photo with GPS, a transparent PNG and a short video, written into ``directory``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_photo(folder / "photo.jpg"),
        make_transparent_png(folder / "transparent.png"),
        make_video(folder / "clip.mp4"),
    ]
