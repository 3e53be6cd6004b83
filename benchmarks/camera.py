"""Cases b and c (issue 7.2, 7.3): photo capture latency and live frames, on Chromium's fake camera.

Both widgets see the same fake device (``--use-fake-device-for-media-stream``, allowed by
``--use-fake-ui-for-media-stream``).  To adapt to a changed camera UI, edit the ``CameraSubject``
constants below: the cell, how to tell the camera is ready, the shutter's selector, the kernel mark.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

from . import session
from .cdp import Browser
from .report import CaseResult, Measurement, Table, fmt, ratio, spread
from .session import Lab


@dataclass(frozen=True)
class CameraSubject:
    name: str
    cells: str  # displays the widget
    ready: str  # page JS expression, true when the shutter can be pressed / frames can flow
    shutter: str = ""  # selector of what the user clicks to take a photo
    done: str = "image"  # kernel mark that says the photo is in the kernel
    kernel_ready: str = "True"  # kernel expression, true when the next shot may be taken
    start: str = ""  # kernel code that starts the frames (when the cell alone does not)


# -- photo: shutter click → photo in the kernel ------------------------------------------------------
PHOTO_SUBJECTS: tuple[CameraSubject, ...] = (
    CameraSubject(
        "choose-media",
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(sourceType=['camera'], mediaType=['image'], sizeType=['original'])\n"
        "ks.watch_choose_media(w)\nw",
        ready="(() => { const b = document.querySelector('.cm-cam-shutter');"
              " return !!b && !b.disabled && !b.hidden && b.offsetParent !== null; })()",
        shutter=".cm-cam-shutter",
        done="stored",  # the photo arrived whole (length checked, md5 computed) and was recognised, before Confirm
    ),
    CameraSubject(
        "ipywebrtc ImageRecorder",
        "from ipywebrtc import CameraStream, ImageRecorder\n"
        "cam = CameraStream(constraints={'audio': False, 'video': {'width': {'ideal': 1920}, 'height': {'ideal': 1080}}})\n"
        "rec = ImageRecorder(stream=cam, format='jpeg')\n"
        "ks.watch_image_recorder(rec)\nrec",
        ready="!!document.querySelector('.widget-play button')",
        shutter=".widget-play button",  # the first button: toggles `recording`, True takes a snapshot
        done="image",
        kernel_ready="not rec.recording",  # the page resets it after each snapshot
    ),
)

# -- live frames at 640x480 ------------------------------------------------------------------------
FRAME_SUBJECTS: tuple[CameraSubject, ...] = (
    CameraSubject(
        "choose-media on_frame(fps=30, size=(640, 480))",
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(sourceType=['camera'], mediaType=['image'])\n"
        "w.on_frame(ks.on_frames(w), fps=30, size=(640, 480))\nw",
        ready="(() => { const v = document.querySelector('video.cm-cam-preview');"
              " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()",
    ),
    CameraSubject(
        "choose-media on_frame(fps=30, size=(640, 480), format='jpeg')",
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(sourceType=['camera'], mediaType=['image'])\n"
        "w.on_frame(ks.on_frames(w), fps=30, size=(640, 480), format='jpeg')\nw",
        ready="(() => { const v = document.querySelector('video.cm-cam-preview');"
              " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()",
    ),
    CameraSubject(
        "choose-media on_frame(fps=30, size=(1280, 720))",
        "from choose_media import ChooseMediaWidget\n"
        "w = ChooseMediaWidget(sourceType=['camera'], mediaType=['image'])\n"
        "w.on_frame(ks.on_frames(w), fps=30, size=(1280, 720))\nw",
        ready="(() => { const v = document.querySelector('video.cm-cam-preview');"
              " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()",
    ),
    CameraSubject(
        "ipywebrtc ImageRecorder, re-armed from Python",
        "from ipywebrtc import CameraStream, ImageRecorder\n"
        "cam = CameraStream(constraints={'audio': False, 'video': {'width': 640, 'height': 480}})\n"
        "rec = ImageRecorder(stream=cam, format='jpeg')\n"
        "ks.watch_image_recorder(rec, rearm=True)\nrec",
        ready="!!document.querySelector('.widget-play button')",
        start="rec.recording = True",
    ),
)


def _open(lab: Lab, browser: Browser | _ProbedBrowser, subject: CameraSubject, name: str, m: Measurement, log: Any) -> Any:
    """The subject's notebook once its camera is ready; None (and ``m.failure`` says why) when it never is."""
    nb = session.open_notebook(lab, browser, name, [subject.cells])
    try:
        session.page(nb).wait_for_function(f"() => {subject.ready}", timeout=20_000)
    except TimeoutError:
        session.close(nb)
        m.failure = f"not ready within 20 s (waited for: {subject.ready})"
        log(f"  {m.case} {subject.name}: {m.failure}")
        return None
    except BaseException:
        session.close(nb)
        raise
    return nb


def _click(nb: Any, selector: str) -> float:
    t0 = time.time()
    session.page(nb).evaluate(f"document.querySelector({json.dumps(selector)}).click()")
    return t0


#: How long the benchmark's finger stays on the shutter (a quick tap; real taps last about 50-150 ms).
HOLD_S = 0.1


def _press(nb: Any, selector: str, hold: float = HOLD_S) -> float:
    """A real left-button press and release at the shutter's centre (``Input.dispatchMouseEvent``, as a user's
    tap), ``hold`` seconds apart; returns the time of the press: the moment the user takes the photo."""
    page = session.page(nb)
    box = page.evaluate(
        f"(() => {{ const b = document.querySelector({json.dumps(selector)}); b.scrollIntoView({{block: 'center'}});"
        " const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    x, y = box
    page.cdp.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    t0 = time.time()
    page.cdp.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
    time.sleep(hold)
    page.cdp.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)
    return t0


#: How the shutter is pressed: a JS ``click()`` (the pipeline alone), or a real tap (the user's shutter lag).
PRESS_MODES: tuple[tuple[str, str], ...] = (
    ("tap", f"tap (press, release {HOLD_S * 1000:.0f} ms later) → photo in the kernel"),
    ("click", "JS click() → photo in the kernel"),
)


def photo_case(lab: Lab, browser: Browser, shots: int, log: Any = print) -> CaseResult:
    """One notebook per widget; one untimed shot (opens the camera path), then ``shots`` timed ones per way of
    pressing the shutter, alternating."""
    ms: dict[tuple[str, str], Measurement] = {}
    for subject in PHOTO_SUBJECTS:
        for mode, metric in PRESS_MODES:
            ms[(subject.name, mode)] = Measurement("photo", subject.name, metric, "ms")
        nb = _open(lab, _ProbedBrowser(browser), subject, "photo.ipynb", ms[(subject.name, "tap")], log)
        if nb is None:
            ms[(subject.name, "click")].failure = ms[(subject.name, "tap")].failure
            continue
        try:
            for i in range(2 * shots + 1):
                mode = PRESS_MODES[i % 2][0]
                m = ms[(subject.name, mode)]
                session.page(nb).wait_for_function(f"() => {subject.ready}", timeout=20_000)
                nb.wait_for(subject.kernel_ready, timeout=20)
                time.sleep(0.3)  # the page settles after the last shot (as a user between two photos)
                session.kernel_now(nb)
                nb.eval_json("ks.arm()")
                t0 = _press(nb, subject.shutter) if mode == "tap" else _click(nb, subject.shutter)
                res = session.kernel_wait(nb, subject.done, timeout=30, interval=0.02)
                if subject.done not in res["marks"]:
                    m.failure = f"no photo in the kernel 30 s after the {mode} (marks: {sorted(res['marks'])})"
                    break
                if i == 0:
                    continue  # warm-up
                m.runs.append((res["marks"][subject.done] - t0) * 1000)
                log(f"  photo {subject.name} ({mode}): {m.runs[-1]:.0f} ms")
                step = _photo_steps(nb, t0, res["marks"])
                if step:
                    m.extra.setdefault("steps", []).append(step)
            photo = nb.eval_json("ks.last_photo(globals())")
            for mode, _ in PRESS_MODES:
                ms[(subject.name, mode)].extra["photo"] = photo
        finally:
            session.close(nb)
    rows = []
    for mode, metric in PRESS_MODES:
        mine = ms[(PHOTO_SUBJECTS[0].name, mode)].median
        for subject in PHOTO_SUBJECTS:
            m = ms[(subject.name, mode)]
            rows.append([subject.name, metric.split(" → ")[0], _value(m, 0),
                         "–" if subject is PHOTO_SUBJECTS[0] else ratio(mine, m.median), _photo(m), spread(m.runs, 0)])
    table = Table(
        "Photo capture: shutter → photo in the kernel",
        ["widget", "shutter", "ms (median)", "choose-media time ÷ this", "photo", f"range of {shots} shots (ms)"],
        rows,
        notes=[
            f"Chromium's fake camera; one untimed shot first, then {shots} timed ones of each way, alternating, in "
            "the same notebook. Tap: a real left-button press and release (`Input.dispatchMouseEvent`) "
            f"{HOLD_S * 1000:.0f} ms apart, timed from the press, the moment the user takes the photo: "
            "choose-media takes the frame when the shutter goes down and encodes it while the finger is on it, "
            "as camera apps do; ipywebrtc takes it on the click (the release). JS click(): the pipeline alone.",
            "choose-media: until the JPEG arrived whole in the kernel (length checked, md5 computed, recognised), "
            "before Confirm. ipywebrtc: until `rec.image.value` changed in the kernel. Both ask the camera for "
            "1920x1080 (choose-media's default; set on ipywebrtc's CameraStream) and encode JPEG.",
            *([n for n in (_steps_note(ms[(PHOTO_SUBJECTS[0].name, "click")]),) if n]),
        ],
    )
    return CaseResult("photo", [table], list(ms.values()))


def frames_case(lab: Lab, browser: Browser, seconds: float, runs: int, log: Any = print) -> CaseResult:
    ms: list[Measurement] = []
    for subject in FRAME_SUBJECTS:
        m = Measurement("frames", subject.name, "frames per second reaching Python", "fps")
        ms.append(m)
        for _ in range(runs):
            nb = _open(lab, browser, subject, "frames.ipynb", m, log)
            if nb is None:
                break
            try:
                session.kernel_now(nb)  # the polling subshell exists before the baseline
                nb.eval_json("ks.arm()")
                if subject.start:
                    nb.run(subject.start)
                first = session.kernel_wait(nb, "image", timeout=20, interval=0.05)
                if "image" not in first["marks"]:
                    m.failure = "no frame reached Python within 20 s"
                    break
                time.sleep(seconds)
                last = session.kernel_now(nb)
                frames = last["counts"].get("frames", 0) - first["counts"].get("frames", 0)
                fps = frames / (last["now"] - first["now"])
                m.runs.append(fps)
                m.extra["frame"] = last["info"].get("shape") or nb.eval_json("ks.last_photo(globals())")
                log(f"  frames {subject.name}: {fps:.1f} fps ({frames} in {last['now'] - first['now']:.1f} s)")
            finally:
                nb.run("ks.INFO['rearm'] = False")
                session.close(nb)
    mine = ms[0].median
    rows = [[m.subject, _value(m, 1), "–" if m is ms[0] else ratio(mine, m.median), _photo(m, "frame"),
             spread(m.runs)] for m in ms]
    table = Table(
        "Live frames reaching Python",
        ["widget", "fps (median)", "choose-media ÷ this", "frame", f"range of {runs} runs"],
        rows,
        notes=[f"Frames counted by a Python callback over {seconds:g} s after the first one, fake camera, "
               "a new notebook per run. ipywebrtc has no frame stream: its ImageRecorder is asked for the "
               "next snapshot from Python each time one arrives."],
    )
    return CaseResult("frames", [table], ms)


#: The last shot's page-side timings, from the test-side probe (``harness.CAMERA_PROBE_JS``): the click, the JPEG
#: encoded (``takePhoto`` answered or the canvas ``toBlob`` done), and how the page took it.
_PHOTO_PROBE = "(() => globalThis.__cmProbe?.lastPhoto() ?? null)()"


class _ProbedBrowser:
    """The browser, whose new tabs run ``harness.CAMERA_PROBE_JS`` before any page script (the shipped
    bundle has no timing hooks). Only ``new_page`` differs; the tabs are the real browser's."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    def new_page(self, url: str = "about:blank") -> Any:
        page = self._browser.new_page(url)
        page.cdp.call("Page.addScriptToEvaluateOnNewDocument", source=session.harness.CAMERA_PROBE_JS)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def _photo_steps(nb: Any, t0: float, marks: dict[str, float]) -> dict[str, Any] | None:
    """For choose-media: ms from the click to the JPEG encoded in the page, to the transfer's ``begin`` and
    last byte in the kernel, to ``stored``; and how the page took the photo."""
    try:
        p = session.page(nb).evaluate(_PHOTO_PROBE)
        origin = session.page(nb).evaluate("performance.timeOrigin")
    except Exception:
        return None
    if not p or not p.get("encoded") or "begin" not in marks:
        return None
    return {
        "method": p.get("method", ""),
        "encoded": (origin + p["encoded"]) / 1000 - t0,
        "begin": marks["begin"] - t0,
        "bytes": marks.get("bytes", float("nan")) - t0,
        "verified": marks.get("verified", float("nan")) - t0,
        "stored": marks.get("stored", float("nan")) - t0,
    }


def _steps_note(m: Measurement) -> str:
    steps = m.extra.get("steps")
    if not steps:
        return ""
    med = {k: statistics.median(s[k] for s in steps) * 1000 for k in ("encoded", "begin", "bytes", "verified", "stored")}
    return (f"choose-media's shot by JS click(), step by step (medians, ms after the click): photo encoded in the page "
            f"({steps[-1]['method']}) {med['encoded']:.0f}; its one message (`file`) in the kernel {med['begin']:.0f}; "
            f"last byte in the kernel {med['bytes']:.0f}; length checked, md5 computed {med['verified']:.0f}; "
            f"recognised and reported {med['stored']:.0f}.")


def _value(m: Measurement, digits: int) -> str:
    if m.median is not None:
        return fmt(m.median, digits)
    return m.skipped or m.failure or "–"


def _photo(m: Measurement, key: str = "photo") -> str:
    p = m.extra.get(key)
    if isinstance(p, list) and len(p) >= 2:
        return f"{p[0]}x{p[1]}" + (f", {p[2] / 1024:.0f} KiB" if len(p) > 2 and p[2] else "")
    return "–"
