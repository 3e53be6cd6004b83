"""Both halves are typed: mypy --strict passes on the package (py.typed), and TypeScript's checker
passes on the front-end's JSDoc types in strict mode (jsconfig.json)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_passes() -> None:
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]


def test_front_end_jsdoc_types_check_in_strict_mode() -> None:
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("node_modules/.bin/tsc is missing: run scripts/setup.sh (npm ci)")
    done = subprocess.run([str(tsc), "-p", "jsconfig.json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]


def test_ruff_finds_nothing() -> None:
    """pyflakes, pycodestyle, isort, pyupgrade and bugbear rules (pyproject.toml) over the whole repository."""
    pytest.importorskip("ruff")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
