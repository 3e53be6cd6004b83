"""The seed's option table, and the functions that validate options against it.

Every rule about an option lives in ``OPTION_TABLE``: names, type, default,
allowed values or range, and the seed's per-platform notices, both as the
seed's words and as data (``PlatformRule``).  Validation, defaults, the
per-platform emulation (``profiles.py``), the widget's traits and UI, and the
docs' tables all read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ChooseMediaError, Errno, fail_message

OptionKind = Literal["choices", "int", "number", "enum"]
Platform = Literal["android", "ios", "pc", "harmony"]
PLATFORM_NAMES: tuple[Platform, ...] = ("android", "ios", "pc", "harmony")


@dataclass(frozen=True)
class PlatformRule:
    """What one platform does with an option: the seed's notice, as data.

    ``ignored``: the platform does not read the option and behaves as ``value`` (``None``: no limit).
    ``since``: the option works from client ``version`` on and is ignored (``value``) before it.
    """

    effect: Literal["ignored", "since"]
    note: str
    value: Any = None
    version: str | None = None


@dataclass(frozen=True)
class OptionSpec:
    """One row of the seed's input table."""

    name: str
    """The seed's name (``mediaType``)."""
    attr: str
    """The Python twin (``media_type``), also the widget's trait name."""
    kind: OptionKind
    """``choices``: a non-empty list of distinct allowed strings; ``enum``: one allowed string;
    ``int``/``number``: a number in ``[minimum, maximum]``."""
    default: Any
    description: str
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    platforms: Mapping[str, PlatformRule] = field(default_factory=dict)
    """The seed's per-platform notices, by platform (``android``, ``ios``, ``pc``, ``harmony``)."""
    maximum_before: tuple[str, float] | None = None
    """``(version, maximum)``: a lower ``maximum`` for clients older than ``version``."""

    def allowed_text(self) -> str:
        if self.kind == "choices":
            return "a non-empty list of distinct values from " + ", ".join(repr(v) for v in self.allowed)
        if self.kind == "enum":
            return "one of " + ", ".join(repr(v) for v in self.allowed)
        word = "an integer" if self.kind == "int" else "a number"
        return f"{word} from {_num(self.minimum)} to {_num(self.maximum)}"


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


OPTION_TABLE: tuple[OptionSpec, ...] = (
    OptionSpec(
        name="mediaType",
        attr="media_type",
        kind="choices",
        allowed=("image", "video"),
        default=("image", "video"),
        description="What may be picked or shot: images, videos, or both (in any order).",
    ),
    OptionSpec(
        name="sourceType",
        attr="source_type",
        kind="choices",
        allowed=("album", "camera"),
        default=("album", "camera"),
        description="Where media comes from: the album (files), the camera, or both (in any order).",
        platforms={
            "pc": PlatformRule("ignored", "Not supported: the source is always the local file system.", ["album"]),
        },
    ),
    OptionSpec(
        name="count",
        attr="count",
        kind="int",
        minimum=1,
        maximum=20,
        default=9,
        description="The most files that can be picked (up to 9 before Feishu V5.30, 20 from V5.30). "
        "Ignored when shooting with the camera.",
        maximum_before=("5.30.0", 9),
    ),
    OptionSpec(
        name="sizeType",
        attr="size_type",
        kind="choices",
        allowed=("original", "compressed"),
        default=("original", "compressed"),
        description='["original"]: keep the picked bytes; ["compressed"]: always compress; both: '
        'compressed unless the user turns on "Original".',
        platforms={
            "pc": PlatformRule(
                "ignored",
                'Video compression is not supported; ["original","compressed"] is not supported, '
                'the value is always ["original"].',
                ["original"],
            ),
            "harmony": PlatformRule("ignored", 'Not supported: media is returned as picked (["original"]).', ["original"]),
        },
    ),
    OptionSpec(
        name="maxDuration",
        attr="max_duration",
        kind="number",
        minimum=3,
        maximum=60,
        default=60,
        description="The longest video the camera records, in seconds (3 to 60). Album picks are not limited.",
        platforms={
            "pc": PlatformRule("ignored", "Not supported: no duration limit.", None),
            "harmony": PlatformRule("ignored", "Not supported: no duration limit.", None),
        },
    ),
    OptionSpec(
        name="cameraDevice",
        attr="camera_device",
        kind="enum",
        allowed=("back", "front"),
        default="back",
        description="The camera used first when shooting: 'front' or 'back'.",
        platforms={
            "pc": PlatformRule("ignored", "Not supported: the system's default camera is used.", "back"),
            "harmony": PlatformRule("ignored", "Not supported: the system's default camera is used.", "back"),
        },
    ),
    OptionSpec(
        name="isSaveToAlbum",
        attr="is_save_to_album",
        kind="enum",
        allowed=("0", "1"),
        default="0",
        description='"1": media shot with the camera is also saved to the album; "0": not saved. '
        "Only applies when the source is the camera.",
        platforms={
            "android": PlatformRule("since", "Supported from Feishu V5.13.0.", "0", "5.13.0"),
            "ios": PlatformRule("since", "Supported from Feishu V5.13.0.", "0", "5.13.0"),
            "harmony": PlatformRule("since", "Supported from Feishu V7.47.0.", "0", "7.47.0"),
            "pc": PlatformRule("ignored", "Not supported: nothing is saved.", "0"),
        },
    ),
)

OPTIONS_BY_NAME: dict[str, OptionSpec] = {spec.name: spec for spec in OPTION_TABLE}
OPTIONS_BY_ATTR: dict[str, OptionSpec] = {spec.attr: spec for spec in OPTION_TABLE}


class InvalidParameterError(ChooseMediaError, ValueError):
    """An option value the seed does not allow (errno ``INVALID_PARAMETER``)."""

    def __init__(self, spec: OptionSpec, value: Any, reason: str) -> None:
        detail = f"invalid parameter: {spec.name} {reason}; expected {spec.allowed_text()}, got {value!r}"
        super().__init__(Errno.INVALID_PARAMETER, fail_message(detail))
        self.option = spec.name


def lookup_option(key: str) -> OptionSpec | None:
    """The spec for a seed name or its snake_case twin."""
    return OPTIONS_BY_NAME.get(key) or OPTIONS_BY_ATTR.get(key)


def validate_option(spec: OptionSpec, value: Any) -> Any:
    """The value in canonical form (lists in table order), or ``InvalidParameterError``. Never clamps."""
    if spec.kind == "choices":
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise InvalidParameterError(spec, value, "must be a list")
        if not value:
            raise InvalidParameterError(spec, value, "must not be empty")
        for item in value:
            if not isinstance(item, str) or item not in spec.allowed:
                raise InvalidParameterError(spec, value, f"has an unknown value {item!r}")
        if len(set(value)) != len(value):
            raise InvalidParameterError(spec, value, "has a repeated value")
        return [v for v in spec.allowed if v in value]
    if spec.kind == "enum":
        if not isinstance(value, str) or value not in spec.allowed:
            raise InvalidParameterError(spec, value, "has an unknown value")
        return value
    # Numbers: bool is an int in Python, but True is not a count.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(spec, value, "must be a number")
    if spec.kind == "int" and not (isinstance(value, int) or float(value).is_integer()):
        raise InvalidParameterError(spec, value, "must be a whole number")
    if not math.isfinite(value):
        raise InvalidParameterError(spec, value, "must be finite")
    assert spec.minimum is not None and spec.maximum is not None
    if not spec.minimum <= value <= spec.maximum:
        raise InvalidParameterError(spec, value, "is out of range")
    return int(value) if spec.kind == "int" else value


def default_options() -> dict[str, Any]:
    """Every option at its seed default, keyed by snake_case name."""
    return {spec.attr: list(spec.default) if spec.kind == "choices" else spec.default for spec in OPTION_TABLE}


def normalize_options(given: Mapping[str, Any]) -> dict[str, Any]:
    """Seed options (either spelling) → validated values keyed by snake_case name, defaults filled in.

    Raises ``TypeError`` for a name that is not an option (or is given twice, in both spellings) and
    ``InvalidParameterError`` for a value the seed does not allow.
    """
    result = default_options()
    seen: dict[str, str] = {}
    for key, value in given.items():
        spec = lookup_option(key)
        if spec is None:
            known = ", ".join(s.name for s in OPTION_TABLE)
            raise TypeError(f"unknown chooseMedia option {key!r}; the options are {known} (or their snake_case names)")
        if spec.attr in seen:
            raise TypeError(f"option {spec.name!r} given twice (as {seen[spec.attr]!r} and {key!r})")
        seen[spec.attr] = key
        result[spec.attr] = validate_option(spec, value)
    return result


def accept_attribute(media_type: list[str]) -> str:
    """The file chooser's ``accept`` for a ``mediaType`` value."""
    return ",".join(f"{kind}/*" for kind in media_type)


def option_table_markdown() -> str:
    """The option table for the docs, generated from ``OPTION_TABLE``."""
    rows = [
        "| option | Python name | default | allowed | what it does | platform notices |",
        "|---|---|---|---|---|---|",
    ]
    for spec in OPTION_TABLE:
        default = list(spec.default) if spec.kind == "choices" else spec.default
        notices = "; ".join(f"{platform}: {rule.note}" for platform, rule in spec.platforms.items()) or "–"
        rows.append(
            f"| `{spec.name}` | `{spec.attr}` | `{default!r}` | {spec.allowed_text()} | {spec.description} | {notices} |"
        )
    return "\n".join(rows)
