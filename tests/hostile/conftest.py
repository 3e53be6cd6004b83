"""The hostile suite reuses the media fixtures of tests/unit (generated, no shared files needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
