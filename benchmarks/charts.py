"""Charts of a benchmark run, as SVG beside ``results.md``: what is easier seen than read.

    python -m benchmarks.charts benchmarks/results.json      # redraw from a run's measurements

- ``transfer.svg``: throughput against file size, every widget and the ceiling (log size axis);
- ``memory.svg``: the kernel's peak RSS growth against file size (log-log: flat means bounded);
- ``pick.svg``: time from choosing to compressed results against the number of photos;
- ``latency.svg``: photo (shutter → kernel) and live-frame rates.

Drawn from the run's measurements (``to_json``), the same numbers as the tables; a case that was not run
draws no chart.  matplotlib's Agg backend, no display needed; SVGs carry no date, so a redraw of the same
numbers gives the same file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: One colour per widget, the same in every chart (choose-media first).
COLOURS = {"choose-media": "#1f77b4", "FileUpload": "#ff7f0e", "ipyuploads": "#2ca02c", "ceiling": "#7f7f7f",
           "ipywebrtc": "#d62728"}


def _colour(name: str) -> str:
    for key, colour in COLOURS.items():
        if name.startswith(key):
            return colour
    return "#9467bd"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "choose-media", "font.size": 9, "axes.grid": True, "grid.alpha": 0.3})
    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    _plt().close(fig)
    return path


def _size_ticks(ax: Any, sizes: list[float]) -> None:
    from .files import size_label

    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [size_label(s) for s in sizes])
    ax.minorticks_off()


def _by_widget(ms: list[dict[str, Any]], metric: str) -> dict[str, list[tuple[float, float]]]:
    """widget → [(size MiB, median)] of one metric, failures left out."""
    out: dict[str, list[tuple[float, float]]] = {}
    for m in ms:
        if m["metric"] == metric and m["median"] is not None and "size_mib" in m["extra"]:
            out.setdefault(m["extra"]["widget"], []).append((m["extra"]["size_mib"], m["median"]))
    return {k: sorted(v) for k, v in out.items()}


def transfer_chart(ms: list[dict[str, Any]], out: Path) -> list[Path]:
    plt = _plt()
    throughput = _by_widget(ms, "throughput")
    if not throughput:
        return []
    sizes = sorted({s for pts in throughput.values() for s, _ in pts} |
                   {m["extra"]["size_mib"] for m in ms if "size_mib" in m["extra"]})
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for widget, pts in throughput.items():
        style = "--" if widget == "ceiling" else "-"
        ax.plot([s for s, _ in pts], [v for _, v in pts], style, marker="o", label=widget, color=_colour(widget))
    failed = sorted({m["extra"]["widget"] for m in ms if m["metric"] == "throughput" and m["failure"]})
    title = "Browser → kernel transfer"
    if failed:
        title += f" ({', '.join(failed)}: fails above the 10 MiB message limit)"
    ax.set(title=title, xlabel="file size", ylabel="MiB/s (median)")
    _size_ticks(ax, sizes)
    ax.set_ylim(bottom=0)
    ax.legend()
    paths = [_save(fig, out / "transfer.svg")]
    memory = _by_widget(ms, "kernel peak RSS growth")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for widget, pts in memory.items():
        ok = [(s, v) for s, v in pts if (s, widget) in {(x, w) for w, p in throughput.items() for x, _ in p}]
        if ok:
            ax.plot([s for s, _ in ok], [max(v, 0.1) for _, v in ok], marker="o", label=widget, color=_colour(widget))
    ax.set(title="Kernel memory during a transfer", xlabel="file size", ylabel="peak RSS growth, MiB (log)")
    ax.set_yscale("log")
    _size_ticks(ax, sizes)
    ax.legend()
    paths.append(_save(fig, out / "memory.svg"))
    return paths


def pick_chart(ms: list[dict[str, Any]], out: Path) -> list[Path]:
    plt = _plt()
    lines: dict[str, list[tuple[int, float]]] = {}
    for m in ms:
        if m["median"] is not None and "count" in m["extra"] and "default message limit" not in m["subject"]:
            lines.setdefault(m["extra"]["widget"], []).append((m["extra"]["count"], m["median"]))
    if not lines:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for widget, pts in lines.items():
        pts.sort()
        ax.plot([c for c, _ in pts], [v for _, v in pts], marker="o", label=widget, color=_colour(widget))
    counts = sorted({c for pts in lines.values() for c, _ in pts})
    ax.set(title="12 MP photos chosen → compressed in Python", xlabel="photos in the pick",
           ylabel="seconds (median)", xticks=counts)
    ax.set_ylim(bottom=0)
    ax.legend()
    return [_save(fig, out / "pick.svg")]


def latency_chart(photo: list[dict[str, Any]], frames: list[dict[str, Any]], out: Path) -> list[Path]:
    plt = _plt()
    shots = [m for m in photo if m["median"] is not None]
    rates = [m for m in frames if m["median"] is not None]
    if not shots and not rates:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), gridspec_kw={"width_ratios": [1, 1.2]})
    ax = axes[0]
    labels = [f"{m['subject']}\n{m['metric'].split(' → ')[0]}" for m in shots]
    ax.barh(range(len(shots)), [m["median"] for m in shots], color=[_colour(m["subject"]) for m in shots])
    ax.set_yticks(range(len(shots)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set(title="Shutter → photo in the kernel", xlabel="ms (median, lower is better)")
    ax = axes[1]
    ax.barh(range(len(rates)), [m["median"] for m in rates], color=[_colour(m["subject"]) for m in rates])
    ax.set_yticks(range(len(rates)), [m["subject"].replace(", re-armed", "\nre-armed").replace("on_frame", "\non_frame")
                                      for m in rates], fontsize=7)
    ax.invert_yaxis()
    ax.set(title="Live frames reaching Python", xlabel="frames per second (median)")
    return [_save(fig, out / "latency.svg")]


def write(data: dict[str, Any], out: Path) -> list[Path]:
    """Every chart the run's cases allow, into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    cases = data["cases"]
    return [*transfer_chart(cases.get("transfer", []), out), *pick_chart(cases.get("pick", []), out),
            *latency_chart(cases.get("photo", []), cases.get("frames", []), out)]


def markdown(paths: list[Path], base: Path) -> str:
    """The charts as markdown images, relative to ``base`` (the folder of the page showing them)."""
    alts = {"transfer": "throughput against file size", "memory": "kernel memory against file size",
            "pick": "time against the number of photos", "latency": "photo and frame latencies"}
    return "\n".join(f"![{alts.get(p.stem, p.stem)}]({p.relative_to(base).as_posix()})" for p in paths)


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else HERE / "results.json"
    paths = write(json.loads(source.read_text()), HERE / "charts")
    print("\n".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
