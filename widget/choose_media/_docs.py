"""Keeps the README's generated tables and docs/reference.md in step with the code:
``python -m choose_media._docs README.md``."""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import errno_table_markdown
from .options import option_table_markdown
from .profiles import profile_table_markdown

GENERATED: dict[str, Callable[[], str]] = {
    "options": option_table_markdown,
    "profiles": profile_table_markdown,
    "errno": errno_table_markdown,
}


def reference_markdown() -> str:
    """The API reference: every public name of ``choose_media``, its signature and docstring."""
    import choose_media

    lines = ["# API reference", "", "Generated from the docstrings by `python -m choose_media._docs`; do not edit.", ""]
    for name in sorted(choose_media.__all__, key=str.lower):
        obj = getattr(choose_media, name)
        if name.startswith("__") or isinstance(obj, (str, tuple)):
            continue
        lines += _describe(name, obj)
        if inspect.isclass(obj):
            for member, value in sorted(public_members(obj).items()):
                lines += _describe(f"{name}.{member}", value, level="####")
    return "\n".join(lines).rstrip() + "\n"


def public_members(cls: type) -> dict[str, object]:
    """Public methods and properties a class defines or takes from choose-media's own mixins."""
    members: dict[str, object] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("choose_media"):
            for member, value in vars(base).items():
                if not member.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    members[member] = value
    return members


class _AsWritten(str):
    """An annotation shown as written in the source (``from __future__ import annotations`` makes every
    annotation a string, which ``inspect`` would print quoted)."""

    def __repr__(self) -> str:
        return str(self)


def _as_written(annotation: object) -> object:
    return _AsWritten(annotation) if isinstance(annotation, str) else annotation


def _signature(target: Any) -> str:
    sig = inspect.signature(target)
    params = [p.replace(annotation=_as_written(p.annotation)) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=_as_written(sig.return_annotation)))


def _describe(name: str, obj: object, level: str = "###") -> list[str]:
    target = obj.fget if isinstance(obj, property) else obj
    try:
        signature = _signature(target) if callable(target) and not isinstance(obj, property) else ""
    except (TypeError, ValueError):
        signature = ""
    kind = "class " if inspect.isclass(obj) else "property " if isinstance(obj, property) else ""
    doc = inspect.getdoc(target) or ""
    return [f"{level} `{kind}{name}{signature}`", "", doc, ""]


def render(text: str) -> str:
    """``text`` with each ``<!-- NAME:start -->...<!-- NAME:end -->`` block regenerated."""
    for name, make in GENERATED.items():  # "benchmarks" is written by the benchmark run itself
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = _fill(pattern, make(), text)
    return text


def _fill(pattern: re.Pattern[str], block: str, text: str) -> str:
    return pattern.sub(lambda m: m.group(1) + block + "\n" + m.group(2), text)


REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def main(argv: list[str]) -> int:
    for name in argv or ["README.md"]:
        path = Path(name)
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    REFERENCE.write_text(reference_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
