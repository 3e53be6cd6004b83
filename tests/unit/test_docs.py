"""The README's option and errno tables are generated from the code's tables, and current."""

from __future__ import annotations

from pathlib import Path

from choose_media._docs import render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_tables_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert "<!-- options:start -->" in text and "<!-- errno:start -->" in text
    assert render(text) == text, "run: python -m choose_media._docs README.md"


def test_api_reference_is_current_and_every_public_name_is_documented() -> None:
    import inspect

    import choose_media
    from choose_media._docs import REFERENCE, public_members, reference_markdown

    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), "run: python -m choose_media._docs README.md"
    for name in choose_media.__all__:
        obj = getattr(choose_media, name)
        if callable(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
        if inspect.isclass(obj):
            for member, value in public_members(obj).items():
                target = value.fget if isinstance(value, property) else value
                assert inspect.getdoc(target), f"{name}.{member} has no docstring"


def test_readme_benchmark_block_is_the_committed_results() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_readme", README.parent / "benchmarks" / "readme.py")
    assert spec is not None and spec.loader is not None
    bench_readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_readme)
    text = README.read_text(encoding="utf-8")
    results = bench_readme.RESULTS.read_text(encoding="utf-8")
    assert bench_readme.render(text, results) == text, "run: python -m benchmarks.readme"
