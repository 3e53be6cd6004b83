"""Generated inputs: padded MP4s of exact sizes, a 12 MP photo, a 720p clip."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from choose_media.media.videos import ffmpeg_exe

MIB = 1024 * 1024
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
ROMMEL = SHARED_MEDIA / "images" / "rommel.jpg"
COCKATOO = SHARED_MEDIA / "videos" / "cockatoo.mp4"


def size_label(mib: float) -> str:
    """``0.25`` → ``256 KiB``, ``4`` → ``4 MiB``, ``2048`` → ``2 GiB``."""
    if mib < 1:
        return f"{mib * 1024:g} KiB"
    if mib >= 1024 and mib % 1024 == 0:
        return f"{mib / 1024:g} GiB"
    return f"{mib:g} MiB"


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def padded_mp4(folder: Path, size: int) -> Path:
    """``tests/support/big_media.py``'s real MP4 padded to ``size`` bytes, made once per folder and size:
    choose-media recognises and probes it without reading it all, yet every byte has to travel."""
    from tests.support.big_media import big_mp4

    path = folder / f"padded-{size}.mp4"
    if path.exists() and path.stat().st_size == size:
        return path
    return big_mp4(path, size)


def photo_12mp(folder: Path, *, variant: int = 0) -> Path:
    """A 4000x3000 (12 MP) JPEG, q92, with film grain (3-5 MB), stored sideways with EXIF orientation 6 (as phones do).

    Upscaled from ``shared/media/images/rommel.jpg`` (a real 3072x2304 photo with orientation 6), or a
    synthesised photo-like picture when the shared media are missing.  ``variant`` shifts the crop and
    brightness so nine files are nine different photos.
    """
    from PIL import Image, ImageEnhance

    path = folder / f"photo12mp-{variant}.jpg"
    if path.exists():
        return path
    if ROMMEL.exists():
        with Image.open(ROMMEL) as src:
            exif = src.getexif()
            im = src.convert("RGB")
    else:
        from choose_media.samples import make_photo

        tmp = make_photo(folder / "synth.jpg", (3072, 2304))
        with Image.open(tmp) as src:
            exif = src.getexif()
            im = src.convert("RGB")
    exif[0x0112] = 6
    for tag in (0xA002, 0xA003):  # stale pixel dimensions
        exif.pop(tag, None)
    w, h = im.size
    dx, dy = (variant * 37) % 64, (variant * 23) % 48
    im = im.crop((dx, dy, w - 64 + dx, h - 48 + dy)).resize((4000, 3000), Image.Resampling.BICUBIC)
    if variant:
        im = ImageEnhance.Brightness(im).enhance(1 + 0.02 * (variant - 4))
    im = _grain(im, seed=variant)
    im.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def _grain(im: Any, seed: int) -> Any:
    """Sensor-like noise: what makes a real 12 MP phone JPEG 3-5 MB where a smooth upscale is under 2 MB."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = np.asarray(im, dtype=np.int16)
    noise = rng.normal(0, 5, size=pixels.shape[:2] + (1,)).astype(np.int16)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def clip_720p(folder: Path, seconds: float = 10.0) -> Path:
    """``seconds`` of 1280x720 30 fps H.264 + AAC, with grain so it compresses like a camera's video."""
    path = folder / f"clip720p-{seconds:g}s.mp4"
    if path.exists():
        return path
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-vf", "noise=alls=5:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", str(path))
    return path
