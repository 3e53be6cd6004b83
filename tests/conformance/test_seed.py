"""One test per sentence of the seed (shared/seed/chooseMedia.md) that states behaviour.

Each test is named after the line it checks. The browser side of mediaType/sourceType/sizeType/count
and cancel is covered by tests/browser/test_album.py; this suite runs the kernel side headlessly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from choose_media import ChooseMediaError, ChooseMediaWidget, Errno, InvalidParameterError
from choose_media.media.videos import probe_video
from choose_media.profiles import Profile
from choose_media.samples import make_photo, make_video
from tests.support.fake_page import FakePage


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seed-media")
    return {
        "photo": make_photo(folder / "photo.jpg", (2400, 1800)),
        "photo2": make_photo(folder / "photo2.jpg", (640, 480), orientation=1, gps=False),
        "video": make_video(folder / "video.mp4", seconds=4.0, size=(320, 240)),
    }


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def pick(media: dict[str, Path], names: list[str], original: bool = False, **options: Any) -> dict[str, Any]:
    return ChooseMediaWidget(**options).pick_files([media[n] for n in names], original=original)


def upload(page: FakePage, tid: str, path: Path, source: str) -> dict[str, Any]:
    """The page's transfer of ``path`` (with an md5); the first error, or the last reply."""
    replies = page.upload_file(tid, path, source=source, md5=True)
    return replies.errors()[0] if replies.errors() else replies[-1]


# -- 支持说明: support table -----------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["android", "ios", "pc"])
def test_supported_from_v4_7_0_on_android_ios_and_pc(platform: str) -> None:
    Profile.create(platform, "4.7.0")
    with pytest.raises(ChooseMediaError) as info:
        ChooseMediaWidget(platform=platform, client_version="4.6.9")
    assert info.value.errno == Errno.UNSUPPORTED_CLIENT


def test_supported_from_v7_35_0_on_harmony() -> None:
    Profile.create("harmony", "V7.35.0")
    with pytest.raises(ChooseMediaError) as info:
        ChooseMediaWidget(platform="harmony", client_version="7.34.9")
    assert info.value.errno == Errno.UNSUPPORTED_CLIENT


# -- 输入: the standard object input ------------------------------------------------------------------


def test_input_inherits_standard_object_input_success_then_complete_with_same_object(media: dict[str, Path]) -> None:
    calls: list[tuple[str, Any]] = []
    w = ChooseMediaWidget(
        success=lambda r: calls.append(("success", r)),
        fail=lambda r: calls.append(("fail", r)),
        complete=lambda r: calls.append(("complete", r)),
    )
    result = w.pick_files([media["photo2"]])
    assert [name for name, _ in calls] == ["success", "complete"]
    assert calls[0][1] is calls[1][1] is result


def test_input_inherits_standard_object_input_fail_then_complete_on_bad_option() -> None:
    calls: list[tuple[str, Any]] = []
    with pytest.raises(InvalidParameterError):
        ChooseMediaWidget(
            count=0, fail=lambda r: calls.append(("fail", r)), complete=lambda r: calls.append(("complete", r))
        )
    assert [name for name, _ in calls] == ["fail", "complete"]
    assert calls[0][1]["errno"] == Errno.INVALID_PARAMETER
    assert calls[0][1]["errMsg"].startswith("chooseMedia:fail invalid parameter: count")


# -- mediaType ------------------------------------------------------------------------------------------


def test_mediaType_default_is_image_and_video() -> None:
    assert ChooseMediaWidget().media_type == ["image", "video"]


def test_mediaType_image_picks_images_only(media: dict[str, Path]) -> None:
    result = pick(media, ["photo2", "video"], mediaType=["image"])
    assert [f["type"] for f in result["tempFiles"]] == ["image"]
    assert result["failedFiles"][0]["errno"] == Errno.UNSUPPORTED_FILE


def test_mediaType_video_picks_videos_only(media: dict[str, Path]) -> None:
    result = pick(media, ["photo2", "video"], mediaType=["video"])
    assert [f["type"] for f in result["tempFiles"]] == ["video"]


def test_mediaType_video_and_image_in_any_order(media: dict[str, Path]) -> None:
    a = pick(media, ["photo2", "video"], mediaType=["video", "image"])
    b = pick(media, ["photo2", "video"], mediaType=["image", "video"])
    assert [f["type"] for f in a["tempFiles"]] == [f["type"] for f in b["tempFiles"]] == ["image", "video"]


# -- sourceType ------------------------------------------------------------------------------------------


def test_sourceType_default_is_album_and_camera() -> None:
    assert ChooseMediaWidget().source_type == ["album", "camera"]


@pytest.mark.parametrize("value", [["album"], ["camera"], ["camera", "album"]])
def test_sourceType_album_camera_or_both_in_any_order(value: list[str]) -> None:
    assert ChooseMediaWidget(sourceType=value).source_type == sorted(value)


def test_sourceType_only_listed_sources_are_accepted_by_the_kernel(media: dict[str, Path]) -> None:
    page = FakePage(sourceType=["album"])
    reply = upload(page, "t1", media["photo2"], "camera")
    assert reply["kind"] == "error" and reply["errno"] == Errno.INVALID_PARAMETER


def test_sourceType_notice_pc_does_not_support_it_and_uses_local_files() -> None:
    w = ChooseMediaWidget(platform="pc", sourceType=["camera"])
    assert w.source_type == ["album"]
    assert any("sourceType" in note for note in w.profile_notes)


# -- count ---------------------------------------------------------------------------------------------


def test_count_default_is_9() -> None:
    assert ChooseMediaWidget().count == 9


def test_count_is_the_most_files_that_can_be_picked(media: dict[str, Path]) -> None:
    result = pick(media, ["photo2", "photo2"], count=1)
    assert result["errno"] == Errno.INVALID_PARAMETER
    assert result["errMsg"] == "chooseMedia:fail no more than count=1 files can be picked (2 were)"
    page = FakePage(count=1)
    assert upload(page, "a", media["photo2"], "album")["kind"] == "stored"
    refused = upload(page, "b", media["photo2"], "album")
    assert refused["kind"] == "error" and refused["errno"] == Errno.INVALID_PARAMETER
    assert refused["errMsg"] == result["errMsg"]  # one text everywhere


def test_count_before_v5_30_at_most_9_files() -> None:
    assert ChooseMediaWidget(platform="android", client_version="5.29.0", count=9).count == 9
    with pytest.raises(InvalidParameterError, match="before V5.30"):
        ChooseMediaWidget(platform="android", client_version="5.29.0", count=10)


def test_count_from_v5_30_at_most_20_files() -> None:
    assert ChooseMediaWidget(platform="ios", client_version="5.30.0", count=20).count == 20
    with pytest.raises(InvalidParameterError):
        ChooseMediaWidget(count=21)


def test_count_does_not_apply_when_shooting_with_the_camera(media: dict[str, Path]) -> None:
    page = FakePage(count=1)
    assert [upload(page, t, media["photo2"], "camera")["kind"] for t in "abc"] == ["stored"] * 3
    result = page.confirm(["a", "b", "c"], original=False)
    assert result["errMsg"] == "chooseMedia:ok" and len(result["tempFiles"]) == 3


# -- sizeType ------------------------------------------------------------------------------------------


def test_sizeType_original_keeps_the_original_image_or_video(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(sizeType=["original"])
    w.pick_files([media["photo"], media["video"]])
    assert [f.md5 for f in w.temp_files] == [md5(media["photo"]), md5(media["video"])]


def test_sizeType_compressed_forces_compression(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(sizeType=["compressed"])
    w.pick_files([media["photo"], media["video"]], original=True)  # the toggle cannot turn it off
    assert all(f.compressed for f in w.temp_files)
    assert (w.temp_files[0].width, w.temp_files[0].height) == (1440, 1920)


def test_sizeType_both_compresses_by_default_but_the_user_may_choose_original(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget()
    w.pick_files([media["photo"]])
    assert w.temp_files[0].compressed
    w.pick_files([media["photo"]], original=True)
    assert w.temp_files[0].md5 == md5(media["photo"])


@pytest.mark.parametrize("platform", ["android", "pc"])
def test_sizeType_notice_android_and_pc_do_not_compress_video(media: dict[str, Path], platform: str) -> None:
    w = ChooseMediaWidget(platform=platform, sizeType=["compressed"])
    w.pick_files([media["video"]])
    assert w.temp_files[0].md5 == md5(media["video"])


def test_sizeType_compressed_video_on_other_platforms_is_h264_mp4(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(platform="ios", sizeType=["compressed"])
    w.pick_files([media["video"]])
    out = w.temp_files[0]
    assert out.compressed and out.path.suffix == ".mp4" and probe_video(out.path).codec == "h264"


def test_sizeType_notice_pc_does_not_support_both_and_defaults_to_original(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(platform="pc")
    assert w.size_type == ["original"]
    w.pick_files([media["photo"]])
    assert w.temp_files[0].md5 == md5(media["photo"])


def test_sizeType_notice_harmony_does_not_support_it(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(platform="harmony", sizeType=["compressed"])
    assert w.size_type == ["original"]
    assert any("sizeType" in note for note in w.profile_notes)


# -- maxDuration ------------------------------------------------------------------------------------------


def test_maxDuration_default_is_60_seconds() -> None:
    assert ChooseMediaWidget().max_duration == 60


@pytest.mark.parametrize(("value", "ok"), [(3, True), (60, True), (30, True), (2.9, False), (61, False)])
def test_maxDuration_range_is_3_to_60_seconds(value: float, ok: bool) -> None:
    if ok:
        assert ChooseMediaWidget(maxDuration=value).max_duration == value
    else:
        with pytest.raises(InvalidParameterError, match="maxDuration"):
            ChooseMediaWidget(maxDuration=value)


def test_maxDuration_does_not_limit_the_album(media: dict[str, Path]) -> None:
    result = pick(media, ["video"], maxDuration=3, sizeType=["original"])
    assert result["tempFiles"][0]["duration"] > 3


@pytest.mark.parametrize("platform", ["pc", "harmony"])
def test_maxDuration_notice_pc_and_harmony_do_not_support_it_no_limit(platform: str) -> None:
    assert ChooseMediaWidget(platform=platform, maxDuration=10).max_duration is None


# -- cameraDevice ------------------------------------------------------------------------------------------


def test_cameraDevice_default_is_back() -> None:
    assert ChooseMediaWidget().camera_device == "back"


@pytest.mark.parametrize("value", ["front", "back"])
def test_cameraDevice_front_or_back(value: str) -> None:
    assert ChooseMediaWidget(cameraDevice=value).camera_device == value


@pytest.mark.parametrize("platform", ["pc", "harmony"])
def test_cameraDevice_notice_pc_and_harmony_do_not_support_it(platform: str) -> None:
    assert ChooseMediaWidget(platform=platform, cameraDevice="front").camera_device == "back"


# -- isSaveToAlbum ------------------------------------------------------------------------------------------


def test_isSaveToAlbum_default_is_0() -> None:
    assert ChooseMediaWidget().is_save_to_album == "0"


@pytest.mark.parametrize(
    ("platform", "version", "honoured"),
    [
        ("android", "5.13.0", True),
        ("android", "5.12.9", False),
        ("ios", "5.13.0", True),
        ("ios", "5.12.0", False),
        ("harmony", "7.47.0", True),
        ("harmony", "7.46.0", False),
        ("pc", "7.50.0", False),
        (None, None, True),
    ],
)
def test_isSaveToAlbum_notice_versions_per_platform(platform: str | None, version: str | None, honoured: bool) -> None:
    w = ChooseMediaWidget(platform=platform, client_version=version, isSaveToAlbum="1")
    assert w.is_save_to_album == ("1" if honoured else "0")


# -- 输出: output -----------------------------------------------------------------------------------------


def test_output_success_object_has_errMsg_ok_and_tempFiles(media: dict[str, Path]) -> None:
    result = pick(media, ["photo2", "video"])
    assert result["errMsg"] == "chooseMedia:ok" and isinstance(result["tempFiles"], list)


def test_output_tempFilePath_is_a_string_file_address(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget()
    result = w.pick_files([media["photo2"]])
    path = result["tempFiles"][0]["tempFilePath"]
    assert isinstance(path, str) and path.startswith("ttfile://temp/")
    assert w.temp_files[0].path.is_file()


def test_output_type_is_image_or_video(media: dict[str, Path]) -> None:
    assert [f["type"] for f in pick(media, ["photo2", "video"])["tempFiles"]] == ["image", "video"]


def test_output_size_is_in_bytes(media: dict[str, Path]) -> None:
    w = ChooseMediaWidget(sizeType=["original"])
    result = w.pick_files([media["video"]])
    assert result["tempFiles"][0]["size"] == media["video"].stat().st_size == w.temp_files[0].path.stat().st_size


def test_output_duration_width_height_in_seconds_and_pixels_for_video(media: dict[str, Path]) -> None:
    entry = pick(media, ["video"], sizeType=["original"])["tempFiles"][0]
    assert entry["duration"] == pytest.approx(4.0, abs=0.1)
    assert (entry["width"], entry["height"]) == (320, 240)


def test_output_notice_pc_returns_no_duration_width_height(media: dict[str, Path]) -> None:
    entry = pick(media, ["video"], platform="pc")["tempFiles"][0]
    assert {"tempFilePath", "type", "size"} <= set(entry)
    assert not {"duration", "width", "height"} & set(entry)


# -- 错误码: errno ------------------------------------------------------------------------------------------


def test_fail_object_may_contain_errno() -> None:
    page = FakePage()
    w = page.widget
    assert page.cancel() == w.result
    assert w.result == {"errMsg": "chooseMedia:fail cancel", "errno": Errno.CANCEL}
    with pytest.raises(ChooseMediaError) as info:
        w.wait()
    assert info.value.errno == Errno.CANCEL

