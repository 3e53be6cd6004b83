"""``python -m benchmarks.readme``: README.md's "Measured here" block, made from ``benchmarks/results.md``.

The README shows the comparison with the peers; the transfer profile (choose-media against variants of
itself) stays in results.md.  One source: a test checks that the README block is what results.md gives.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
README = HERE.parent / "README.md"
_BLOCK = re.compile(r"(<!-- benchmarks:start -->\n).*?(<!-- benchmarks:end -->)", re.S)
_PROFILE = "### Transfer profile"


def block(results: str) -> str:
    """The README's text for ``results`` (the content of results.md)."""
    text = results.split("\n", 1)[1].lstrip("\n") if results.startswith("# ") else results
    sections = re.split(r"(?m)^(?=### )", text)
    kept = [s for s in sections if not s.startswith(_PROFILE)]
    profiled = len(kept) < len(sections)
    out = ("Run with `python -m benchmarks` (one command, about 40 minutes; `--smoke` runs one small case each and "
           "is part of the test run); copied here from benchmarks/results.md by `python -m benchmarks.readme`.\n\n")
    out += "".join(kept).rstrip("\n").replace("](charts/", "](benchmarks/charts/") + "\n"
    if profiled:
        out += ("\nWhere choose-media's transfer time goes — the shipped transfer against variants of itself "
                "(chunk sizes, windows, md5 placement, round trips) in the same run: "
                "[benchmarks/results.md](benchmarks/results.md).\n")
    return out


def render(readme: str, results: str) -> str:
    if not _BLOCK.search(readme):
        raise ValueError("README.md has no <!-- benchmarks:start --> ... <!-- benchmarks:end --> block")
    return _BLOCK.sub(lambda m: m.group(1) + block(results) + m.group(2), readme)


def main() -> int:
    README.write_text(render(README.read_text(encoding="utf-8"), RESULTS.read_text(encoding="utf-8")),
                      encoding="utf-8")
    print(f"README.md: benchmark block refreshed from {RESULTS.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
