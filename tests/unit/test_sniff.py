"""Sniffing decides from the bytes, never from the name: renamed scripts, SVG and playlists are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from choose_media.errors import Errno, MediaError
from choose_media.media.sniff import SNIFF_BYTES, Sniffed, sniff_file, sniff_media
from tests.support import media_fixtures as mf

needs_shared = pytest.mark.skipif(not mf.SHARED_MEDIA.is_dir(), reason="../shared/media is not present")


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\0\0\0\x08free"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", ("image", "jpeg", "jpg")),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("image", "png", "png")),
        (b"GIF87a\x01\x00\x01\x00", ("image", "gif", "gif")),
        (b"GIF89a\x01\x00\x01\x00", ("image", "gif", "gif")),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", ("image", "webp", "webp")),
        (b"RIFF\x24\x00\x00\x00AVI LIST", ("video", "avi", "avi")),
        (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", ("image", "bmp", "bmp")),
        (b"II*\x00\x08\x00\x00\x00", ("image", "tiff", "tiff")),
        (b"MM\x00*\x00\x00\x00\x08", ("image", "tiff", "tiff")),
        (ftyp(b"avif", b"avif", b"mif1", b"miaf"), ("image", "avif", "avif")),
        (ftyp(b"avis", b"avis", b"msf1"), ("image", "avif", "avif")),
        (ftyp(b"mif1", b"mif1", b"avif", b"miaf"), ("image", "avif", "avif")),
        (ftyp(b"heic", b"mif1", b"heic"), ("image", "heif", "heic")),
        (ftyp(b"heix", b"mif1", b"heix"), ("image", "heif", "heic")),
        (ftyp(b"mif1", b"mif1", b"heic"), ("image", "heif", "heic")),
        (ftyp(b"msf1", b"msf1", b"hevc"), ("image", "heif", "heic")),
        (ftyp(b"hevc", b"msf1"), ("image", "heif", "heic")),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), ("video", "mp4", "mp4")),
        (ftyp(b"mp42", b"mp42", b"isom"), ("video", "mp4", "mp4")),
        (ftyp(b"M4V ", b"M4V ", b"mp42"), ("video", "mp4", "mp4")),
        (ftyp(b"dash", b"iso6"), ("video", "mp4", "mp4")),
        (ftyp(b"qt  ", b"qt  "), ("video", "mov", "mov")),
        (ftyp(b"3gp4", b"isom", b"3gp4"), ("video", "3gp", "3gp")),
        (ftyp(b"3gp6"), ("video", "3gp", "3gp")),
        (ftyp(b"XYZW", b"XYZW", b"isom"), ("video", "mp4", "mp4")),  # a camera maker's own brand
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", ("video", "mov", "mov")),  # pre-ftyp QuickTime
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87", ("video", "webm", "webm")),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", ("video", "mkv", "mkv")),
    ],
)
def test_magic_bytes(head: bytes, expected: tuple[str, str, str]) -> None:
    assert sniff_media(head) == Sniffed(*expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\xff\xd8",  # too short to be a JPEG
        b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'>",
        b"<svg width='10'></svg>",
        b"<!DOCTYPE html><html>",
        b"#!/bin/sh\nrm -rf ~\n",
        b"%PDF-1.7\n",
        b"PK\x03\x04\x14\x00",
        b"#EXTM3U\n#EXT-X-VERSION:3\n",
        b"ffconcat version 1.0\nfile secret.mp4\n",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # audio
        ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"),  # audio-only MP4
        ftyp(b"crx ", b"crx "),  # Canon raw
        ftyp(b"jp2 ", b"jp2 "),  # JPEG 2000
        ftyp(b"mif1", b"mif1", b"miaf"),  # HEIF of unknown codec
        b"BMW is a car maker and this is a text file",
        b"\x00\x00\x01\xba\x44\x00",  # MPEG program stream
        b"ID3\x04\x00",  # MP3
    ],
)
def test_everything_else_is_refused(head: bytes) -> None:
    assert sniff_media(head) is None


@given(st.binary(max_size=SNIFF_BYTES))
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes_never_crash(head: bytes) -> None:
    result = sniff_media(head)
    assert result is None or result.type in ("image", "video")


def _generated(tmp: Path) -> dict[str, tuple[Path, Sniffed | None]]:
    return {
        "jpeg": (mf.orientation_jpeg(tmp, 6), Sniffed("image", "jpeg", "jpg")),
        "png": (mf.rgba_png(tmp), Sniffed("image", "png", "png")),
        "gif": (mf.animated_gif(tmp), Sniffed("image", "gif", "gif")),
        "heic": (mf.heif_image(tmp), Sniffed("image", "heif", "heic")),
        "mp4": (mf.mp4_with_audio(tmp, seconds=0.5), Sniffed("video", "mp4", "mp4")),
        "webm": (mf.webm_vp8(tmp, live=True), Sniffed("video", "webm", "webm")),
        "script": (mf.script_as_jpg(tmp), None),
        "svg": (mf.svg_file(tmp), None),
        "html": (mf.html_as_png(tmp), None),
        "pdf": (mf.pdf_file(tmp), None),
        "zip": (mf.zip_file(tmp), None),
        "hls": (mf.hls_playlist(tmp, "secret.ts"), None),
        "concat": (mf.concat_list(tmp, "secret.mp4"), None),
    }


def test_generated_files(tmp_path: Path) -> None:
    for name, (path, expected) in _generated(tmp_path).items():
        assert sniff_file(path) == expected, name


def test_webp_and_avif_written_by_pillow(tmp_path: Path) -> None:
    from PIL import Image

    im = Image.new("RGB", (16, 16), (1, 2, 3))
    im.save(tmp_path / "a.webp", "WEBP")
    im.save(tmp_path / "a.avif", "AVIF")
    im.save(tmp_path / "a.bmp", "BMP")
    im.save(tmp_path / "a.tif", "TIFF")
    assert sniff_file(tmp_path / "a.webp") == Sniffed("image", "webp", "webp")
    assert sniff_file(tmp_path / "a.avif") == Sniffed("image", "avif", "avif")
    assert sniff_file(tmp_path / "a.bmp") == Sniffed("image", "bmp", "bmp")
    assert sniff_file(tmp_path / "a.tif") == Sniffed("image", "tiff", "tiff")


def test_empty_and_missing_files_raise_media_errors(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as empty:
        sniff_file(mf.empty_file(tmp_path))
    assert empty.value.errno == Errno.EMPTY_FILE
    with pytest.raises(MediaError) as missing:
        sniff_file(tmp_path / "nope.jpg")
    assert missing.value.errno == Errno.UNSUPPORTED_FILE


SHARED_EXPECTED: dict[str, tuple[str, str] | None] = {
    "images/astronaut.png": ("image", "png"),
    "images/chelsea.jpg": ("image", "jpeg"),
    "images/rommel.jpg": ("image", "jpeg"),
    "images/newtonscradle.gif": ("image", "gif"),
    "images/flower.webp": ("image", "webp"),
    "images/hopper.avif": ("image", "avif"),
    "images/transparency.avif": ("image", "avif"),
    "images/hopper.heif": ("image", "heif"),
    "images/mode_16bit.png": ("image", "png"),
    "images/pil_sample_cmyk.jpg": ("image", "jpeg"),
    "videos/cockatoo.mp4": ("video", "mp4"),
    "videos/realshort.mp4": ("video", "mp4"),
    # Chromium wrote H.264 into this file and labelled it Matroska, not WebM (EBML DocType "matroska").
    "videos/test.webm": ("video", "mkv"),
    "hostile/decompression_bomb.gif": ("image", "gif"),
    "hostile/truncated_jpeg.jpg": ("image", "jpeg"),
    "hostile/junk_jpeg_header.jpg": ("image", "jpeg"),
}


@needs_shared
@pytest.mark.parametrize("name", sorted(SHARED_EXPECTED))
def test_shared_media(name: str) -> None:
    found = sniff_file(mf.shared(*name.split("/")))
    expected = SHARED_EXPECTED[name]
    assert ((found.type, found.format) if found else None) == expected


def test_name_is_ignored(tmp_path: Path) -> None:
    """A PNG called .mp4 is a PNG; an MP4 called .jpg is an MP4."""
    png = mf.rgba_png(tmp_path).rename(tmp_path / "movie.mp4")
    mp4 = mf.mp4_with_audio(tmp_path, seconds=0.5).rename(tmp_path / "photo.jpg")
    assert sniff_file(png) == Sniffed("image", "png", "png")
    assert sniff_file(mp4) == Sniffed("video", "mp4", "mp4")
