"""Keeps the README's generated tables in step with the code: ``python -m choose_media._docs README.md``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable

from .errors import errno_table_markdown
from .options import option_table_markdown
from .profiles import profile_table_markdown

GENERATED: dict[str, Callable[[], str]] = {
    "options": option_table_markdown,
    "profiles": profile_table_markdown,
    "errno": errno_table_markdown,
}


def render(text: str) -> str:
    """``text`` with each ``<!-- NAME:start -->...<!-- NAME:end -->`` block regenerated."""
    for name, make in GENERATED.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    for name in argv or ["README.md"]:
        path = Path(name)
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
