"""What a user notices about images: upright, small, private, transparent where it was, still animated,
and hostile files refused with the right errno instead of hanging or eating memory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from choose_media.errors import Errno, MediaError
from choose_media.media.images import (
    MAX_IMAGE_PIXELS,
    EncodedMedia,
    ImageSettings,
    compress_image,
    image_size,
    probe_image,
)
from tests.support import media_fixtures as mf

needs_shared = pytest.mark.skipif(not mf.SHARED_MEDIA.is_dir(), reason="../shared/media is not present")


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def close_to(pixel: object, colour: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, colour, strict=False))


def compress(src: Path, work: Path, settings: ImageSettings | None = None) -> EncodedMedia:
    """Compress and check the promises every output keeps: a new file in work_dir, the original untouched."""
    before = md5(src)
    work.mkdir(exist_ok=True)
    existing = set(work.iterdir())
    encoded = compress_image(src, work, settings or ImageSettings())
    assert md5(src) == before, "the original must not change"
    assert set(work.iterdir()) - existing == {encoded.path}, "exactly one new file"
    assert encoded.path.parent == work and encoded.path.suffix == f".{encoded.ext}"
    with Image.open(encoded.path) as out:
        assert out.size == (encoded.width, encoded.height)
        assert out.format == {"jpg": "JPEG", "webp": "WEBP"}[encoded.ext]
        exif = out.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825), "no EXIF / GPS in the output"
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
            assert not out.info.get(key), f"{key} leaked into the output"
    return encoded


# --- orientation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path: Path, orientation: int) -> None:
    src = mf.orientation_jpeg(tmp_path, orientation)
    info = probe_image(src)
    assert info.orientation == orientation
    assert (info.width, info.height) == mf.UPRIGHT_SIZE
    assert image_size(src) == mf.UPRIGHT_SIZE

    encoded = compress(src, tmp_path / "work")
    assert (encoded.width, encoded.height) == mf.UPRIGHT_SIZE
    with Image.open(encoded.path) as out:
        w, h = out.size
        assert close_to(out.getpixel((4, 4)), mf.TOP_LEFT), "top-left marker must stay top-left"
        assert close_to(out.getpixel((w - 5, 4)), mf.TOP_RIGHT)
        assert close_to(out.getpixel((4, h - 5)), mf.BOTTOM_LEFT)
        assert close_to(out.getpixel((w - 5, h - 5)), mf.BACKGROUND)


def test_orientation_is_applied_when_downscaling_too(tmp_path: Path) -> None:
    src = mf.orientation_jpeg(tmp_path, 6)
    encoded = compress(src, tmp_path / "work", ImageSettings(max_long_edge=48))
    assert (encoded.width, encoded.height) == (48, 32)
    with Image.open(encoded.path) as out:
        assert close_to(out.getpixel((2, 2)), mf.TOP_LEFT, 60)


# --- privacy ---------------------------------------------------------------------------------------


def test_gps_and_personal_metadata_are_removed(tmp_path: Path) -> None:
    src = mf.gps_jpeg(tmp_path)
    with Image.open(src) as original:  # the fixture really carries them
        assert original.getexif().get_ifd(0x8825)
        assert original.info.get("comment") and original.info.get("xmp")
    encoded = compress(src, tmp_path / "work")
    data = encoded.path.read_bytes()
    assert b"ExampleCam" not in data and b"taken at home" not in data and b"GPSLatitude" not in data


# --- colour and modes ------------------------------------------------------------------------------


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    encoded = compress(mf.cmyk_jpeg(tmp_path), tmp_path / "work")
    assert encoded.ext == "jpg"
    with Image.open(encoded.path) as out:
        assert out.mode == "RGB"
        assert close_to(out.getpixel((40, 30)), (255, 0, 0), 60)


def test_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    encoded = compress(mf.icc_tagged_png(tmp_path), tmp_path / "work")
    with Image.open(encoded.path) as out:
        r, g, b = out.convert("RGB").getpixel((20, 15))  # type: ignore[misc]
    assert 175 <= r <= 200 and 175 <= g <= 200 and 175 <= b <= 200, "linear 128 is sRGB ~188"


def test_16bit_greyscale_keeps_its_tones(tmp_path: Path) -> None:
    encoded = compress(mf.png16(tmp_path), tmp_path / "work")
    with Image.open(encoded.path) as out:
        grey = out.convert("L")
        left, middle, right = (grey.getpixel((x, 16)) for x in (1, 128, 254))
    assert left < 15 and 110 < middle < 145 and right > 240  # type: ignore[operator]


def test_palette_with_transparency_keeps_alpha(tmp_path: Path) -> None:
    encoded = compress(mf.palette_png_with_transparency(tmp_path), tmp_path / "work")
    assert encoded.ext == "webp"
    with Image.open(encoded.path) as out:
        rgba = out.convert("RGBA")
        assert rgba.getpixel((5, 15))[3] < 10  # type: ignore[index]
        assert close_to(rgba.getpixel((35, 15)), (255, 200, 0, 255))


def test_transparent_pixels_stay_transparent(tmp_path: Path) -> None:
    src = mf.rgba_png(tmp_path)
    assert probe_image(src).has_alpha
    encoded = compress(src, tmp_path / "work")
    assert encoded.ext == "webp"
    with Image.open(encoded.path) as out:
        rgba = out.convert("RGBA")
        assert rgba.getpixel((10, 30))[3] == 0, "transparent must not turn black (or opaque)"  # type: ignore[index]
        assert close_to(rgba.getpixel((70, 30)), (0, 0, 255, 255))


def test_opaque_alpha_channel_still_gives_jpeg(tmp_path: Path) -> None:
    src = mf.opaque_rgba_png(tmp_path)
    assert not probe_image(src).has_alpha
    assert compress(src, tmp_path / "work").ext == "jpg"


def test_heif_opens_and_compresses(tmp_path: Path) -> None:
    src = mf.heif_image(tmp_path)
    info = probe_image(src)
    assert (info.format, info.width, info.height) == ("heif", *mf.UPRIGHT_SIZE)
    encoded = compress(src, tmp_path / "work")
    assert encoded.ext == "jpg" and (encoded.width, encoded.height) == mf.UPRIGHT_SIZE


# --- size ------------------------------------------------------------------------------------------


def test_camera_photo_is_capped_at_the_long_edge(tmp_path: Path) -> None:
    src = mf.photo_jpeg(tmp_path)
    info = probe_image(src)
    assert (info.width, info.height) == (4000, 3000)
    encoded = compress(src, tmp_path / "work")
    assert (encoded.width, encoded.height) == (1920, 1440)
    assert encoded.path.stat().st_size < src.stat().st_size / 3


def test_small_images_are_never_upscaled(tmp_path: Path) -> None:
    encoded = compress(mf.orientation_jpeg(tmp_path, 1), tmp_path / "work", ImageSettings(max_long_edge=4000))
    assert (encoded.width, encoded.height) == mf.UPRIGHT_SIZE


@pytest.mark.parametrize("bad", [{"max_long_edge": 0}, {"jpeg_quality": 0}, {"webp_quality": 101}, {"max_pixels": 0}])
def test_nonsense_settings_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ImageSettings(**bad)


def test_quality_setting_changes_the_output(tmp_path: Path) -> None:
    src = mf.photo_jpeg(tmp_path, (800, 600))
    low = compress(src, tmp_path / "work", ImageSettings(jpeg_quality=30))
    high = compress(src, tmp_path / "work", ImageSettings(jpeg_quality=95))
    assert low.path != high.path
    assert low.path.stat().st_size < high.path.stat().st_size


# --- animation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [mf.animated_gif, mf.animated_png], ids=["gif", "apng"])
def test_animations_stay_animated(tmp_path: Path, make: object) -> None:
    src = make(tmp_path)  # type: ignore[operator]
    info = probe_image(src)
    assert info.animated and info.frames == 3
    encoded = compress(src, tmp_path / "work")
    assert encoded.ext == "webp"
    with Image.open(encoded.path) as out:
        assert getattr(out, "n_frames", 1) == 3
        out.seek(1)
        out.load()  # the WebP reader fills in a frame's duration when it decodes it
        assert out.info.get("duration", 0) >= 90


def test_animation_is_capped_too(tmp_path: Path) -> None:
    encoded = compress(mf.animated_gif(tmp_path), tmp_path / "work", ImageSettings(max_long_edge=30))
    assert (encoded.width, encoded.height) == (30, 20)
    with Image.open(encoded.path) as out:
        assert getattr(out, "n_frames", 1) == 3


# --- hostile files ---------------------------------------------------------------------------------


def expect_error(errno: Errno, fn: object, *args: object, **kwargs: object) -> MediaError:
    with pytest.raises(MediaError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.errno == errno, caught.value.detail
    return caught.value


def test_decompression_bomb_is_refused_from_the_header(tmp_path: Path) -> None:
    bomb = mf.bomb_png(tmp_path)  # 10 G pixels in a few dozen bytes
    for call in (probe_image, image_size):
        error = expect_error(Errno.UNSUPPORTED_FILE, call, bomb)
        assert "decompression bomb" in error.detail
    expect_error(Errno.UNSUPPORTED_FILE, compress_image, bomb, tmp_path / "work")
    assert not any((tmp_path / "work").iterdir())


def test_our_pixel_limit_applies_below_pillows(tmp_path: Path) -> None:
    """120 MP is under Pillow's hard error (179 MP) but over our documented 100 MP."""
    bomb = mf.bomb_png(tmp_path, 12_000, 10_000, name="mid.png")
    error = expect_error(Errno.UNSUPPORTED_FILE, probe_image, bomb)
    assert "decompression bomb" in error.detail and str(MAX_IMAGE_PIXELS) in error.detail
    small = mf.orientation_jpeg(tmp_path, 1)
    expect_error(Errno.UNSUPPORTED_FILE, probe_image, small, max_pixels=1000)
    expect_error(Errno.UNSUPPORTED_FILE, compress_image, small, tmp_path / "w", ImageSettings(max_pixels=1000))


def test_frames_count_towards_the_pixel_limit(tmp_path: Path) -> None:
    gif = mf.animated_gif(tmp_path, frames=3)  # 60x40x3 = 7200 pixels
    assert probe_image(gif, max_pixels=7200).frames == 3
    expect_error(Errno.UNSUPPORTED_FILE, probe_image, gif, max_pixels=7199)


def test_a_frame_that_grows_the_canvas_is_checked_too(tmp_path: Path) -> None:
    """60x40x2 passes the header check; frame 2 then claims 600x400 (480000 pixels over 2 frames)."""
    gif = mf.growing_gif(tmp_path)
    for call in (
        lambda: probe_image(gif, max_pixels=100_000),
        lambda: compress_image(gif, tmp_path / "work", ImageSettings(max_pixels=100_000)),
    ):
        error = expect_error(Errno.UNSUPPORTED_FILE, call)
        assert "decompression bomb" in error.detail
    assert not any((tmp_path / "work").iterdir())


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    src = mf.truncated_jpeg(tmp_path)
    error = expect_error(Errno.UNSUPPORTED_FILE, probe_image, src)
    assert "truncated" in error.detail
    expect_error(Errno.UNSUPPORTED_FILE, compress_image, src, tmp_path / "work")
    assert not any((tmp_path / "work").iterdir()), "no partial output"


@pytest.mark.parametrize("make", [mf.script_as_jpg, mf.svg_file, mf.html_as_png, mf.pdf_file, mf.zip_file])
def test_non_images_are_refused(tmp_path: Path, make: object) -> None:
    src = make(tmp_path)  # type: ignore[operator]
    expect_error(Errno.UNSUPPORTED_FILE, probe_image, src)
    expect_error(Errno.UNSUPPORTED_FILE, compress_image, src, tmp_path / "work")


def test_formats_outside_the_list_are_not_decoded(tmp_path: Path) -> None:
    """Pillow reads dozens of formats (EPS even runs Ghostscript); only the listed ones are tried."""
    for fmt, name in (("PPM", "x.ppm"), ("TGA", "x.tga"), ("PCX", "x.pcx"), ("ICO", "x.ico")):
        Image.new("RGB", (16, 16)).save(tmp_path / name, fmt)
        expect_error(Errno.UNSUPPORTED_FILE, probe_image, tmp_path / name)
    (tmp_path / "x.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    expect_error(Errno.UNSUPPORTED_FILE, probe_image, tmp_path / "x.eps")


def test_empty_file(tmp_path: Path) -> None:
    src = mf.empty_file(tmp_path)
    for call in (probe_image, image_size):
        expect_error(Errno.EMPTY_FILE, call, src)
    expect_error(Errno.EMPTY_FILE, compress_image, src, tmp_path / "work")


def test_outputs_never_overwrite(tmp_path: Path) -> None:
    src = mf.orientation_jpeg(tmp_path, 1)
    paths = {compress(src, tmp_path / "work").path for _ in range(3)}
    assert len(paths) == 3


# --- the shared sample files (skipped without ../shared/media) -----------------------------------


@needs_shared
def test_rommel_camera_photo_is_upright(tmp_path: Path) -> None:
    src = mf.shared("images", "rommel.jpg")
    info = probe_image(src)
    assert (info.width, info.height, info.orientation) == (2304, 3072, 6)
    assert image_size(src) == (2304, 3072)
    encoded = compress(src, tmp_path / "work")
    assert (encoded.width, encoded.height) == (1440, 1920)


@needs_shared
@pytest.mark.parametrize("orientation", range(2, 9))
def test_shared_hopper_orientations_match_the_upright_hopper(tmp_path: Path, orientation: int) -> None:
    reference = compress(mf.shared("images", "hopper.jpg"), tmp_path / "ref")
    encoded = compress(mf.shared("images", f"hopper_orientation_{orientation}.jpg"), tmp_path / "work")
    with Image.open(reference.path) as ref, Image.open(encoded.path) as out:
        a = np.asarray(ref.convert("L").resize((16, 16)), dtype=np.int16)
        b = np.asarray(out.convert("L").resize((16, 16)), dtype=np.int16)
        diff = float(np.abs(a - b).mean())
    assert diff < 20, f"orientation {orientation} is not upright (mean difference {diff:.1f})"


@needs_shared
def test_shared_png_with_exif_orientation(tmp_path: Path) -> None:
    src = mf.shared("images", "exif_imagemagick_orientation.png")
    assert probe_image(src).orientation == 3
    compress(src, tmp_path / "work")


@needs_shared
def test_shared_gps_is_removed(tmp_path: Path) -> None:
    compress(mf.shared("images", "exif_gps.jpg"), tmp_path / "work")


@needs_shared
@pytest.mark.parametrize("name", ["transparent.png", "transparency.avif"])
def test_shared_alpha_is_kept(tmp_path: Path, name: str) -> None:
    src = mf.shared("images", name)
    encoded = compress(src, tmp_path / "work")
    assert encoded.ext == "webp"
    with Image.open(src) as original, Image.open(encoded.path) as out:
        a_in = np.asarray(original.convert("RGBA").getchannel("A"))
        a_out = np.asarray(out.convert("RGBA").getchannel("A"))
        transparent = a_in == 0
        assert transparent.any(), "the sample has transparent pixels"
        assert int(a_out[transparent].max()) < 16


@needs_shared
@pytest.mark.parametrize(("name", "frames"), [("newtonscradle.gif", 36), ("mode_16bit.png", 3)])
def test_shared_animations_stay_animated(tmp_path: Path, name: str, frames: int) -> None:
    src = mf.shared("images", name)
    assert probe_image(src).frames == frames
    encoded = compress(src, tmp_path / "work")
    with Image.open(encoded.path) as out:
        assert getattr(out, "n_frames", 1) == frames


@needs_shared
@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("hopper.heif", (128, 128)),
        ("hopper.avif", (128, 128)),
        ("flower.webp", (480, 360)),
        ("pil_sample_cmyk.jpg", (100, 100)),
        ("meadow_cube.jpg", (320, 1920)),
        ("astronaut.png", (512, 512)),
    ],
)
def test_shared_formats_compress(tmp_path: Path, name: str, size: tuple[int, int]) -> None:
    encoded = compress(mf.shared("images", name), tmp_path / "work")
    assert (encoded.width, encoded.height) == size
    with Image.open(encoded.path) as out:
        assert out.mode in ("RGB", "L", "RGBA")


@needs_shared
@pytest.mark.parametrize("name", ["decompression_bomb.gif", "decompression_bomb_extents.gif", "truncated_jpeg.jpg"])
def test_shared_hostile_files_are_refused(tmp_path: Path, name: str) -> None:
    src = mf.shared("hostile", name)
    expect_error(Errno.UNSUPPORTED_FILE, probe_image, src)
    expect_error(Errno.UNSUPPORTED_FILE, compress_image, src, tmp_path / "work")
    assert not any((tmp_path / "work").iterdir())


@needs_shared
def test_shared_junk_header_jpeg_is_handled(tmp_path: Path) -> None:
    """Junk before the first marker: libjpeg skips it; either it decodes or it is a clean MediaError."""
    src = mf.shared("hostile", "junk_jpeg_header.jpg")
    try:
        info = probe_image(src)
    except MediaError as exc:
        assert exc.errno == Errno.UNSUPPORTED_FILE
        return
    encoded = compress(src, tmp_path / "work")
    assert (encoded.width, encoded.height) == (info.width, info.height)
