"""Case d (issue 7.4): cell run → usable widget, and the front-end each widget ships.

Each run is a new notebook, kernel and tab; the imports run first (untimed), then the page runs the
display cell (``notebook:run-cell``) and a MutationObserver plus a 4 ms timer in the page note when the
widget is first visible and when it is usable.  The bundle sizes are the files the page actually
loaded (``performance.getEntriesByType('resource')``) from each JupyterLab extension, measured on disk,
raw and ``gzip -9``; choose-media's own code travels in the widget's state (anywidget), so it is
``widget.js`` + ``widget.css``.
"""

from __future__ import annotations

import gzip
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import session
from .cdp import Browser
from .report import CaseResult, Measurement, Table, fmt, ratio, spread
from .session import Lab

MANAGER = "@jupyter-widgets/jupyterlab-manager"
_STATIC = Path(__import__("choose_media").__file__).parent / "static"
_REPO = Path(__file__).resolve().parent.parent
NO_CAMERA_BUNDLE = "widget-without-camera.js"  # built in the work dir by ``build_without_camera``
_EMPTY_ANYWIDGET = (
    "import anywidget\n"
    "class EmptyWidget(anywidget.AnyWidget):\n"
    "    _esm = \"export default { render({ el }) { el.className = 'bare-anywidget'; "
    "el.append(Object.assign(document.createElement('button'), {textContent: 'Choose'})); } };\"\n"
)


@dataclass(frozen=True)
class LoadSubject:
    name: str
    setup: str  # untimed: imports
    cell: str  # timed: creates and displays the widget
    visible: str  # selector inside the cell: the widget's root element
    usable: str  # JS expression of ``root`` (the cell node): true when it can be used
    extensions: tuple[str, ...]  # JupyterLab extensions holding its front-end (besides the manager)
    own_files: tuple[Path, ...] = ()  # relative ones: in the server's root folder
    anywidget: bool = False  # its own code travels in the widget's state, the extension is the runtime


_SHOWN = "(el) => !!el && el.getBoundingClientRect().height > 0"
SUBJECTS: tuple[LoadSubject, ...] = (
    LoadSubject("choose-media", "from choose_media import ChooseMediaWidget", "ChooseMediaWidget()",
                ".cm-root", f"({_SHOWN})(root.querySelector('.cm-choose'))", ("anywidget",),
                (_STATIC / "widget.js", _STATIC / "widget.css"), True),
    LoadSubject("FileUpload", "import ipywidgets", "ipywidgets.FileUpload()", ".widget-upload",
                f"({_SHOWN})(root.querySelector('.widget-upload'))", (MANAGER,)),
    LoadSubject("ipyuploads", "import ipyuploads", "ipyuploads.Upload()", ".widget-upload",
                f"({_SHOWN})(root.querySelector('.widget-upload'))", ("@g2nb/ipyuploads",)),
    LoadSubject("choose-media, album only", "from choose_media import ChooseMediaWidget",
                "ChooseMediaWidget(sourceType=['album'])", ".cm-root", f"({_SHOWN})(root.querySelector('.cm-choose'))",
                ("anywidget",), (_STATIC / "widget.js", _STATIC / "widget.css"), True),
    LoadSubject("anywidget, an empty widget (one button): the floor for any anywidget", _EMPTY_ANYWIDGET,
                "EmptyWidget()", ".bare-anywidget", f"({_SHOWN})(root.querySelector('.bare-anywidget button'))",
                ("anywidget",), (), True),
    LoadSubject("experiment: choose-media with its camera code left out of the bundle",
                "from choose_media import ChooseMediaWidget\nimport pathlib\n"
                "class AlbumOnly(ChooseMediaWidget):\n"
                f"    _esm = pathlib.Path({NO_CAMERA_BUNDLE!r}).read_text()\n",
                "AlbumOnly(sourceType=['album'])", ".cm-root", f"({_SHOWN})(root.querySelector('.cm-choose'))",
                ("anywidget",), (Path(NO_CAMERA_BUNDLE), Path(NO_CAMERA_BUNDLE).with_suffix(".css")), True),
    LoadSubject("choose-media, camera (first frame)", "from choose_media import ChooseMediaWidget",
                "ChooseMediaWidget(sourceType=['camera'])", ".cm-root",
                "(() => { const v = root.querySelector('video.cm-cam-preview');"
                " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()", ("anywidget",),
                (_STATIC / "widget.js", _STATIC / "widget.css"), True),
    LoadSubject("ipywebrtc CameraStream at choose-media's constraints (first frame)", "from ipywebrtc import CameraStream",
                "CameraStream(constraints={'audio': False, 'video': {'facingMode': {'ideal': 'user'},"
                " 'width': {'ideal': 1920}, 'height': {'ideal': 1080}}})", "video",
                "(() => { const v = root.querySelector('video');"
                " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()", ("jupyter-webrtc",)),
    LoadSubject("ipywebrtc CameraStream.facing_user() default, 640x480 (first frame)", "from ipywebrtc import CameraStream",
                "CameraStream.facing_user(audio=False)", "video",
                "(() => { const v = root.querySelector('video');"
                " return !!v && v.readyState >= 2 && v.videoWidth > 0; })()", ("jupyter-webrtc",)),
)

CAMERA = next(s for s in SUBJECTS if s.name == "choose-media, camera (first frame)")

_TIME_CELL = r"""
async ({path, index, visible, usable, timeout}) => {
  const app = window.jupyterapp;
  const panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === path);
  const notebook = panel.content;
  notebook.activeCellIndex = index;
  const root = notebook.widgets[index].node;
  const isUsable = new Function('root', 'return (' + usable + ');');
  const shown = (el) => !!el && el.getBoundingClientRect().height > 0;
  const t0 = performance.now();
  let seen = null;
  app.commands.execute('notebook:run-cell');
  return await new Promise((resolve, reject) => {
    let timer = 0;
    const observer = new MutationObserver(() => check());
    const check = () => {
      const now = performance.now();
      if (seen === null && shown(root.querySelector(visible))) seen = now - t0;
      let ok = false;
      try { ok = seen !== null && isUsable(root); } catch (e) { ok = false; }
      if (ok || now - t0 > timeout) {
        observer.disconnect();
        clearInterval(timer);
        if (ok) resolve({visible: seen, usable: now - t0});
        else reject(new Error('not usable after ' + timeout + ' ms (visible: ' + seen + ')'));
      }
    };
    observer.observe(root, {subtree: true, childList: true, attributes: true});
    timer = setInterval(check, 4);
    check();
  });
}
"""


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 9, mtime=0))


def _labextension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    dirs = [Path(p) for p in jupyter_path("labextensions")]
    dirs.append(Path(sys.prefix) / "share" / "jupyter" / "labextensions")
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def _loaded_files(urls: list[str], extension: str) -> list[Path]:
    prefix = f"/lab/extensions/{extension}/"
    found: list[Path] = []
    for url in urls:
        path = urllib.parse.unquote(urllib.parse.urlparse(url).path)
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        for d in _labextension_dirs():
            f = d / extension / rel
            if f.is_file():
                found.append(f)
                break
    return sorted(set(found))


def _sizes(files: list[Path]) -> tuple[int, int]:
    raw = gz = 0
    for f in files:
        data = f.read_bytes()
        raw += len(data)
        gz += _gz(data)
    return raw, gz


def _bundle(subject: LoadSubject, urls: list[str], root: Path) -> dict[str, tuple[int, int]]:
    ext_files = [f for e in subject.extensions for f in _loaded_files(urls, e)]
    own = [f if f.is_absolute() else root / f for f in subject.own_files]
    return {
        "own": _sizes([f for f in own if f.is_file()]) if subject.anywidget else _sizes(ext_files),
        "runtime": _sizes(ext_files) if subject.anywidget else (0, 0),
        "manager": _sizes(_loaded_files(urls, MANAGER)) if MANAGER not in subject.extensions else (0, 0),
    }


def _time(nb: Any, index: int, subject: LoadSubject) -> dict[str, float]:
    return session.page(nb).evaluate(_TIME_CELL, {  # type: ignore[no-any-return]
        "path": nb.name, "index": index, "visible": subject.visible, "usable": subject.usable, "timeout": 30_000,
    })


def build_without_camera(folder: Path) -> str | None:
    """The experiment's bundle: ``js/`` with the camera source replaced by a stub, bundled as
    ``npm run build`` does, into ``folder``; why not, if it cannot be built here."""
    import shutil
    import subprocess
    import tempfile

    esbuild = _REPO / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        return "not run: no node_modules/.bin/esbuild (npm ci)"
    with tempfile.TemporaryDirectory() as tmp:
        js = Path(tmp) / "js"
        shutil.copytree(_REPO / "js", js)
        (js / "camera" / "view.js").write_text(
            "export function createCameraSource() {\n"
            "  return { el: document.createElement('div'), sync() {}, dispose() {} };\n}\n")
        done = subprocess.run([str(esbuild), str(js / "widget.js"), "--bundle", "--format=esm", "--target=es2020",
                               "--minify", f"--outfile={folder / NO_CAMERA_BUNDLE}"],
                              capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else f"not run: esbuild failed: {done.stderr.strip()[:200]}"


def run_case(lab: Lab, browser: Browser, runs: int, log: Any = print, *, shared: bool = False) -> CaseResult:
    """``shared`` (smoke mode): all widgets in one notebook, one after another — faster, but only the
    first is a cold load; the figures are for checking the harness, not for the README."""
    ms: list[Measurement] = []
    sizes: dict[str, dict[str, tuple[int, int]]] = {}
    pairs = []
    no_camera = build_without_camera(lab.root_dir)
    for subject in SUBJECTS:
        m = Measurement("load", subject.name, "cell run → usable", "ms")
        mv = Measurement("load", subject.name, "cell run → visible", "ms")
        ms += [m, mv]
        if subject.name.startswith("experiment") and no_camera:
            m.skipped = mv.skipped = no_camera
            continue
        pairs.append((subject, m, mv))
    groups = [pairs] if shared else [[p] for p in pairs]
    for _ in range(runs):  # interleaved: a busy moment of the machine hits every widget alike
        for group in groups:
            setup = "\n".join(dict.fromkeys(s.setup for s, _, _ in group))
            nb = session.open_notebook(lab, browser, "load.ipynb", [setup, *(s.cell for s, _, _ in group)], run=False)
            try:
                nb.run(session.PRELUDE + "\n" + setup)
                for k, (subject, m, mv) in enumerate(group):
                    if m.failure or m.skipped:
                        continue
                    try:
                        t = _time(nb, 2 + k, subject)
                    except Exception as exc:
                        m.failure = str(exc).splitlines()[0][:200]
                        log(f"  load {subject.name}: {m.failure}")
                        continue
                    m.runs.append(t["usable"])
                    mv.runs.append(t["visible"])
                    log(f"  load {subject.name}: visible {t['visible']:.0f} ms, usable {t['usable']:.0f} ms")
                    if subject.name not in sizes:
                        urls = session.page(nb).evaluate(
                            "performance.getEntriesByType('resource').map(e => e.name)") or []
                        sizes[subject.name] = m.extra["bundle"] = _bundle(subject, urls, lab.root_dir)
            finally:
                session.close(nb)
    return CaseResult("load", [_table(ms, sizes, runs)], ms)


def _kb(n: int) -> str:
    return f"{n / 1000:.0f} KB" if n >= 1000 else f"{n} B"


def _table(ms: list[Measurement], sizes: dict[str, dict[str, tuple[int, int]]], runs: int) -> Table:
    by = {(m.subject, m.metric): m for m in ms}
    mine = {False: by[(SUBJECTS[0].name, "cell run → usable")].median,
            True: by[(CAMERA.name, "cell run → usable")].median}
    rows = []
    for s in SUBJECTS:
        m, mv = by[(s.name, "cell run → usable")], by[(s.name, "cell run → visible")]
        camera = "first frame" in s.name
        own = sizes.get(s.name, {}).get("own", (0, 0))
        runtime = sizes.get(s.name, {}).get("runtime", (0, 0))
        manager = sizes.get(s.name, {}).get("manager", (0, 0))
        total_gz = own[1] + runtime[1] + manager[1]
        is_mine = s.name.startswith("choose-media")
        rows.append([
            s.name,
            fmt(mv.median, 0) if mv.runs else (m.failure or m.skipped or "–"),
            fmt(m.median, 0) if m.runs else "–",
            "–" if is_mine else ratio(mine[camera], m.median),
            f"{_kb(own[0])} / {_kb(own[1])}" if own[0] else "–",
            _kb(runtime[1]) if runtime[0] else "–",
            _kb(total_gz) if total_gz else "–",
            spread(m.runs, 0),
        ])
    return Table(
        "Load: cell run → usable widget, and shipped front-end",
        ["widget", "→ visible (ms)", "→ usable (ms)", "choose-media time ÷ this", "own front-end: bytes / gzip -9",
         "+ extension runtime (gzip -9)", "total incl. ipywidgets manager (gzip -9)", f"range of {runs} runs (ms)"],
        rows,
        notes=[
            "Visible: the widget's root element has a size; usable: the choose button is visible, or for cameras "
            "the first frame is in the `<video>`. From `notebook:run-cell` (imports already done), in a new "
            "notebook, kernel and tab each run; runs interleaved across widgets; the camera rows are compared "
            "with choose-media's camera, which asks for 1920x1080 (an `ideal`, with the facing mode): the first "
            "ipywebrtc row asks for the same, the second is its default (640x480, which Chromium's fake camera "
            "starts faster).",
            "Front-end: files the page loaded from the widget's JupyterLab extension (FileUpload lives in the "
            "ipywidgets manager itself) plus, for choose-media, its anywidget ESM and CSS; \"runtime\" is the "
            "anywidget extension; the total adds the ipywidgets manager files loaded in that page.",
            "The floor: an anywidget whose `render` adds one button, what every anywidget pays before its own "
            "code runs (the ESM travels in the widget's state and is imported from a blob URL). The experiment: "
            "`js/` bundled at the start of this run with `camera/view.js` replaced by a stub, shown album-only; "
            "compare it with the \"album only\" row, which runs the shipped bundle: the difference is what the "
            "camera code costs a widget that never opens the camera.",
        ],
    )

