"""The hostile suite reuses the media fixtures of tests/unit (generated, no shared files needed) and the
real-browser fixtures of tests/browser (JupyterLab + Chromium) for its load and fault cases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "unit"))
sys.path.insert(0, str(TESTS / "browser"))

_spec = importlib.util.spec_from_file_location("browser_fixtures", TESTS / "browser" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_browser)

playwright = _browser.playwright
browser = _browser.browser
launch_browser = _browser.launch_browser
lab = _browser.lab
open_notebook = _browser.open_notebook
pytest_runtest_makereport = _browser.pytest_runtest_makereport
