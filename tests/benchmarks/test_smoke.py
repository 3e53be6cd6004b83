"""Smoke test of ``python -m benchmarks``: every case runs and every subject produces a number.

It asserts no timing (the machine is shared; figures vary): only that each measurement is a finite number,
never a failure or a skip.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHOOSE_MEDIA_CHROMIUM", "/usr/bin/chromium")
CASES = {"transfer", "pick", "photo", "frames", "load", "media"}

pytestmark = [pytest.mark.browser, pytest.mark.benchmark]


def test_smoke_mode_produces_a_number_for_every_case(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHOOSE_MEDIA_CHROMIUM)")
    out, js = tmp_path / "results.md", tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out), "--json", str(js)],
        cwd=REPO, capture_output=True, text=True, timeout=540,
    )
    assert proc.returncode == 0, f"python -m benchmarks --smoke failed:\n{proc.stderr[-4000:]}"
    data = json.loads(js.read_text())
    assert set(data["cases"]) == CASES, f"cases run: {sorted(data['cases'])}"
    for case, measurements in data["cases"].items():
        assert measurements, f"case {case} measured nothing"
        for m in measurements:
            what = f"{case}: {m['subject']} ({m['metric']})"
            assert m["skipped"] is None, f"{what} skipped: {m['skipped']}"
            assert m["failure"] is None, f"{what} failed: {m['failure']}"
            value = m["median"]
            assert isinstance(value, (int, float)) and math.isfinite(value), f"{what}: no number ({value!r})"
    text = out.read_text()
    for title in ("Transfer, browser → kernel", "A typical pick", "Photo capture", "Live frames", "Load:", "Media: image", "Media: video"):
        assert title in text, f"results.md has no table {title!r}"
    # the charts, drawn from the same measurements, sit beside results.md and are linked from it
    for chart in ("transfer", "memory", "pick", "latency"):
        svg = tmp_path / "charts" / f"{chart}.svg"
        assert svg.exists() and svg.read_text().lstrip().startswith(("<?xml", "<svg")), f"no chart {svg.name}"
        assert f"](charts/{chart}.svg)" in text
    assert json.loads((tmp_path / "results.json").read_text())["cases"].keys() == data["cases"].keys()
