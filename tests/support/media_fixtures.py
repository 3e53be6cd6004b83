"""Media files made on the fly (Pillow, pillow-heif and the bundled ffmpeg) for the media tests.

Everything a test needs is generated into a temporary directory, so a fresh clone passes without
``../shared/media``; the shared sample files are an extra, when present (:data:`SHARED_MEDIA`).
"""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image

#: Real-world sample files beside the repository (``../shared/media``); may be absent.
SHARED_MEDIA: Final = Path(__file__).resolve().parents[2].parent / "shared" / "media"

#: Upright size of the orientation fixtures: wider than tall, so a missed rotation shows in the size.
UPRIGHT_SIZE: Final = (96, 64)
#: Colours of the four corner markers of the upright picture (a mirror or rotation moves them).
TOP_LEFT: Final = (255, 0, 0)
TOP_RIGHT: Final = (0, 255, 0)
BOTTOM_LEFT: Final = (0, 0, 255)
BACKGROUND: Final = (128, 128, 128)

#: Size and colour of the "secret" video a hostile playlist tries to pull in.
SECRET_SIZE: Final = (176, 144)

#: The transposition that turns stored pixels upright for each EXIF orientation (see the EXIF spec);
#: the fixture stores the inverse of it.
_UPRIGHT_METHOD: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_INVERSE: Final = {
    Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
    Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90,
}


def shared(*parts: str) -> Path:
    """A file of the shared sample media (check :data:`SHARED_MEDIA` exists first)."""
    return SHARED_MEDIA.joinpath(*parts)


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg quietly; fixtures must never hang, hence the timeout."""
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, check=True, timeout=60, capture_output=True)


# --- images ----------------------------------------------------------------------------------------


def upright_marker_image() -> Image.Image:
    """A grey picture with coloured blocks in three corners, as the user should see it."""
    w, h = UPRIGHT_SIZE
    im = Image.new("RGB", UPRIGHT_SIZE, BACKGROUND)
    block = 24
    im.paste(TOP_LEFT, (0, 0, block, block))
    im.paste(TOP_RIGHT, (w - block, 0, w, block))
    im.paste(BOTTOM_LEFT, (0, h - block, block, h))
    return im


def orientation_jpeg(directory: Path, orientation: int) -> Path:
    """A JPEG whose stored pixels need EXIF ``orientation`` (1..8) to look like :func:`upright_marker_image`."""
    im = upright_marker_image()
    method = _UPRIGHT_METHOD.get(orientation)
    if method is not None:
        im = im.transpose(_INVERSE.get(method, method))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = directory / f"orientation_{orientation}.jpg"
    im.save(path, "JPEG", quality=95, exif=exif)
    return path


def gps_jpeg(directory: Path) -> Path:
    """A JPEG carrying a GPS position, a camera model, a comment and XMP: all must be gone after compression."""
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.5)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>'
    path = directory / "gps.jpg"
    Image.new("RGB", (64, 48), (90, 140, 200)).save(
        path, "JPEG", quality=90, exif=exif, comment=b"taken at home", xmp=xmp
    )
    return path


def cmyk_jpeg(directory: Path) -> Path:
    """A CMYK JPEG (print workflows, some scanners): must come out as an RGB JPEG."""
    path = directory / "cmyk.jpg"
    Image.new("CMYK", (80, 60), (0, 255, 255, 0)).save(path, "JPEG", quality=95)  # pure red ink
    return path


def rgba_png(directory: Path) -> Path:
    """RGBA PNG: left half fully transparent (with red hidden behind it), right half opaque blue."""
    im = Image.new("RGBA", (80, 60), (0, 0, 255, 255))
    im.paste((255, 0, 0, 0), (0, 0, 40, 60))
    path = directory / "transparent.png"
    im.save(path, "PNG")
    return path


def opaque_rgba_png(directory: Path) -> Path:
    """An RGBA PNG whose alpha is 255 everywhere: no reason to leave JPEG."""
    path = directory / "opaque_rgba.png"
    Image.new("RGBA", (40, 30), (10, 200, 10, 255)).save(path, "PNG")
    return path


def png16(directory: Path) -> Path:
    """16-bit greyscale PNG, a horizontal ramp 0..65535 (scientific/medical exports)."""
    ramp = np.linspace(0, 65535, 256, dtype=np.float64).round().astype(np.uint16)
    path = directory / "gray16.png"
    Image.fromarray(np.tile(ramp, (32, 1))).save(path, "PNG")
    return path


def palette_png_with_transparency(directory: Path) -> Path:
    """A palette PNG whose index 0 is transparent (many icons and screenshots)."""
    im = Image.new("P", (40, 30), 1)
    im.putpalette([0, 0, 0, 255, 200, 0] + [0, 0, 0] * 254)
    im.paste(0, (0, 0, 20, 30))
    path = directory / "palette.png"
    im.save(path, "PNG", transparency=0)
    return path


def animated_gif(directory: Path, frames: int = 3) -> Path:
    """An animated GIF of ``frames`` differently coloured frames, 120 ms each, looping forever."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", (60, 40), colours[i % len(colours)]) for i in range(frames)]
    path = directory / "animated.gif"
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=120, loop=0)
    return path


def animated_png(directory: Path) -> Path:
    """An APNG of 3 frames with some transparency."""
    images = [Image.new("RGBA", (50, 40), (40 * i, 100, 200, 255 if i else 128)) for i in range(3)]
    path = directory / "animated.png"
    images[0].save(path, "PNG", save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


def photo_jpeg(directory: Path, size: tuple[int, int] = (4000, 3000)) -> Path:
    """A photo-like camera-sized JPEG (smooth gradients plus sensor-like noise)."""
    w, h = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 24)
    path = directory / f"photo_{w}x{h}.jpg"
    Image.merge("RGB", (red, green, noise)).save(path, "JPEG", quality=85)
    return path


def heif_image(directory: Path) -> Path:
    """A HEIC photo (what iPhones save), written with pillow-heif."""
    import pillow_heif

    im = upright_marker_image()
    path = directory / "photo.heic"
    pillow_heif.from_pillow(im).save(path, quality=90)
    return path


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def linear_rgb_icc(description: str = "Linear RGB (test)") -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries but gamma 1.0 (so conversion visibly brightens)."""
    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + struct.pack(">IIHB", 0, 0, 0, 0) + b"\0" * 67
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0100)
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", _xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", _xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0No copyright\0"),
    ]
    start = 128 + 4 + 12 * len(tags)
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, body in tags:
        data += b"\0" * (-(start + len(data)) % 4)
        table += signature + struct.pack(">II", start + len(data), len(body))
        data += body
    body = table + data
    body += b"\0" * (-len(body) % 4)
    header = (
        struct.pack(">I", 128 + len(body))
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + body


def icc_tagged_png(directory: Path) -> Path:
    """Mid-grey (128) tagged with a linear-gamma profile: correctly converted to sRGB it reads about 188."""
    path = directory / "linear_icc.png"
    Image.new("RGB", (40, 30), (128, 128, 128)).save(path, "PNG", icc_profile=linear_rgb_icc())
    return path


# --- hostile images --------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(directory: Path, width: int = 100_000, height: int = 100_000, name: str = "bomb.png") -> Path:
    """A valid tiny PNG whose IHDR (CRC fixed up) claims ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 0).save(buffer, "PNG")
    data = buffer.getvalue()
    assert data[12:16] == b"IHDR"
    ihdr = struct.pack(">II", width, height) + data[24:29]
    patched = data[:8] + _png_chunk(b"IHDR", ihdr) + data[33:]
    path = directory / name
    path.write_bytes(patched)
    return path


def growing_gif(directory: Path, width: int = 600, height: int = 400) -> Path:
    """A 2-frame 60x40 GIF whose second frame claims ``width`` x ``height``: seeking to it grows the canvas."""
    data = animated_gif(directory, frames=2).read_bytes()
    descriptor = b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", 60, 40)  # at (0, 0), 60x40
    second = data.index(descriptor, data.index(descriptor) + 1)
    patched = data[:second] + b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width, height) + data[second + 9 :]
    path = directory / "growing.gif"
    path.write_bytes(patched)
    return path


def truncated_jpeg(directory: Path) -> Path:
    """A noisy JPEG cut at 60 % of its length (an interrupted download)."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    path = directory / "truncated.jpg"
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def script_as_jpg(directory: Path) -> Path:
    path = directory / "holiday.jpg"
    path.write_bytes(b"#!/bin/sh\necho pwned > /tmp/pwned\n")
    return path


def svg_file(directory: Path) -> Path:
    path = directory / "drawing.svg"
    path.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<script>alert(1)</script><rect width="10" height="10"/></svg>\n'
    )
    return path


def html_as_png(directory: Path) -> Path:
    path = directory / "page.png"
    path.write_text("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>")
    return path


def pdf_file(directory: Path) -> Path:
    path = directory / "doc.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path


def zip_file(directory: Path) -> Path:
    import zipfile

    path = directory / "archive.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "hello")
    return path


def empty_file(directory: Path, name: str = "empty.jpg") -> Path:
    path = directory / name
    path.write_bytes(b"")
    return path


# --- videos ----------------------------------------------------------------------------------------


def mp4_with_audio(directory: Path, name: str = "clip.mp4", size: str = "320x240", seconds: float = 2.0) -> Path:
    """H.264 + AAC MP4 from ffmpeg's test pattern and a sine tone; the moov atom is at the end."""
    path = directory / name
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", "-metadata", "location=+52.5200+013.4050/",
        str(path),
    )  # fmt: skip
    return path


def silent_mp4(directory: Path, name: str = "silent.mp4", size: str = "321x181") -> Path:
    """A video without audio and with odd dimensions (the even-size guard must kick in)."""
    path = directory / name
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", str(path),
    )  # fmt: skip
    return path


def webm_vp8(directory: Path, *, live: bool = False) -> Path:
    """A VP8 WebM.  ``live=True`` writes it through a pipe, like a browser recorder: no duration in the header."""
    path = directory / ("live.webm" if live else "clip.webm")
    args = [
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
        "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-f", "webm",
    ]  # fmt: skip
    if live:
        import imageio_ffmpeg

        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args, "pipe:1"]
        with path.open("wb") as out:
            subprocess.run(cmd, check=True, timeout=60, stdout=out, stderr=subprocess.PIPE)
    else:
        ffmpeg(*args, str(path))
    return path


def rotated_mp4(directory: Path, source: Path) -> Path:
    """``source`` with a display matrix saying "turn 90 degrees" (how phones store portrait video)."""
    path = directory / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(source), "-c", "copy", str(path))
    return path


def secret_video(directory: Path, name: str = "secret.mp4") -> Path:
    """A private local video (pure red, an unusual size) that a hostile input tries to pull into the output."""
    path = directory / name
    w, h = SECRET_SIZE
    args = ["-f", "lavfi", "-i", f"color=c=red:size={w}x{h}:rate=10:duration=1", "-c:v", "libx264"]
    args += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if name.endswith(".ts"):
        args += ["-f", "mpegts"]
    ffmpeg(*args, str(path))
    return path


def hls_playlist(directory: Path, segment: str, name: str = "playlist.mp4") -> Path:
    """An HLS playlist (text) whose only segment is ``segment`` (a local name, file:// or http:// URL)."""
    path = directory / name
    path.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:1.0,\n{segment}\n#EXT-X-ENDLIST\n"
    )
    return path


def concat_list(directory: Path, target: str, name: str = "concat.mp4") -> Path:
    """An ffconcat script naming another file; ffmpeg auto-detects this format from its first line."""
    path = directory / name
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return path
