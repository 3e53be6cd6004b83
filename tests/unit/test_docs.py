"""What is generated from the code's tables (README tables, API reference, the protocol tables of
docs/design.md, js/errno.js, js/protocol_table.js) is current, and every public name is documented."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import choose_media
from choose_media import protocol
from choose_media.errors import Errno

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_file_is_current() -> None:
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "generate.py"), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_generated_blocks_are_where_the_docs_expect_them() -> None:
    text = README.read_text(encoding="utf-8")
    for block in ("options", "profiles", "errno"):
        assert f"<!-- {block}:start -->" in text
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    for m in protocol.MESSAGES:  # every kind of the table, in the table of its direction
        assert f"| `{m.kind}` |" in design


def test_the_page_has_every_errno_and_the_same_numbers() -> None:
    js = (REPO / "js" / "errno.js").read_text(encoding="utf-8")
    assert dict(re.findall(r"^  (\w+): (\d+),$", js, re.M)) == {e.name: str(e.value) for e in Errno}


def test_the_widget_routes_exactly_the_kinds_the_page_may_send(tmp_path: Path) -> None:
    from choose_media import ChooseMediaWidget
    from choose_media.store import TempFileStore

    w = ChooseMediaWidget(store=TempFileStore(tmp_path))
    assert set(w._routes) == protocol.BROWSER_KINDS


def test_api_reference_is_current_and_every_public_name_is_documented() -> None:
    generate = _load(REPO / "scripts" / "generate.py", "generate")
    for name in choose_media.__all__:
        obj = getattr(choose_media, name)
        if callable(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
        if inspect.isclass(obj):
            for member, value in generate.public_members(obj).items():
                target = value.fget if isinstance(value, property) else value
                assert inspect.getdoc(target), f"{name}.{member} has no docstring"


def test_readme_benchmark_block_is_the_committed_results() -> None:
    bench_readme = _load(REPO / "benchmarks" / "readme.py", "bench_readme")
    text = README.read_text(encoding="utf-8")
    results = bench_readme.RESULTS.read_text(encoding="utf-8")
    assert bench_readme.render(text, results) == text, "run: python -m benchmarks.readme"
