"""The README's option and errno tables are generated from the code's tables, and current."""

from __future__ import annotations

from pathlib import Path

from choose_media._docs import render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_tables_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert "<!-- options:start -->" in text and "<!-- errno:start -->" in text
    assert render(text) == text, "run: python -m choose_media._docs README.md"
