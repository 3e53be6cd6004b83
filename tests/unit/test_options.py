"""Option rules from the seed: defaults, both spellings, and loud failures (never silent clamping)."""

from __future__ import annotations

import pytest

from choose_media import ChooseMediaError, ChooseMediaWidget, Errno, InvalidParameterError, normalize_options
from choose_media.options import OPTION_TABLE, accept_attribute, option_table_markdown


def test_defaults_are_the_seeds() -> None:
    assert normalize_options({}) == {
        "media_type": ["image", "video"],
        "source_type": ["album", "camera"],
        "count": 9,
        "size_type": ["original", "compressed"],
        "max_duration": 60,
        "camera_device": "back",
        "is_save_to_album": "0",
    }


def test_seed_names_and_snake_case_twins_mean_the_same() -> None:
    assert normalize_options({"mediaType": ["video"], "count": 3}) == normalize_options(
        {"media_type": ["video"], "count": 3}
    )


def test_order_of_list_values_does_not_matter() -> None:
    assert normalize_options({"mediaType": ["video", "image"]})["media_type"] == ["image", "video"]
    assert normalize_options({"sourceType": ["camera", "album"]})["source_type"] == ["album", "camera"]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("mediaType", [], "must not be empty"),
        ("mediaType", "image", "must be a list"),
        ("mediaType", ["image", "audio"], "unknown value 'audio'"),
        ("mediaType", ["image", "image"], "repeated"),
        ("sourceType", ["gallery"], "unknown value"),
        ("count", 0, "out of range"),
        ("count", 21, "out of range"),
        ("count", 2.5, "whole number"),
        ("count", True, "must be a number"),
        ("count", "3", "must be a number"),
        ("sizeType", ["small"], "unknown value"),
        ("maxDuration", 2, "out of range"),
        ("maxDuration", 61, "out of range"),
        ("maxDuration", float("nan"), "finite"),
        ("cameraDevice", "side", "unknown value"),
        ("isSaveToAlbum", 1, "unknown value"),
        ("isSaveToAlbum", "yes", "unknown value"),
    ],
)
def test_bad_values_fail_with_the_options_name_and_errno(key: str, value: object, words: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        normalize_options({key: value})
    err = info.value
    assert err.errno == Errno.INVALID_PARAMETER
    assert err.errMsg.startswith(f"chooseMedia:fail invalid parameter: {key} ")
    assert words in err.errMsg
    assert isinstance(err, ChooseMediaError) and isinstance(err, ValueError)


def test_edges_of_ranges_are_allowed() -> None:
    assert normalize_options({"count": 1, "maxDuration": 3})["count"] == 1
    assert normalize_options({"count": 20, "maxDuration": 60})["max_duration"] == 60
    assert normalize_options({"count": 5.0})["count"] == 5


def test_unknown_option_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="'mediatype'"):
        ChooseMediaWidget(mediatype=["image"])


def test_same_option_in_both_spellings_is_refused() -> None:
    with pytest.raises(TypeError, match="given twice"):
        normalize_options({"count": 1, "mediaType": ["image"], "media_type": ["video"]})


def test_widget_takes_options_and_validates_later_assignments() -> None:
    w = ChooseMediaWidget(count=3, mediaType=["image"], size_type=["compressed"])
    assert (w.count, w.media_type, w.size_type) == (3, ["image"], ["compressed"])
    assert w.accept == "image/*"
    with pytest.raises(InvalidParameterError):
        w.count = 50
    assert w.count == 3
    w.media_type = ["video", "image"]
    assert w.accept == "image/*,video/*"
    assert repr(w).startswith("ChooseMediaWidget(mediaType=['image', 'video'], sourceType=")


def test_accept_follows_media_type() -> None:
    assert accept_attribute(["video"]) == "video/*"


def test_generated_option_table_lists_every_option() -> None:
    table = option_table_markdown()
    for spec in OPTION_TABLE:
        assert f"`{spec.name}`" in table and f"`{spec.attr}`" in table
