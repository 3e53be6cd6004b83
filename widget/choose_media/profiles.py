"""Emulating Feishu clients: which options a platform and client version honour.

The per-option rules are rows of ``OPTION_TABLE`` (``PlatformRule``); this module
adds what is about a platform rather than an option (minimum client version,
video compression, video metadata in the result) and applies both.  The default
profile (no platform) is the notebook itself: every capability on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ChooseMediaError, Errno
from .options import OPTION_TABLE, PLATFORM_NAMES, InvalidParameterError, OptionSpec, Platform


@dataclass(frozen=True)
class PlatformFacts:
    """What the seed says of a platform as a whole."""

    name: Platform
    minimum_version: str
    compresses_video: bool
    """Android and PC do not compress video (sizeType notice)."""
    reports_media_metadata: bool
    """PC returns no ``duration``/``width``/``height``."""


PLATFORMS: dict[str, PlatformFacts] = {
    "android": PlatformFacts("android", "4.7.0", compresses_video=False, reports_media_metadata=True),
    "ios": PlatformFacts("ios", "4.7.0", compresses_video=True, reports_media_metadata=True),
    "pc": PlatformFacts("pc", "4.7.0", compresses_video=False, reports_media_metadata=False),
    "harmony": PlatformFacts("harmony", "7.35.0", compresses_video=True, reports_media_metadata=True),
}

_VERSION = re.compile(r"^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


def parse_version(text: str) -> tuple[int, int, int]:
    """``"V5.30"`` → ``(5, 30, 0)``."""
    m = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ChooseMediaError.from_detail(
            Errno.INVALID_PARAMETER, f"invalid parameter: client_version {text!r} is not a version like '7.50.0'"
        )
    return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))


@dataclass(frozen=True)
class Profile:
    """A client to emulate. ``platform=None`` is the notebook itself (everything supported)."""

    platform: Platform | None = None
    client_version: tuple[int, int, int] | None = None
    """``None``: the newest client."""

    @classmethod
    def create(cls, platform: str | None = None, client_version: str | None = None) -> Profile:
        if platform is not None and platform not in PLATFORMS:
            raise ChooseMediaError.from_detail(
                Errno.INVALID_PARAMETER,
                f"invalid parameter: platform {platform!r}; expected one of {', '.join(PLATFORM_NAMES)} or None",
            )
        version = parse_version(client_version) if client_version is not None else None
        profile = cls(platform, version)  # type: ignore[arg-type]
        if platform is not None and version is not None:
            minimum = parse_version(PLATFORMS[platform].minimum_version)
            if version < minimum:
                raise ChooseMediaError.from_detail(
                    Errno.UNSUPPORTED_CLIENT,
                    f"not supported on {platform} V{_v(version)}: chooseMedia needs V{_v(minimum)} or later",
                )
        return profile

    @property
    def facts(self) -> PlatformFacts | None:
        """What the seed says of the emulated platform as a whole; ``None`` for the notebook."""
        return PLATFORMS[self.platform] if self.platform else None

    @property
    def compresses_video(self) -> bool:
        """False on Android and PC, which never compress video."""
        return self.facts is None or self.facts.compresses_video

    @property
    def reports_media_metadata(self) -> bool:
        """False on PC, which returns no ``duration``/``width``/``height``."""
        return self.facts is None or self.facts.reports_media_metadata

    def older_than(self, version: str) -> bool:
        """True when an emulated client version is set and is older than ``version``."""
        return self.client_version is not None and self.client_version < parse_version(version)

    def describe(self) -> str:
        """The profile in words, for notes and messages."""
        if self.platform is None:
            return "notebook (every capability on)"
        return f"{self.platform} V{_v(self.client_version)}" if self.client_version else f"{self.platform} (newest)"


def _v(version: tuple[int, int, int] | None) -> str:
    return ".".join(map(str, version)) if version else "?"


def effective_value(spec: OptionSpec, value: Any, profile: Profile) -> tuple[Any, str | None]:
    """The value a client really uses for a validated option, and why it differs (or ``None``).

    Raises ``InvalidParameterError`` when the client's own range is narrower (``count`` before V5.30).
    """
    if spec.maximum_before is not None:
        version, maximum = spec.maximum_before
        if profile.older_than(version) and value > maximum:
            raise InvalidParameterError(spec, value, f"is out of range before V{version} (at most {maximum:g})")
    rule = spec.platforms.get(profile.platform) if profile.platform else None
    if rule is None:
        return value, None
    if rule.effect == "since" and not profile.older_than(rule.version or "0"):
        return value, None
    if value == rule.value:
        return value, None
    if rule.effect == "since":
        return rule.value, f"{spec.name} is ignored on {profile.describe()}: {rule.note}"
    return rule.value, f"{spec.name} is ignored on {profile.platform}: {rule.note}"


def apply_profile(values: Mapping[str, Any], profile: Profile) -> tuple[dict[str, Any], list[str]]:
    """Validated options (snake_case keys) → what the emulated client uses, plus a note per change."""
    effective = dict(values)
    notes: list[str] = []
    for spec in OPTION_TABLE:
        effective[spec.attr], note = effective_value(spec, values[spec.attr], profile)
        if note:
            notes.append(note)
    return effective, notes


def profile_table_markdown() -> str:
    """For each platform, what changes against the notebook profile (generated from the tables)."""
    rows = ["| platform | from client | what changes |", "|---|---|---|"]
    for name, facts in PLATFORMS.items():
        changes = []
        for spec in OPTION_TABLE:
            rule = spec.platforms.get(name)
            if rule is not None and rule.effect == "since":
                changes.append(f"`{spec.name}` works from V{rule.version} (ignored before)")
            elif rule is not None:
                changes.append(f"`{spec.name}`: {rule.note}")
            if spec.maximum_before is not None:
                version, maximum = spec.maximum_before
                changes.append(f"`{spec.name}` at most {maximum:g} before V{version}")
        if not facts.compresses_video:
            changes.append("videos are never compressed")
        if not facts.reports_media_metadata:
            changes.append("no `duration`/`width`/`height` in `tempFiles`")
        rows.append(f"| {name} | V{facts.minimum_version} | {'; '.join(changes)} |")
    return "\n".join(rows)

