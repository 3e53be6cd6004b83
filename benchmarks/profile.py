"""Where choose-media's transfer time goes: experiments against the ceiling, in the same run.

Every row is one change to choose-media as shipped (chunk size and window through the widget's own
``chunk_size``/``chunks_in_flight`` traits; the way it was before -- browser md5, round trips around the
chunks, the video poster loaded at once -- or a Web Worker md5 by an experimental front-end build, see
``variants.py``; the kernel's md5 removed or moved to a thread), timed
to the moment the kernel has written the last byte (``bytes``), the same end point as the ceiling's.
Runs are interleaved (run 1 of every row, then run 2, ...) so a busy moment of the machine hits all rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import rawpipe, variants
from .cdp import Browser
from .files import MIB, padded_mp4
from .report import CaseResult, Measurement, Table, fmt, spread
from .session import Lab
from .transfer import SUBJECTS, Subject, choose_media, cpu_cell, measure_once


@dataclass(frozen=True)
class Experiment:
    label: str
    make: Callable[[], Subject]  # may raise VariantUnavailable
    until: str = "bytes"
    small: bool = False  # also run at the small (latency-bound) size
    raw: bool = False  # the bytes are sent by a Python websocket client, not by the page (rawpipe.py)
    read_only: bool = False  # the page only reads the File (as the widget does), nothing is sent


def _variant(name: str, edits: list[variants.Edit], **kw: Any) -> Callable[[], Subject]:
    def make() -> Subject:
        return choose_media(name, esm=variants.build(name, edits), **kw)

    return make


def experiments() -> list[Experiment]:
    ceiling = next(s for s in SUBJECTS if s.name == "ceiling")
    return [
        Experiment("pipe without a browser: Python websocket client → server → kernel, same messages",
                   lambda: ceiling, "verified", raw=True),
        Experiment("ceiling: bare anywidget, 8 MiB messages back to back", lambda: ceiling, "verified", True),
        Experiment("the page only reads the File, in 9 MiB slices as the widget does (nothing sent)",
                   lambda: ceiling, "read", True, read_only=True),
        Experiment("choose-media as shipped: one `file` message up to 9 MiB, else 9 MiB chunks × 4 in flight, "
                   "`begin`/`end` pipelined, no browser md5, video poster after the transfer",
                   lambda: choose_media("shipped"), small=True),
        Experiment("… in chunks (`begin`, chunks, `end`) even when it fits one message (before)",
                   _variant("chunked", variants.ALWAYS_CHUNKED), small=True),
        Experiment("… 9 MiB × 2 in flight", lambda: choose_media("w2", in_flight=2)),
        Experiment("… 9 MiB × 8 in flight", lambda: choose_media("w8", in_flight=8)),
        Experiment("… 4 MiB × 8 in flight", lambda: choose_media("c4", chunk_mib=4, in_flight=8)),
        Experiment("… 2 MiB × 16 in flight", lambda: choose_media("c2", chunk_mib=2, in_flight=16)),
        Experiment("… browser md5 on the page's main thread, sent with `end` (before)",
                   _variant("jsmd5", variants.BROWSER_MD5), small=True),
        Experiment("… browser md5 in a Web Worker reading the File in parallel",
                   _variant("worker", variants.WORKER_MD5)),
        Experiment("… no md5 in the kernel (timing only)", lambda: choose_media("nokmd5", kernel_md5="off")),
        Experiment("… kernel md5 on a background thread", lambda: choose_media("kthread", kernel_md5="thread")),
        Experiment("… video poster loaded at once, during the transfer (before)",
                   _variant("poster", variants.POSTER_AT_ONCE), small=True),
        Experiment("… round trips after `begin` and before `end` (before)",
                   _variant("roundtrips", variants.ROUND_TRIPS), small=True),
        Experiment("… all of the above \"before\" with 4 MiB × 8 in flight: the transfer as it was",
                   _variant("before", variants.BEFORE, chunk_mib=4, in_flight=8), small=True),
    ]


_READ_SLICES = r"""
async (chunk) => {
  const file = window.__benchInput.files[0];
  const t0 = performance.now();
  for (let at = 0; at < file.size; at += chunk) await file.slice(at, at + chunk).arrayBuffer();
  return (performance.now() - t0) / 1000;
}
"""


def read_alone(lab: Lab, browser: Browser, path: Path) -> float:
    """Seconds the page takes only to read ``path`` as the widget reads a file (9 MiB slices, one after another),
    in a notebook tab showing the widget, the bytes then dropped: the page's share of the ceiling."""
    from . import session
    from .transfer import CHOOSE_MEDIA

    nb = session.open_notebook(lab, browser, "profile-read.ipynb", [CHOOSE_MEDIA.cells])
    try:
        session.wait_selector(nb, CHOOSE_MEDIA.button)
        page = session.page(nb)
        # a detached input: the widget never sees the file
        handle = page.evaluate_handle(
            "(() => { const i = document.createElement('input'); i.type = 'file'; return (window.__benchInput = i); })()")
        if handle is None:
            raise RuntimeError("no file input")
        page.set_input_files(handle, [path])
        return float(page.evaluate(_READ_SLICES, 9 * MIB))
    finally:
        session.close(nb)


def breakdown(lab: Lab, browser: Browser, path: Path, runs: int) -> list[str]:
    """Instrumented shipped transfer: what each side spends per file (medians of ``runs``)."""
    subject = choose_media("instrumented", esm=variants.build("timeline", []), detail=True)
    rows: list[dict[str, float]] = []
    for _ in range(runs):
        r = measure_once(lab, browser, subject, path, name="profile-breakdown")
        bt = r.info.get("browser_timeline", [])
        reads = [t for w, t in bt if w == "read"]
        md5s = [t for w, t in bt if w == "md5"]
        sents = [t for w, t in bt if w == "sent"]
        kernel = r.info.get("timeline", [])
        row = {
            "begin": r.phases.get("begin", 0.0),
            "first_read": reads[0] if reads else float("nan"),
            "js_md5": sum(m - rd for rd, m in zip(reads, md5s, strict=False)),
            "first_sent": sents[0] if sents else float("nan"),
            "last_sent": sents[-1] if sents else float("nan"),
            "first_arrival": kernel[0][1] if kernel else float("nan"),
            "kernel_busy": sum(d for _, _, d in kernel),
            "write": r.info.get("write_s", 0.0),
            "md5": r.info.get("md5_s", 0.0),
            "ack": r.info.get("ack_s", 0.0),
            "bytes": r.phases.get("bytes", float("nan")),
            "verified": r.phases.get("verified", float("nan")),
            "stored": r.phases.get("stored", float("nan")),
        }
        rows.append(row)
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    size_mib = path.stat().st_size / MIB
    ms = {k: v * 1000 for k, v in med.items()}
    return [
        f"Instrumented shipped transfer of {size_mib:g} MiB (medians of {runs}; ms after the file was set): "
        f"`begin` handled in the kernel at {ms['begin']:.0f}; first chunk read by the browser at "
        f"{ms['first_read']:.0f}, sent at {ms['first_sent']:.0f}, handled by the kernel at {ms['first_arrival']:.0f}; "
        f"last chunk sent at {ms['last_sent']:.0f}; last byte on disk at {ms['bytes']:.0f}; length checked and md5 computed at "
        f"{ms['verified']:.0f}; recognised (ffmpeg probe) and reported at {ms['stored']:.0f}.",
        f"Browser main thread hashing (JS md5): {ms['js_md5']:.0f} ms in all ({size_mib / med['js_md5']:.0f} MiB/s)."
        if med["js_md5"] > 0 else "",
        f"Kernel main thread busy with chunks: {ms['kernel_busy']:.0f} ms "
        f"(md5 {ms['md5']:.0f}, file writes {ms['write']:.0f}, acks {ms['ack']:.0f}).",
    ]


def run_case(lab: Lab, browser: Browser, work: Path, sizes_mib: list[float], runs: int,
             log: Any = print) -> CaseResult:
    """The experiments at each size (at the smallest only those marked ``small``); the breakdown at the largest."""
    tables: list[Table] = []
    found: list[Measurement] = []
    for size in sizes_mib:
        small = size == min(sizes_mib) and len(sizes_mib) > 1
        exps = [e for e in experiments() if e.small or not small]
        t, ms = _one_size(lab, browser, work, size, runs, exps, log, breakdown_too=size == max(sizes_mib))
        tables.append(t)
        found += ms
    return CaseResult("profile", tables, found)


def _one_size(lab: Lab, browser: Browser, work: Path, size_mib: float, runs: int, exps: list[Experiment],
              log: Any, *, breakdown_too: bool) -> tuple[Table, list[Measurement]]:
    path = padded_mp4(work, int(size_mib * MIB))
    subjects: dict[str, Subject | str] = {}
    for e in exps:
        try:
            subjects[e.label] = e.make()
        except variants.VariantUnavailable as exc:
            subjects[e.label] = str(exc)
    found: dict[str, Measurement] = {
        e.label: Measurement("profile", f"{e.label} @ {size_mib:g} MiB", f"throughput to '{e.until}'", "MiB/s")
        for e in exps
    }
    for i in range(runs):
        for e in exps:
            subject = subjects[e.label]
            m = found[e.label]
            if isinstance(subject, str):
                m.skipped = subject
                continue
            if e.read_only:
                seconds = read_alone(lab, browser, path)
                m.runs.append(size_mib / seconds)
                log(f"  profile {e.label[:60]:60s} run {i + 1}: {size_mib / seconds:7.1f} MiB/s")
                continue
            r = (rawpipe.measure_once(lab, browser, path) if e.raw
                 else measure_once(lab, browser, subject, path, name="profile"))
            t = r.phases.get(e.until)
            if t is None:
                m.failure = r.failure or f"no '{e.until}' mark"
                continue
            m.runs.append(size_mib / t)
            m.extra.setdefault("cpu", []).append(r.info["cpu"])
            if "verified" in r.phases and e.until != "verified":
                m.extra.setdefault("verified_mib_s", []).append(size_mib / r.phases["verified"])
            log(f"  profile {e.label[:60]:60s} run {i + 1}: {size_mib / t:7.1f} MiB/s")
    ceiling = next(found[e.label].median for e in exps if e.label.startswith("ceiling"))
    rows = []
    for e in exps:
        m = found[e.label]
        verified = m.extra.get("verified_mib_s")
        rows.append([
            e.label,
            fmt(m.median) if m.runs else (m.skipped or m.failure or "–"),
            f"{m.median / ceiling:.0%}" if m.median and ceiling else "–",
            fmt(statistics.median(verified)) if verified else "–",
            cpu_cell(m.extra.get("cpu", [])),
            spread(m.runs),
        ])
    notes = [
        f"{size_mib:g} MiB file; every row a new notebook, kernel and tab; rows interleaved run by run.",
        "\"to last byte\": until the kernel wrote the file's last byte (the ceiling's own end point); \"verified\": "
        "until the length was checked and the md5 computed (what the transfer table reports).",
        "CPU s: CPU seconds during the transfer (medians) of all Chromium processes, the Jupyter server process "
        "and the kernel process. With 2 shared cores, CPU is what limits throughput; wall-clock rows within a "
        "few tens of percent of each other are within the noise of a busy machine, the CPU columns are steadier.",
    ]
    def median_of(prefix: str) -> float | None:
        return next((found[e.label].median for e in exps if e.label.startswith(prefix)), None)

    read, pipe = median_of("the page only reads"), median_of("pipe without a browser")
    if read and pipe and ceiling:
        notes.append(
            f"Why the ceiling stands where it does: the same messages without a browser move at {fmt(pipe)} MiB/s, "
            f"and the page alone reads the File at {fmt(read)} MiB/s; page → server → kernel, the ceiling is "
            f"{fmt(ceiling)} MiB/s: the browser's File read and its websocket framing, on the 2 cores the server "
            "and the kernel share, set it, not the protocol. A faster path would have to skip the kernel's "
            "websocket: an HTTP upload to a server extension, which Voilà, marimo and hosted notebooks do not "
            "load, so choose-media keeps the one path that works on every host.")
    if breakdown_too:
        try:
            notes += [n for n in breakdown(lab, browser, path, runs) if n]
        except variants.VariantUnavailable as exc:
            notes.append(f"No breakdown: {exc}")
    table = Table(
        f"Transfer profile: where choose-media's time goes ({size_mib:g} MiB)",
        ["experiment", "MiB/s to last byte", "of ceiling", "MiB/s verified", "CPU s: browser / server / kernel",
         f"range of {runs} runs"],
        rows, notes,
    )
    return table, list(found.values())
