"""Case a (issue 7.1): browser→kernel transfer of generated files, each widget against the pipe's ceiling.

Clock: from just before ``DOM.setFileInputFiles`` (the driver's ``time.time()``) until the kernel holds all
bytes (the kernel's ``time.time()``; same machine, same clock).  For choose-media "holds" means the length
was checked and the md5 computed (the widget's ``end`` handling); for FileUpload, ``value`` was set; for ipyuploads, its
``file_complete`` callback ran; for the ceiling, the last chunk was written.  Peak memory: growth of the
kernel's peak RSS over the transfer (``VmHWM`` after a reset, see kernel_side.py).  Every run is a fresh notebook, kernel and tab.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cpu, session
from .cdp import Browser
from .files import MIB, padded_mp4, size_label
from .report import CaseResult, Measurement, Table, fmt, ratio, spread
from .session import Lab


@dataclass(frozen=True)
class Subject:
    name: str
    cells: str  # must leave the widget in ``w`` and display it
    button: str  # what a user clicks to choose a file
    cleanup: str = ""
    done: str = "verified"  # the kernel mark(s) ending a run, "|"-separated (choose-media: "stored|refused")
    max_mib: float | None = None  # larger files are not sent (the row says why)


def choose_media(name: str = "choose-media", *, esm: Path | None = None, chunk_mib: float | None = None,
                 in_flight: int | None = None, detail: bool = False, kernel_md5: str = "inline",
                 done: str = "stored|refused") -> Subject:
    """choose-media as shipped, or (profiling) with another front-end build, chunk size, window or kernel md5."""
    lines = ["from choose_media import ChooseMediaWidget"]
    cls = "ChooseMediaWidget"
    if esm is not None:
        lines += ["from pathlib import Path", f"class Variant(ChooseMediaWidget):\n    _esm = Path({str(esm)!r})"]
        cls = "Variant"
    lines.append(f"w = {cls}(count=1, mediaType=['video'], sizeType=['original'])")
    if chunk_mib is not None:
        lines.append(f"w.chunk_size = {int(chunk_mib * MIB)}")
    if in_flight is not None:
        lines.append(f"w.chunks_in_flight = {in_flight}")
    lines.append(f"ks.watch_choose_media(w, detail={detail}, kernel_md5={kernel_md5!r})\nw")
    return Subject(name, "\n".join(lines), ".cm-choose", done=done)


CHOOSE_MEDIA = choose_media()
#: The peers are not sent larger files: ipyuploads moves 10-25 MiB/s and holds the file in memory, FileUpload
#: fails from 10 MiB and at 2 GiB never sends (its run waited out the 18 min timeout).
PEER_MAX_MIB = 500
SUBJECTS: tuple[Subject, ...] = (
    CHOOSE_MEDIA,
    Subject("FileUpload", "import ipywidgets\nw = ipywidgets.FileUpload()\nks.watch_file_upload(w)\nw",
            ".widget-upload", max_mib=PEER_MAX_MIB),  # fails from 10 MiB; at 2 GiB the page never even sends
    Subject("ipyuploads", "import ipyuploads, tempfile\nw = ipyuploads.Upload(upload_dir=tempfile.mkdtemp())\n"
            "ks.watch_ipyuploads(w)\nw", ".widget-upload",
            cleanup="import shutil; shutil.rmtree(w.upload_dir, ignore_errors=True)", max_mib=PEER_MAX_MIB),
    Subject("ceiling", "w = ks.Ceiling()\nw", ".bench-choose"),
)
CEILING = "ceiling"
#: Sizes from here (MiB) are sent once per widget: a 2 GiB file takes minutes for the slowest peer.
ONE_RUN_FROM_MIB = 1024
#: tornado's default ``websocket_max_message_size``, which jupyter_server keeps
SERVER_MESSAGE_LIMIT = 10 * MIB


@dataclass
class Run:
    seconds: float | None
    rss_growth_mib: float
    failure: str | None = None
    phases: dict[str, float] = field(default_factory=dict)  # choose-media: bytes / verified / stored
    info: dict[str, Any] = field(default_factory=dict)


def _timeout(size: int) -> float:
    return 60 + size / MIB / 2  # slower than 2 MiB/s counts as failed


def measure_once(lab: Lab, browser: Browser, subject: Subject, path: Path, *, name: str = "transfer") -> Run:
    """One transfer in a new notebook; ``Run.phases`` has every kernel mark in seconds after the pick."""
    size = path.stat().st_size
    nb = session.open_notebook(lab, browser, f"{name}.ipynb", [subject.cells])
    try:
        session.wait_selector(nb, subject.button)
        session.kernel_now(nb)  # the polling subshell exists before the memory baseline
        watch = {"browser": cpu.tree_pids(browser.proc.pid), "server": [lab.proc.pid]}
        nb.eval_json(f"ks.arm({json.dumps(watch)})")
        t0 = session.pick_file(nb, subject.button, path)
        deadline = time.monotonic() + _timeout(size)
        while True:
            res = session.kernel_wait(nb, subject.done, timeout=2, interval=0.1)
            marks = res["marks"]
            if any(n in marks for n in subject.done.split("|")):
                phases = {k: v - t0 for k, v in marks.items()}
                timeline = [(what, start - t0, dur) for what, start, dur in res["timeline"]]
                browser_timeline = [(what, ms / 1000 - t0) for what, ms in session.page(nb).evaluate(
                    "[...(globalThis.__cmTimeline || []), ...(window.__benchTimeline || [])]")]
                seconds = phases.get("verified")
                # read in the kernel when its clock stopped ("verified"), as every widget's
                cpu_at = res["cpu_at"]
                used = ({role: cpu_at["verified"][role] - cpu_at["arm"][role] for role in ("browser", "server", "kernel")}
                        if "verified" in cpu_at else {})
                return Run(seconds, res["rss_growth_mib"], phases=phases,
                           failure=None if seconds is not None else "the file was refused at the end",
                           info={**res["info"], **res["counts"], "timeline": timeline,
                                 "browser_timeline": browser_timeline, "cpu": used})
            closes = [c for c in session.websocket_closes(nb) if c.get("code") not in (1000, 1001)]
            if closes:
                c = closes[0]
                why = (f"over the server's {SERVER_MESSAGE_LIMIT // MIB} MiB websocket message limit, "
                       if size >= SERVER_MESSAGE_LIMIT else "")
                return Run(None, res["rss_growth_mib"],
                           failure=f"fails: one {size / MIB:.0f} MiB message, {why}the server dropped the "
                                   f"connection (close code {c.get('code')}); JupyterLab reconnected, nothing "
                                   "reached the kernel")
            if time.monotonic() > deadline:
                return Run(None, res["rss_growth_mib"],
                           failure=f"fails: nothing complete in the kernel after {_timeout(size):.0f} s")
    finally:
        if subject.cleanup:
            try:
                nb.run(subject.cleanup)
            except Exception:
                pass
        session.close(nb)


def run_case(lab: Lab, browser: Browser, work: Path, sizes_mib: list[float], runs: int,
             log: Any = print) -> CaseResult:
    """Every size, every widget, ``runs`` times (once from ``ONE_RUN_FROM_MIB``); runs interleaved (run 1 of
    every widget, then run 2, ...) so a busy moment of the machine hits all widgets alike.  A failure is
    recorded once, not repeated."""
    measurements: list[Measurement] = []
    for size_mib in sizes_mib:
        path = padded_mp4(work, int(size_mib * MIB))
        label = size_label(size_mib)
        pairs = [(s, Measurement("transfer", f"{s.name} @ {label}", "throughput", "MiB/s"),
                  Measurement("transfer", f"{s.name} @ {label}", "kernel peak RSS growth", "MiB"))
                 for s in SUBJECTS]
        for subject, m, mm in pairs:
            m.extra["size_mib"] = mm.extra["size_mib"] = size_mib
            m.extra["widget"] = mm.extra["widget"] = subject.name
        for i in range(runs if size_mib < ONE_RUN_FROM_MIB else 1):
            for subject, m, mm in pairs:
                if m.failure or m.skipped:
                    continue
                if subject.max_mib is not None and size_mib > subject.max_mib:
                    m.skipped = mm.skipped = (f"not run above {size_label(subject.max_mib)}" + (
                        ": it fails from 10 MiB (one message), and at 2 GiB its page never sends at all"
                        if subject.name == "FileUpload" else
                        ": about 10-25 MiB/s here, with the whole file in the kernel's memory"))
                    continue
                r = measure_once(lab, browser, subject, path)
                mm.runs.append(r.rss_growth_mib)
                if r.seconds is None:
                    m.failure = r.failure
                    log(f"  transfer {subject.name:12s} {label:>8s} run {i + 1}: {r.failure}")
                    continue
                m.runs.append(size_mib / r.seconds)
                m.extra.setdefault("cpu", []).append(r.info["cpu"])
                c = r.info["cpu"]
                log(f"  transfer {subject.name:12s} {label:>8s} run {i + 1}: {size_mib / r.seconds:7.1f} "
                    f"MiB/s, kernel RSS +{r.rss_growth_mib:.1f} MiB, CPU s browser {c['browser']:.2f} "
                    f"server {c['server']:.2f} kernel {c['kernel']:.2f}")
        for _, m, mm in pairs:
            measurements += [m, mm]
    return CaseResult("transfer", [_table(measurements, sizes_mib, runs)], measurements)


def cpu_cell(samples: list[dict[str, float]]) -> str:
    """``browser / server / kernel`` CPU seconds, medians over runs."""
    if not samples:
        return "–"
    return " / ".join(f"{statistics.median(s[k] for s in samples):.2f}" for k in ("browser", "server", "kernel"))


def _table(ms: list[Measurement], sizes_mib: list[float], runs: int) -> Table:
    by = {(m.subject, m.metric): m for m in ms}
    rows = []
    for size_mib in sizes_mib:
        label = size_label(size_mib)
        ceiling = by[(f"{CEILING} @ {label}", "throughput")].median
        mine = by[(f"{CHOOSE_MEDIA.name} @ {label}", "throughput")].median
        for subject in SUBJECTS:
            m = by[(f"{subject.name} @ {label}", "throughput")]
            mem = by[(f"{subject.name} @ {label}", "kernel peak RSS growth")]
            name = "ceiling (bare anywidget, 8 MiB messages, no acks/md5)" if subject.name == CEILING else subject.name
            if m.median is None:
                rows.append([label, name, m.failure or m.skipped or "–", "–", "–", fmt(mem.median), "–", ""])
                continue
            rows.append([
                label, name, fmt(m.median),
                f"{m.median / ceiling:.0%}" if ceiling else "–",
                "–" if subject.name == CHOOSE_MEDIA.name else ratio(mine, m.median),
                fmt(mem.median),
                cpu_cell(m.extra.get("cpu", [])),
                spread(m.runs),
            ])
    return Table(
        "Transfer, browser → kernel",
        ["file", "widget", "MiB/s", "of ceiling", "choose-media ÷ this", "kernel peak RSS growth (MiB)",
         "CPU s: browser / server / kernel", f"range of {runs} runs (MiB/s)"],
        rows,
        notes=[
            "Files: a real 1-second MP4 (index first) followed by a `free` box of random bytes, picked with "
            "`DOM.setFileInputFiles`; choose-media with `sizeType=['original']`. Files from "
            f"{size_label(ONE_RUN_FROM_MIB)} up are sent once per widget (the range column is then empty). "
            "Files up to `chunk_size` (9 MiB) travel in one message (`file`), larger ones in 9 MiB chunks.",
            "Clock: from just before the file is set on the input until the kernel holds every byte — "
            "choose-media: length checked and md5 computed at the end of the transfer; FileUpload: `value` set; "
            "ipyuploads: `file_complete` called; ceiling: last chunk written to disk. Each run is a new "
            "notebook, kernel and tab; runs are interleaved across widgets.",
            "CPU s: CPU seconds spent during the transfer (medians) by all Chromium processes, the Jupyter server "
            "process and the kernel process (all threads) — steadier than wall time on a shared machine, and "
            "where the time goes: the 2 cores are shared by all three.",
            "Kernel peak RSS growth: the kernel process's peak RSS during the transfer minus its RSS before it "
            "(the peak is reset first: `5` into `/proc/self/clear_refs`, then read as `VmHWM`, the figure "
            "`ru_maxrss` reports).",
        ],
    )
