"""Writes what is generated from the code's tables, so each rule has one source:

- the README's option, profile and errno tables (between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``);
- ``docs/reference.md``, the API reference from the docstrings;
- the wire protocol tables of ``docs/design.md`` (from ``choose_media.protocol``);
- ``js/errno.js`` and ``js/protocol_table.js``, the page's copies of ``Errno`` and the protocol table.

``python scripts/generate.py`` writes them; ``--check`` only says which are stale (the tests run it).
A repository tool: it is not part of the installed package.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from choose_media.errors import errno_table_js, errno_table_markdown
from choose_media.options import option_table_markdown
from choose_media.profiles import profile_table_markdown
from choose_media.protocol import protocol_table_js, protocol_table_markdown

REPO = Path(__file__).resolve().parents[1]

#: The generated blocks of each markdown file, by block name.
BLOCKS: dict[str, dict[str, Callable[[], str]]] = {
    "README.md": {"options": option_table_markdown, "profiles": profile_table_markdown, "errno": errno_table_markdown},
    "docs/design.md": {"protocol": protocol_table_markdown},
}


def reference_markdown() -> str:
    """The API reference: every public name of ``choose_media``, its signature and docstring."""
    import choose_media

    lines = ["# API reference", "", "Generated from the docstrings by `python scripts/generate.py`; do not edit.", ""]
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
    """Public methods and properties a class defines or takes from choose-media's own base classes."""
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


def render(text: str, blocks: dict[str, Callable[[], str]]) -> str:
    """``text`` with each ``<!-- NAME:start -->...<!-- NAME:end -->`` block of ``blocks`` regenerated."""
    for name, make in blocks.items():  # README's "benchmarks" block is written by the benchmark run itself
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"no <!-- {name}:start --> ... <!-- {name}:end --> block")
        block = make()
        text = pattern.sub(lambda m, block=block: m.group(1) + block + "\n" + m.group(2), text)
    return text


def outputs() -> dict[Path, str]:
    """Every generated file, as it should read now."""
    files = {REPO / name: render((REPO / name).read_text(encoding="utf-8"), blocks) for name, blocks in BLOCKS.items()}
    files[REPO / "docs" / "reference.md"] = reference_markdown()
    files[REPO / "js" / "errno.js"] = errno_table_js()
    files[REPO / "js" / "protocol_table.js"] = protocol_table_js()
    return files


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            stale.append(path.relative_to(REPO).as_posix())
            if not check:
                path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"stale, run `python scripts/generate.py`: {', '.join(stale)}", file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
