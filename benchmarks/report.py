"""Measurements, medians, the markdown tables, and the machine they were taken on."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any


@dataclass
class Measurement:
    """One figure of one subject in one case: the runs' values, or why there is none."""

    case: str
    subject: str
    metric: str
    unit: str
    runs: list[float] = field(default_factory=list)
    failure: str | None = None  # the subject failed (recorded, never left out)
    skipped: str | None = None  # the subject cannot be built here (e.g. a profile variant whose edit no longer applies)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
               "|" + "|".join("---" for _ in self.columns) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


@dataclass
class CaseResult:
    name: str
    tables: list[Table]
    measurements: list[Measurement]


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "–"
    if abs(value) >= 100 and digits <= 1:
        text = f"{value:.0f}"
    else:
        text = f"{value:.{digits}f}"
    return f"{text} {unit}".strip()


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def spread(runs: Sequence[float], digits: int = 1) -> str:
    """``min–max`` of the runs, for the notes column."""
    if len(runs) < 2:
        return ""
    return f"{min(runs):.{digits}f}–{max(runs):.{digits}f}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(chromium: str | None = None) -> dict[str, str]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from choose_media.media.videos import ffmpeg_exe

        ff = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True, check=False).stdout.split()[2]
    except Exception:
        ff = "?"
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.0f} GiB",
        "os": os_name,
        "python": platform.python_version(),
        "chromium": chromium or "?",
        "ffmpeg": ff,
        **{name: _version(name) for name in (
            "choose-media", "jupyterlab", "jupyter_server", "ipykernel", "ipywidgets", "anywidget", "ipywebrtc",
            "ipyuploads", "Pillow",
        )},
    }


def render(results: Iterable[CaseResult], info: dict[str, str], *, command: str, runs: int,
           charts: list[str] | None = None) -> str:
    head = [
        "# choose-media benchmarks",
        "",
        f"Measured {info['date']} with `{command}` (medians of {runs} runs unless a row says otherwise).",
        "",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} memory, {info['os']}, "
        f"Python {info['python']}, {info['chromium']} (headless, driven over the DevTools protocol with only "
        f"the Page and Runtime domains enabled), ffmpeg {info['ffmpeg']}.",
        "",
        "Versions: " + ", ".join(f"{k} {info[k]}" for k in (
            "choose-media", "jupyterlab", "jupyter_server", "ipykernel", "ipywidgets", "anywidget", "ipywebrtc",
            "ipyuploads", "Pillow")) + ".",
        "",
    ]
    if "load" in info:
        head += [f"Machine load average: {info['load']}; the whole run took {info.get('wall', '?')}. Other "
                 "processes share these cores, so compare rows measured in the same run, not across runs.", ""]
    body = [t.markdown() for r in results for t in r.tables]
    if charts:
        body.insert(0, "### Charts\n\n" + "\n".join(charts) + "\n")
    return "\n".join(head) + "\n" + "\n".join(body)


def to_json(results: Iterable[CaseResult], info: dict[str, str]) -> str:
    return json.dumps(
        {"machine": info, "cases": {r.name: [asdict(m) | {"median": m.median} for m in r.measurements] for r in results}},
        indent=1,
    )
