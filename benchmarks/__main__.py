"""``python -m benchmarks``: choose-media side by side with the widgets people use today.

    python -m benchmarks                 # everything, medians of 3 runs -> benchmarks/results.md
    python -m benchmarks --smoke         # one small case each (about a minute); used by tests/benchmarks
    python -m benchmarks --cases transfer,profile --sizes 50,500 --runs 5

Starts JupyterLab on 127.0.0.1 (``tests/support/harness.py``'s ``Lab``) and Debian's headless Chromium,
driven over the DevTools protocol with only the Page and Runtime domains enabled (no Playwright: its
always-on Network domain slows uploads 2-3x).  Needs the ``bench`` extra (``pip install -e '.[bench]'``)
and ``/usr/bin/chromium`` (``scripts/setup.sh --browser``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import goals
from .report import CaseResult, Measurement, Table, machine, render, to_json

DEFAULT_SIZES = (0.25, 1, 4, 16, 50, 500, 2048)  # MiB: photos to long videos (2 GiB: one run)
ALL_CASES = ("transfer", "pick", "photo", "frames", "load", "media", "profile")
HERE = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="one small case each, one run (fast; for CI)")
    p.add_argument("--runs", type=int, default=None, help="runs per case (default 3; smoke 1)")
    p.add_argument("--cases", default=None, help=f"comma-separated, from {','.join(ALL_CASES)} (default: all; "
                                                 "smoke: all but profile)")
    p.add_argument("--sizes", default=None, help="transfer sizes in MiB, e.g. 0.25 for 256 KiB (default 0.25,1,4,16,50,500,2048; smoke 1)")
    p.add_argument("--profile-sizes", default="1,50", help="file sizes of the profile case, MiB (default 1,50)")
    p.add_argument("--out", type=Path, default=None,
                   help="markdown results (default benchmarks/results.md; smoke: a temp file)")
    p.add_argument("--json", type=Path, default=None, help="also write every measurement as JSON here")
    p.add_argument("--work", type=Path, default=None, help="folder for generated files (default: a temp dir)")
    p.add_argument("--update", action="store_true",
                   help="re-measure only --cases and splice them into the existing results (their tables, JSON "
                        "and charts); the header says which cases were re-measured when")
    return p.parse_args(argv)


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _failed_case(name: str, exc: BaseException) -> CaseResult:
    text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    m = Measurement(name, name, "case", "", failure=f"the case crashed: {text}")
    return CaseResult(name, [Table(f"{name}: crashed", ["error"], [[text]])], [m])


def splice(out: Path, results: list[CaseResult], info: dict[str, str], command: str) -> tuple[str, str]:
    """The existing ``out`` (markdown and its JSON) with these cases' tables and measurements replaced."""
    old_text = out.read_text()
    old = json.loads(out.with_suffix(".json").read_text())
    new = json.loads(to_json(results, info))
    old["cases"].update(new["cases"])
    note = (f"Re-measured {info['date']} with `{command}`: {', '.join(r.name for r in results)} (machine load "
            f"{info['load']}; {info['wall']}).")
    old["machine"].setdefault("updates", []).append(note)
    head, *sections = old_text.split("\n### ")
    by_title = {sec.split("\n", 1)[0]: sec for sec in sections}
    for r in results:
        for t in r.tables:
            by_title[t.title] = t.markdown().removeprefix("### ")
    head = head.rstrip("\n") + "\n\n" + note + "\n"
    return "\n### ".join([head, *by_title.values()]), json.dumps(old, indent=1)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    if a.update and (not a.cases or a.smoke):
        raise SystemExit("--update re-measures the cases given with --cases (not with --smoke)")
    smoke = a.smoke
    runs = a.runs or (1 if smoke else 3)
    cases = [c.strip() for c in a.cases.split(",")] if a.cases else [c for c in ALL_CASES if not (smoke and c == "profile")]
    unknown = set(cases) - set(ALL_CASES)
    if unknown:
        raise SystemExit(f"unknown case(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL_CASES)}")
    sizes = [float(s) for s in a.sizes.split(",")] if a.sizes else ([1] if smoke else list(DEFAULT_SIZES))
    out = a.out or (Path(tempfile.mkdtemp(prefix="choose-media-bench-smoke-")) / "results.md" if smoke
                    else HERE / "results.md")
    work = a.work or Path(tempfile.mkdtemp(prefix="choose-media-bench-work-"))
    work.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks" + ("" if argv is None and len(sys.argv) == 1 else " " + shlex.join(
        argv if argv is not None else sys.argv[1:]))
    load_start = _loadavg()
    started = time.monotonic()
    log(f"[bench] cases {','.join(cases)}; runs {runs}; sizes {sizes} MiB; work dir {work}; load {load_start}")

    results: list[CaseResult] = []
    browser_cases = [c for c in cases if c != "media"]
    chromium = None
    lab = browser = None
    try:
        if browser_cases:
            from .cdp import Browser
            from .session import Lab

            browser = Browser.launch()
            chromium = browser.version.replace("/", " ")
            lab = Lab.start()
            log(f"[bench] {chromium}; JupyterLab at {lab.url}")
        jobs: dict[str, Callable[[], CaseResult]] = {}
        if browser is not None and lab is not None:
            from . import camera, load, pick, profile, transfer

            jobs = {
                "transfer": lambda: transfer.run_case(lab, browser, work, sizes, runs, log),
                "pick": lambda: pick.run_case(lab, browser, work, runs, log, smoke=smoke),
                "photo": lambda: camera.photo_case(lab, browser, max(runs, 1) if smoke else max(runs, 5), log),
                "frames": lambda: camera.frames_case(lab, browser, 1.5 if smoke else 5.0, runs, log),
                "load": lambda: load.run_case(lab, browser, runs, log, shared=smoke),
                "profile": lambda: profile.run_case(
                    lab, browser, work, [float(x) for x in a.profile_sizes.split(",")], runs, log),
            }
        from . import media

        jobs["media"] = lambda: media.run_case(work, runs, 1.0 if smoke else 10.0, log, smoke=smoke)
        for name in cases:
            log(f"[bench] {name}")
            t = time.monotonic()
            try:
                results.append(jobs[name]())
            except Exception as exc:  # one broken case must not lose the others
                traceback.print_exc()
                results.append(_failed_case(name, exc))
            log(f"[bench] {name} done in {time.monotonic() - t:.0f} s")
    finally:
        if lab is not None:
            lab.stop(check=False)
        if browser is not None:
            browser.close()
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)

    info = machine(chromium)
    info["load"] = f"{load_start} at the start, {_loadavg()} at the end (1/5/15 min)"
    info["wall"] = f"{time.monotonic() - started:.0f} s"
    data = to_json(results, info)
    charts = []
    try:
        from . import charts as charting

        paths = charting.write(json.loads(data), out.parent / "charts")
        charts = [charting.markdown(paths, out.parent)] if paths else []
    except ImportError as exc:  # matplotlib is in the bench extra
        log(f"[bench] no charts: {exc}")
    text = render(results, info, command=command, runs=runs, charts=charts)
    if a.update:
        text, data = splice(out, results, info, command)
        try:
            from . import charts as charting

            charting.write(json.loads(data), out.parent / "charts")
        except ImportError as exc:
            log(f"[bench] no charts: {exc}")
    text = goals.insert(text, json.loads(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(data)  # the charts can be redrawn from it (python -m benchmarks.charts)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(data)
    print(text)
    log(f"[bench] wrote {out} ({info['wall']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
