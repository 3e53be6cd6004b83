"""The hostile suite reuses the media fixtures of tests/unit (generated, no shared files needed); the
real-browser fixtures (JupyterLab + Chromium) for its load and fault cases come from tests/conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "unit"))
