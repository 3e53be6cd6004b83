"""Case e (issue 12.2): a typical pick, end to end — nine 12 MP phone photos, from choosing them until their
compressed versions are in Python.

choose-media: the nine files are set on its file input; the page clicks Confirm the moment all nine are
stored (a user would click then); the clock stops when ``w.result`` holds nine compressed files.  Transfer
and compression overlap: each photo is compressed as soon as it is stored, on every core.

Peer: ``ipywidgets.FileUpload(multiple=True)`` plus the loop a user writes with Pillow (open,
``ImageOps.exif_transpose``, ``thumbnail((1920, 1920))``, save JPEG q80), run as soon as ``value`` is set;
the clock stops when the loop ends.  FileUpload sends every file in one message, over the server's 10 MiB
limit for this pick, so it is measured on a second server with the limit raised (what hosted users cannot
do), and once on the default server to show what users there get.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cpu, session
from .cdp import Browser
from .files import MIB, photo_12mp
from .report import CaseResult, Measurement, Table, fmt, ratio, spread
from .session import Lab
from .transfer import cpu_cell

PHOTOS = 9
#: How many photos each pick has: one, the typical nine, and the most Feishu allows (cost against count).
COUNTS: tuple[int, ...] = (1, 9, 20)
#: the raised websocket message limit of the peer's server (tornado's ``websocket_max_message_size``)
RAISED_LIMIT = 256 * MIB


@dataclass(frozen=True)
class PickSubject:
    name: str
    cells: str
    button: str
    click_confirm: bool  # the page clicks Confirm once every file is stored


SUBJECTS: tuple[PickSubject, ...] = (
    PickSubject(
        "choose-media (compressed, the seed's default)",
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(count=20, mediaType=['image'])\nks.watch_pick(w, expected=EXPECTED)\nw",
        ".cm-choose", True,
    ),
    PickSubject(
        "FileUpload + plain Pillow loop",
        "import ipywidgets, tempfile\n"
        "w = ipywidgets.FileUpload(multiple=True, accept='image/*')\n"
        "out_dir = tempfile.mkdtemp()\nks.watch_upload_then_pillow(w, out_dir)\nw",
        ".widget-upload", False,
    ),
)

#: Waits in the page until ``n`` items are stored and Confirm is enabled, clicks it, returns the epoch ms.
_CONFIRM_WHEN_STORED = r"""
async (n) => {
  const root = document.querySelector('.cm-root');
  return await new Promise((resolve, reject) => {
    const t0 = performance.now();
    let timer = 0;
    const observer = new MutationObserver(() => check());
    const check = () => {
      const stored = root.querySelectorAll('.cm-item[data-state="stored"]').length;
      const button = root.querySelector('.cm-confirm');
      const finish = (fn, value) => { observer.disconnect(); clearInterval(timer); fn(value); };
      if (stored >= n && button && !button.disabled) {
        button.click();
        finish(resolve, performance.timeOrigin + performance.now());
      } else if (performance.now() - t0 > 120000) {
        finish(reject, new Error(`only ${stored} of ${n} stored after 120 s`));
      }
    };
    observer.observe(root, {subtree: true, attributes: true, childList: true});
    timer = setInterval(check, 20);
    check();
  });
}
"""


def _photos(work: Path, count: int = PHOTOS) -> list[Path]:
    return [photo_12mp(work, variant=i) for i in range(count)]


def _measure(lab: Lab, browser: Browser, subject: PickSubject, photos: list[Path]) -> dict[str, Any]:
    nb = session.open_notebook(lab, browser, "pick.ipynb", [f"EXPECTED = {len(photos)}", subject.cells])
    try:
        session.wait_selector(nb, subject.button)
        session.kernel_now(nb)
        watch = {"browser": cpu.tree_pids(browser.proc.pid), "server": [lab.proc.pid]}
        nb.eval_json(f"ks.arm({json.dumps(watch)})")
        t0 = session.pick_file(nb, subject.button, photos)
        if subject.click_confirm:
            clicked = session.page(nb).evaluate(_CONFIRM_WHEN_STORED, len(photos), timeout=150) / 1000
        res = session.kernel_wait(nb, "done|failed", timeout=120, interval=0.05)
        marks = res["marks"]
        if "done" not in marks:
            closes = [c for c in session.websocket_closes(nb) if c.get("code") not in (1000, 1001)]
            why = (f"the server dropped the connection (close code {closes[0].get('code')}): all {len(photos)} files "
                   "travel in one message, over its 10 MiB websocket message limit; nothing reached the kernel"
                   if closes else f"nothing in Python after 120 s (marks: {sorted(marks)})")
            return {"failure": why}
        at = res["cpu_at"]
        out = {"seconds": marks["done"] - t0, "info": res["info"],
               "cpu": {role: at["done"][role] - at["arm"][role] for role in ("browser", "server", "kernel")}}
        if "stored_all" in marks:
            out["stored_all"] = marks["stored_all"] - t0
        if "uploaded" in marks:
            out["uploaded"] = marks["uploaded"] - t0
        if subject.click_confirm:
            out["confirm"] = clicked - t0
        return out
    finally:
        try:
            nb.run("ks.cleanup_pick(globals())")
        except Exception:
            pass
        session.close(nb)


def run_case(lab: Lab, browser: Browser, work: Path, runs: int, log: Any = print, *, smoke: bool = False,
             counts: tuple[int, ...] = COUNTS) -> CaseResult:
    """Every count, both widgets, ``runs`` times, interleaved.  ``smoke``: nine photos only, and without the
    row on the default server (a failure by design)."""
    counts = (PHOTOS,) if smoke else counts
    photos = _photos(work, max(counts))
    ms: list[Measurement] = []
    by: dict[tuple[str, int], Measurement] = {}
    for count in counts:
        for subject in SUBJECTS:
            m = Measurement("pick", f"{subject.name} @ {count}", f"{count} photos chosen → compressed in Python", "s")
            m.extra["count"], m.extra["widget"] = count, subject.name
            by[(subject.name, count)] = m
            ms.append(m)
    # (Lab formats its arguments with str.format: braces doubled)
    limit = '{{"websocket_max_message_size": ' + str(RAISED_LIMIT) + '}}'
    raised = Lab.start(extra_args=[f"--ServerApp.tornado_settings={limit}"])
    try:
        for i in range(runs):
            for count in counts:
                for subject in SUBJECTS:
                    m = by[(subject.name, count)]
                    r = _measure(raised, browser, subject, photos[:count])
                    if "failure" in r:
                        m.failure = r["failure"]
                        log(f"  pick {subject.name} ({count}): {m.failure}")
                        continue
                    m.runs.append(r["seconds"])
                    for key in ("stored_all", "uploaded", "confirm"):
                        if key in r:
                            m.extra.setdefault(key, []).append(r[key])
                    m.extra.setdefault("output_bytes", []).append(r["info"].get("output_bytes", 0))
                    m.extra.setdefault("cpu", []).append(r["cpu"])
                    log(f"  pick {subject.name} ({count}) run {i + 1}: {r['seconds']:.2f} s "
                        + " ".join(f"{k} {r[k]:.2f}" for k in ("uploaded", "stored_all", "confirm") if k in r)
                        + " CPU s " + " ".join(f"{k} {v:.2f}" for k, v in r["cpu"].items()))
        if not smoke:
            default_server = Measurement("pick", f"{SUBJECTS[1].name}, server's default message limit @ {PHOTOS}",
                                         f"{PHOTOS} photos chosen → compressed in Python", "s")
            default_server.extra["count"], default_server.extra["widget"] = PHOTOS, default_server.subject
            r = _measure(lab, browser, SUBJECTS[1], photos[:PHOTOS])
            default_server.failure = r.get("failure")
            if r.get("seconds") is not None:
                default_server.runs.append(r["seconds"])
            ms.append(default_server)
    finally:
        raised.stop(check=False)
    sizes = [p.stat().st_size for p in photos]
    return CaseResult("pick", [_table(ms, sizes, runs)], ms)


def _median(values: list[float]) -> float | None:
    import statistics

    return statistics.median(values) if values else None


def _table(ms: list[Measurement], sizes: list[int], runs: int) -> Table:
    mine = {m.extra["count"]: m.median for m in ms if m.extra.get("widget") == SUBJECTS[0].name}
    rows = []
    for m in ms:
        count = m.extra["count"]
        name = m.subject.rsplit(" @ ", 1)[0]
        if m.failure and not m.runs:
            rows.append([str(count), name, m.failure, "–", "–", "–", "–", ""])
            continue
        steps = []
        for key, what in (("uploaded", "files in Python"), ("stored_all", "all stored"), ("confirm", "Confirm clicked")):
            v = _median(m.extra.get(key, []))
            if v is not None:
                steps.append(f"{what} {v:.2f}")
        out = _median(m.extra.get("output_bytes", []))
        first = m.extra.get("widget") == SUBJECTS[0].name
        rows.append([str(count), name, fmt(m.median, 2), "–" if first else ratio(mine.get(count), m.median),
                     "; ".join(steps) or "–", cpu_cell(m.extra.get("cpu", [])), f"{out / 1e6:.1f} MB" if out else "–",
                     spread(m.runs, 2)])
    return Table(
        f"A typical pick: {PHOTOS} phone photos (and 1, 20) chosen → compressed in Python",
        ["photos", "widget", "s (median)", "choose-media time ÷ this", "steps (s after choosing, medians)",
         "CPU s: browser / server / kernel", "output", f"range of {runs} runs (s)"],
        rows,
        notes=[
            f"Different 12 MP JPEGs (4000x3000, q92, EXIF orientation 6, film grain like a phone's sensor), "
            f"{min(sizes) / 1e6:.1f}–{max(sizes) / 1e6:.1f} MB each, set on the file input at once "
            "(`DOM.setFileInputFiles`). Output: long edge 1920 px, JPEG q80.",
            "choose-media: the page clicks Confirm as soon as all are stored (a user clicks then); the clock stops "
            "when `w.result` has every compressed file. Each photo is compressed as soon as it is stored "
            "(`sizeType` includes `compressed`), on a pool of worker threads, while the next ones arrive; its "
            "list thumbnail is made by the kernel from the pixels it decodes to check the file.",
            "Peer: the loop a user writes, run as soon as `value` is set: `Image.open(io.BytesIO(content))`, "
            "`ImageOps.exif_transpose`, `thumbnail((1920, 1920))`, `save(..., 'JPEG', quality=80)`.",
            "CPU s: CPU seconds from choosing to the end (medians), read by the kernel when its clock stopped: "
            "all Chromium processes, the Jupyter server, the kernel (all threads, compression included).",
            f"FileUpload sends every file in one message: it is measured on a second server with "
            f"`websocket_max_message_size` raised to {RAISED_LIMIT // MIB} MiB; the last row is the nine photos "
            "on the default server, as users of hosted notebooks get it.",
        ],
    )
