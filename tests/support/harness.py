"""Real-browser test harness: JupyterLab server, Chromium (Playwright), notebook sessions.

Used by ``tests/browser/conftest.py``; importable on its own for scripts and benchmarks::

    lab = Lab.start()
    ...
    lab.stop()

Everything binds to 127.0.0.1.  Nothing is written outside a fresh temp directory
(JupyterLab settings, workspaces, runtime dir, kernelspec, config and IPython dirs are all
redirected there through environment variables).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHOOSE_MEDIA_CHROMIUM", "/usr/bin/chromium")

#: Chromium's fake camera at 30 fps, as webcams and phones: this Chromium's otherwise runs at 20 (capabilities: max 20).
FAKE_CAMERA = "--use-fake-device-for-media-stream=fps=30"
#: Flags used for every browser unless a test asks for others (see ``launch_browser``).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    FAKE_CAMERA,
)

#: Folder for screenshots / console logs of failed browser tests (contains its own .gitignore).
ARTIFACTS_DIR = Path(
    os.environ.get("CHOOSE_MEDIA_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)

#: JupyterLab user settings written into the temp JUPYTERLAB_SETTINGS_DIR.
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    # no "Would you like to receive official Jupyter news?" pop-up over the page / screenshots
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # every cell attached to the DOM, so selectors find widgets below the fold
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:  # pragma: no cover - only on broken setups
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write an nbformat-4 notebook of code cells with the python3 kernelspec."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1))
    return path


def processes_mentioning(needle: str) -> list[tuple[int, str]]:
    """(pid, cmdline) of live processes whose command line contains ``needle`` (Linux /proc)."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if state == "Z":  # zombie: already dead, just not reaped
            continue
        cmd = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        if needle in cmd:
            found.append((int(entry.name), cmd))
    return found


#: Another interpreter for the notebooks' kernels (e.g. a venv with ipykernel 6), if set.
KERNEL_PYTHON = os.environ.get("CHOOSE_MEDIA_KERNEL_PYTHON")


def _write_kernelspec(spec_dir: Path) -> None:
    """python3 kernelspec running ``sys.executable`` (the interpreter that runs the tests),
    or ``$CHOOSE_MEDIA_KERNEL_PYTHON`` to test against another ipykernel."""
    if KERNEL_PYTHON:
        spec_dir.mkdir(parents=True)
        argv = [str(Path(KERNEL_PYTHON).absolute()), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec_dir / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python"})
        )
        return
    try:
        from ipykernel.kernelspec import write_kernel_spec
    except ImportError:  # pragma: no cover - ipykernel is a test dependency
        write_kernel_spec = None
    if write_kernel_spec is not None:
        write_kernel_spec(spec_dir)  # argv[0] = sys.executable, protocol 5.5, logos
        return
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "metadata": {"debugger": True},
                "kernel_protocol_version": "5.5",
            }
        )
    )


# --------------------------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------------------------


@dataclass
class Lab:
    """A running ``jupyter lab`` on 127.0.0.1 with everything in a temp dir."""

    proc: subprocess.Popen
    port: int
    base_dir: Path
    root_dir: Path
    runtime_dir: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- life cycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, timeout: float = 60.0, extra_args: Sequence[str] = ()) -> Lab:
        return cls.launch(
            "jupyterlab",
            [
                "jupyterlab",
                "--allow-root",
                "--no-browser",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port_retries=0",
                "--ServerApp.root_dir={root}",
                "--ServerApp.terminals_enabled=False",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                *extra_args,
            ],
            ready_path="/api/status",
            port_arg="--ServerApp.port={port}",
            timeout=timeout,
        )

    @classmethod
    def launch(cls, name: str, args: Sequence[str], *, files: Sequence[Path] = (), ready_path: str | None = None,
               port_arg: str = "--port={port}", timeout: float = 60.0) -> Lab:
        """Start ``python -m <args...>`` (a Jupyter server, Voilà, ...) with all its state in a temp dir, on
        127.0.0.1 and a free port; ready when ``ready_path`` answers (without it: when the port accepts).

        ``{root}``/``{runtime}`` in ``args`` become those dirs; ``files`` are copied into the root dir (the
        server's working directory)."""
        base = Path(tempfile.mkdtemp(prefix=f"choose-media-{'lab' if name == 'jupyterlab' else name}-"))
        root = base / "root"
        runtime = base / "runtime"
        settings = base / "lab-settings"
        jupyter_path = base / "jupyter-data"
        for d in (root, runtime, settings, jupyter_path, base / "workspaces", base / "config", base / "ipython"):
            d.mkdir(parents=True)
        for plugin, values in LAB_SETTINGS.items():
            f = settings / f"{plugin}.jupyterlab-settings"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(values))
        # The kernel must be the interpreter that runs pytest (the installed packages are there).
        _write_kernelspec(jupyter_path / "kernels" / "python3")
        for src in files:
            shutil.copy(src, root / src.name)
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(runtime),
            JUPYTER_PATH=os.pathsep.join(filter(None, [str(jupyter_path), os.environ.get("JUPYTER_PATH")])),
            JUPYTER_CONFIG_DIR=str(base / "config"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
            IPYTHONDIR=str(base / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        port = free_port()
        fill = {"root": str(root), "runtime": str(runtime), "port": str(port)}
        cmd = [sys.executable, "-m", *(a.format_map(fill) if "{" in a else a for a in (*args, port_arg))]
        log_path = base / f"{name}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = cls(proc=proc, port=port, base_dir=base, root_dir=root, runtime_dir=runtime, log_path=log_path)
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {proc.returncode} during start-up.\n"
                    f"command: {' '.join(cmd)}\n--- log tail ({log_path}) ---\n{tail(log_path)}"
                )
            try:
                if ready_path is None:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                else:
                    server.api("GET", ready_path, timeout=2)
                return server
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                server.stop(check=False)
                raise RuntimeError(
                    f"{name} did not answer {ready_path or 'on its port'} within {timeout:.0f} s.\n"
                    f"--- log tail ({log_path}) ---\n{tail(log_path)}"
                )
            time.sleep(0.1)

    def stop(self, check: bool = True, remove: bool = True) -> None:
        """Stop the server (TERM, then KILL) and make sure no kernel of it survives.

        Raises RuntimeError when ``check`` and a kernel process was left (it is killed anyway).
        """
        if self.proc.poll() is None:
            try:  # kernels a test forgot: ask the server while it is still up
                for k in self.api("GET", "/api/kernels", timeout=5):
                    self.shutdown_kernel(k["id"])
            except Exception:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        left = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = processes_mentioning(str(self.runtime_dir))
            if not left:
                break
            time.sleep(0.1)
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if remove and not left:
            shutil.rmtree(self.base_dir, ignore_errors=True)
        if check and left:
            raise RuntimeError(
                "kernel processes were still running after JupyterLab stopped (now killed):\n"
                + "\n".join(f"  {pid}: {cmd}" for pid, cmd in left)
            )

    # -- REST -------------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        """Call the server's REST API; returns the decoded JSON (or None for an empty body).

        Non-GET requests carry a matching ``_xsrf`` cookie and ``X-XSRFToken`` header (the server
        only checks that both are present and equal).
        """
        xsrf = "choose-media-tests"
        headers = {"Cookie": f"_xsrf={xsrf}", "X-XSRFToken": xsrf}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def sessions_for(self, path: str) -> list[dict]:
        return [s for s in self.api("GET", "/api/sessions") if s.get("path") == path]

    def shutdown_kernel(self, kernel_id: str, timeout: float = 15) -> None:
        try:
            self.api("DELETE", f"/api/kernels/{kernel_id}", timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise


# --------------------------------------------------------------------------------------------
# Notebook in a browser page + a second client on the same kernel
# --------------------------------------------------------------------------------------------

# State of the notebook panel for `path`, read from window.jupyterapp.
_PANEL_STATE_JS = r"""
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return {stage: 'no-app'};
  const panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === path);
  if (!panel) return {stage: 'no-panel'};
  const sc = panel.sessionContext;
  const kernel = sc && sc.session ? sc.session.kernel : null;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  cells.forEach((c, i) => {
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'error') {
        errors.push({cell: i, ename: o.ename, evalue: o.evalue, traceback: (o.traceback || []).join('\n')});
      }
    }
  });
  return {
    stage: 'ok',
    id: panel.id,
    ready: !!(panel.context.isReady && sc.isReady),
    current: app.shell.currentWidget === panel,
    kernelId: kernel ? kernel.id : null,
    status: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    counts: cells.map(c => c.model.executionCount),
    errors,
    runAll: window.__harnessRunAll || null,
  };
}
"""

_RUN_ALL_JS = r"""
(id) => {
  const app = window.jupyterapp;
  app.shell.activateById(id);
  window.__harnessRunAll = {state: 'pending'};
  app.commands.execute('notebook:run-all-cells').then(
    r => { window.__harnessRunAll = {state: 'done', result: r}; },
    e => { window.__harnessRunAll = {state: 'error', error: String(e && e.stack || e)}; });
}
"""

#: Test-side instrumentation of the camera APIs (the shipped bundle has no test hooks): run before any page
#: script (``add_init_script`` / CDP ``Page.addScriptToEvaluateOnNewDocument``), it records into
#: ``window.__cmProbe`` what the page asked the browser for and got:
#:
#: - ``requests``: every ``getUserMedia`` call, ``{constraints, stream}`` (``stream`` null until it answers; the
#:   constraints as the browser gets them: ipywebrtc's WebRTC adapter, once loaded, rewrites what a page asks for);
#:   ``streams``: every stream it answered (camera and microphone), kept so tests can see their tracks end;
#: - ``previews``: every stream shown in a choose-media camera preview (``.cm-cam-preview``'s ``srcObject``);
#: - ``recordings``: one per ``MediaRecorder``: ``mimeType``, ``ms`` (start to stop), ``size`` (bytes recorded);
#: - ``shutters``, ``encodes``, ``stored``: ``performance.now()`` of each shot (the shutter's press, pointer or key,
#:   or its click when there was none), each photo encode
#:   (``ImageCapture.takePhoto`` answered, or a canvas ``toBlob``) and each list item turning ``stored``;
#:   ``lastPhoto()`` reads them as ``{pressed, encoded, stored, method}`` for the last click.
CAMERA_PROBE_JS = r"""
(() => {
  if (window.__cmProbe) return;
  const probe = (window.__cmProbe = {
    requests: [], streams: [], previews: [], recordings: [], shutters: [], encodes: [], stored: [],
    liveTracks() {
      return this.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === "live").map((t) => t.kind);
    },
    lastPhoto() {
      const pressed = this.shutters.at(-1);
      if (pressed === undefined) return null;
      const after = this.encodes.filter((e) => e.at >= pressed);
      const jpeg = after.find((e) => e.type === "image/jpeg");
      const method = !jpeg ? "" : jpeg.method === "takePhoto" ? "takePhoto" : after[0].method === "takePhoto" ? "takePhoto+jpeg" : "canvas";
      const encoded = jpeg ? jpeg.at : 0;
      const stored = jpeg ? this.stored.find((at) => at >= encoded) ?? 0 : 0;
      return { pressed, encoded, stored, method };
    },
  });
  const media = navigator.mediaDevices;
  if (media && typeof media.getUserMedia === "function") {
    const getUserMedia = media.getUserMedia.bind(media);
    media.getUserMedia = async (constraints) => {
      const request = { constraints: JSON.parse(JSON.stringify(constraints ?? null)), stream: null };
      probe.requests.push(request);
      const stream = await getUserMedia(constraints);
      request.stream = stream;
      probe.streams.push(stream);
      return stream;
    };
  }
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "srcObject");
  if (srcObject && srcObject.set) {
    Object.defineProperty(HTMLMediaElement.prototype, "srcObject", {
      ...srcObject,
      set(value) {
        if (value && this.classList && this.classList.contains("cm-cam-preview")) probe.previews.push(value);
        srcObject.set.call(this, value);
      },
    });
  }
  if (typeof MediaRecorder === "function") {
    const NativeRecorder = MediaRecorder;
    window.MediaRecorder = class extends NativeRecorder {
      constructor(stream, options) {
        super(stream, options);
        const entry = { mimeType: "", ms: 0, size: 0 };
        probe.recordings.push(entry);
        let startedAt = 0;
        this.addEventListener("start", () => { startedAt = performance.now(); entry.mimeType = this.mimeType; });
        this.addEventListener("dataavailable", (e) => { entry.size += e.data ? e.data.size : 0; });
        this.addEventListener("stop", () => {
          entry.ms = performance.now() - startedAt;
          entry.mimeType = this.mimeType || entry.mimeType;
        });
      }
    };
  }
  const ImageCaptureCtor = window.ImageCapture;
  if (ImageCaptureCtor && ImageCaptureCtor.prototype.takePhoto) {
    const takePhoto = ImageCaptureCtor.prototype.takePhoto;
    ImageCaptureCtor.prototype.takePhoto = async function (...args) {
      const blob = await takePhoto.apply(this, args);
      probe.encodes.push({ at: performance.now(), method: "takePhoto", type: blob.type });
      return blob;
    };
  }
  const toBlob = HTMLCanvasElement.prototype.toBlob;
  HTMLCanvasElement.prototype.toBlob = function (callback, type, quality) {
    return toBlob.call(this, (blob) => {
      probe.encodes.push({ at: performance.now(), method: "canvas", type: blob ? blob.type : "" });
      callback(blob);
    }, type, quality);
  };
  // A shot starts when the shutter goes down (pointer or key: the page takes the frame then), else at its click.
  let down = null;
  const onShutter = (e) => e.target instanceof Element && e.target.closest(".cm-cam-shutter");
  addEventListener("pointerdown", (e) => { if (onShutter(e)) down = performance.now(); }, true);
  addEventListener("keydown", (e) => { if (onShutter(e) && (e.key === " " || e.key === "Enter")) down = performance.now(); }, true);
  addEventListener("click", (e) => {
    if (!onShutter(e)) return;
    const now = performance.now();
    probe.shutters.push(down !== null && now - down < 1000 ? down : now);
    down = null;
  }, true);
  // A row stored before it was shown (the picker holds new rows until their transfer ends) is added as stored.
  const isStored = (node) => node instanceof Element && node.classList.contains("cm-item") && node.dataset.state === "stored";
  new MutationObserver((records) => {
    for (const r of records) {
      if (isStored(r.target) || [...r.addedNodes].some(isStored)) probe.stored.push(performance.now());
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
})();
"""


class InitScriptBrowser:
    """A browser whose new contexts run ``scripts`` before any page script (to instrument or stage the page)."""

    def __init__(self, browser: Any, *scripts: str) -> None:
        self._browser = browser
        self._scripts = scripts

    def new_context(self, **kw: Any) -> Any:
        context = self._browser.new_context(**kw)
        for script in self._scripts:
            context.add_init_script(script)
        return context


_MARK = "\x1e__harness__"


class NotebookSession:
    """One notebook opened in its own browser context, plus a kernel client on the same kernel."""

    def __init__(self, lab: Lab, context, name: str, close_context: bool = True):
        self.lab = lab
        self.context = context
        self.name = name
        self._close_context = close_context
        self.console_messages: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console_messages.append(f"[{m.type}] {m.text}"))
        self.page.on("pageerror", lambda e: self.console_messages.append(f"[pageerror] {e}"))
        self.page.on("crash", lambda *_: self.console_messages.append("[crash] page crashed"))
        self.kernel_id: str | None = None
        self._panel_id: str | None = None
        self._kernel = None
        self._subshell_id: str | None = None
        self._closed = False

    # -- opening and running -------------------------------------------------------------------

    def state(self) -> dict:
        return self.page.evaluate(_PANEL_STATE_JS, self.name)

    def _poll(self, what: str, done, timeout: float, interval: float = 0.05) -> dict:
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        st: dict = {}
        while True:
            st = self.state()
            if st.get("errors"):
                self._raise_cell_errors(st)
            if done(st):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f} s waiting for {what} in {self.name}; last state: {st}\n"
                    + self.format_console(30)
                )
            time.sleep(interval)

    def _raise_cell_errors(self, st: dict) -> None:
        __tracebackhide__ = True
        msgs = [
            f"cell {e['cell']}: {e['ename']}: {e['evalue']}\n{strip_ansi(e['traceback'])}" for e in st["errors"]
        ]
        raise AssertionError(f"notebook {self.name} raised while running:\n" + "\n\n".join(msgs))

    def page_path(self) -> str:
        """Where the notebook opens (a front-end with other URLs overrides this, e.g. Notebook 7)."""
        return f"/lab/tree/{urllib.parse.quote(self.name)}?reset"

    def open(self, timeout: float = 60) -> None:
        """Load the notebook page and wait until its kernel is idle; sets ``kernel_id``."""
        __tracebackhide__ = True
        self.page.goto(self.lab.url + self.page_path())
        self.page.wait_for_function("() => !!window.jupyterapp", timeout=timeout * 1000)
        st = self._poll(
            "the kernel to be idle",
            lambda s: s.get("ready") and s.get("status") == "idle" and s.get("connection") == "connected",
            timeout,
        )
        # the kernel id the server has for this notebook path
        deadline = time.monotonic() + timeout
        while True:
            sessions = self.lab.sessions_for(self.name)
            if sessions:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no server session for {self.name}: {self.lab.api('GET', '/api/sessions')}")
            time.sleep(0.05)
        self.kernel_id = sessions[0]["kernel"]["id"]
        assert st["kernelId"] == self.kernel_id, (st, sessions)
        self._panel_id = st["id"]

    def run_all(self, wait: bool = True, timeout: float = 120) -> None:
        """Run every cell (``notebook:run-all-cells``); with ``wait`` until all are done."""
        __tracebackhide__ = True
        self.page.evaluate(_RUN_ALL_JS, self._panel_id)
        if wait:
            self.wait_until_run_done(timeout)

    def wait_until_run_done(self, timeout: float = 120) -> None:
        """Until every code cell has an execution count and the kernel is idle.

        A cell error fails at once with its traceback.
        """
        __tracebackhide__ = True

        def done(s: dict) -> bool:
            run = s.get("runAll") or {}
            if run.get("state") == "error":
                raise AssertionError(f"notebook:run-all-cells failed in {self.name}: {run.get('error')}")
            return (
                run.get("state") == "done"
                and s.get("status") == "idle"
                and all(c is not None for c in s.get("counts", [None]))
            )

        self._poll("all cells to run", done, timeout)

    # -- kernel side -------------------------------------------------------------------------

    @property
    def connection_file(self) -> Path:
        return self.lab.runtime_dir / f"kernel-{self.kernel_id}.json"

    @property
    def kernel(self):
        """A ``jupyter_client.BlockingKernelClient`` on the notebook's kernel (created on first use)."""
        if self._kernel is None:
            from jupyter_client import BlockingKernelClient

            if self.kernel_id is None:
                raise RuntimeError("notebook not opened yet")
            kc = BlockingKernelClient(connection_file=str(self.connection_file))
            kc.load_connection_file()
            kc.start_channels()
            try:
                self._wait_client_ready(kc, timeout=60)
            except Exception:
                kc.stop_channels()
                raise
            self._kernel = kc
        return self._kernel

    @property
    def subshell_id(self) -> str:
        """Id of a kernel subshell (ipykernel >= 7) for this session's client, created on first use."""
        if self._subshell_id is None:
            kc = self.kernel
            msg = kc.session.msg("create_subshell_request", {})
            kc.control_channel.send(msg)
            deadline = time.monotonic() + 30
            while True:
                reply = kc.control_channel.get_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break
            if reply["content"].get("status") != "ok":
                raise RuntimeError(f"kernel refused a subshell: {reply['content']}")
            self._subshell_id = reply["content"]["subshell_id"]
        return self._subshell_id

    @staticmethod
    def _wait_client_ready(kc, timeout: float) -> None:
        """Until the kernel answers and our IOPub subscription receives its messages.

        Uses kernel_info on the *control* channel: ``BlockingKernelClient.wait_for_ready`` asks
        on the main shell and would wait behind a cell that is still running.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = kc.session.msg("kernel_info_request", {})
            kc.control_channel.send(msg)
            until = time.monotonic() + 1.0
            while time.monotonic() < until:
                try:
                    m = kc.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    continue
                if m["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    # take the control reply too, so it does not sit in the queue
                    while time.monotonic() < deadline:
                        try:
                            r = kc.control_channel.get_msg(timeout=1.0)
                        except queue.Empty:
                            continue
                        if r["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                            return
                    break
        raise AssertionError(f"kernel client not ready within {timeout} s ({kc.connection_file})")

    def run(self, code: str, timeout: float = 60, subshell: bool = False) -> str:
        """Execute ``code`` in the notebook's kernel; return its stdout.

        Raises AssertionError with the traceback when the code raises.  Nothing is stored in the
        history and the execution counter does not move.

        By default the code runs on the main shell, so it waits behind a cell that is still running
        (an awaiting or blocking cell).  ``subshell=True`` runs it at once on a kernel subshell
        (another thread of the same kernel, same globals): use it to look at state while a cell
        runs; prefer read-only code there.
        """
        __tracebackhide__ = True
        kc = self.kernel
        content = dict(
            code=code, silent=False, store_history=False, user_expressions={}, allow_stdin=False, stop_on_error=False
        )
        msg = kc.session.msg("execute_request", content)
        if subshell:
            msg["header"]["subshell_id"] = self.subshell_id
        kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        out: list[str] = []
        err: list[str] = []
        error = None
        deadline = time.monotonic() + timeout

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"kernel did not finish within {timeout} s running:\n{code}\n"
                    f"--- stdout so far ---\n{''.join(out)}"
                )
            return left

        while True:
            try:
                m = kc.get_iopub_msg(timeout=min(1.0, remaining()))
            except queue.Empty:
                continue
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = m["msg_type"], m["content"]
            if t == "stream":
                (out if c["name"] == "stdout" else err).append(c["text"])
            elif t == "error":
                error = c
            elif t == "status" and c["execution_state"] == "idle":
                break
        while True:
            try:
                reply = kc.get_shell_msg(timeout=min(1.0, remaining()))
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if error is None and reply["content"].get("status") == "error":
            error = reply["content"]
        if error is not None:
            tb = strip_ansi("\n".join(error.get("traceback") or [f"{error.get('ename')}: {error.get('evalue')}"]))
            stderr = "".join(err)
            raise AssertionError(
                f"kernel code raised {error.get('ename')}: {error.get('evalue')}\n--- code ---\n{code}\n"
                f"--- traceback ---\n{tb}" + (f"\n--- stderr ---\n{stderr}" if stderr else "")
            )
        return "".join(out)

    def _marked(self, expr: str, timeout: float, prelude: str = "", subshell: bool = False) -> Any:
        """Run ``prelude`` then print the JSON of ``expr`` after a marker; return it decoded."""
        __tracebackhide__ = True
        code = f"{prelude}\nprint({_MARK!r} + __import__('json').dumps((\n{expr}\n)))"
        out = self.run(code, timeout=timeout, subshell=subshell)
        if _MARK not in out:
            raise AssertionError(f"no result printed by the kernel for: {expr}\nstdout: {out!r}")
        line = out[out.rindex(_MARK) + len(_MARK):].splitlines()[0]
        return json.loads(line)

    def eval_json(self, expr: str, timeout: float = 60, subshell: bool = False) -> Any:
        """Evaluate a Python expression in the kernel and return its value through JSON."""
        __tracebackhide__ = True
        return self._marked(expr, timeout, subshell=subshell)

    _PROBE = (
        "def _harness_probe(v):\n"
        "    import json\n"
        "    try:\n"
        "        j = json.dumps(v)\n"
        "    except Exception:\n"
        "        j = None\n"
        "    return [bool(v), repr(v)[:2000], j]\n"
    )

    def wait_for(self, expr: str, timeout: float = 60, interval: float = 0.1, subshell: bool = False) -> Any:
        """Poll the Python expression ``expr`` in the kernel until it is truthy.

        Returns its value (decoded JSON), or its repr when it is not JSON-serialisable.  An
        exception raised by ``expr`` fails at once (AssertionError with the traceback); a timeout
        fails with the last value.  ``subshell`` as in ``run``.
        """
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            left = max(1.0, deadline - time.monotonic())
            truthy, rep, js = self._marked(
                f"_harness_probe(\n{expr}\n)", left, prelude=self._PROBE, subshell=subshell
            )
            polls += 1
            if truthy:
                return json.loads(js) if js is not None else rep
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"kernel expression stayed falsy for {timeout} s ({polls} polls): {expr}\n"
                    f"last value: {rep}\n" + self.format_console(20)
                )
            time.sleep(interval)

    # -- diagnostics / teardown ----------------------------------------------------------------

    def format_console(self, last: int | None = None) -> str:
        msgs = self.console_messages if last is None else self.console_messages[-last:]
        return "--- browser console ---\n" + ("\n".join(msgs) if msgs else "(empty)")

    def screenshot(self, path: str | os.PathLike, full_page: bool = True) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        errors = []
        if self._kernel is not None:
            try:
                self._kernel.stop_channels()
            except Exception as exc:  # pragma: no cover
                errors.append(exc)
        try:
            self.page.close()
            if self._close_context:
                self.context.close()
        except Exception as exc:
            errors.append(exc)
        if self.kernel_id is not None and self.lab.proc.poll() is None:
            self.lab.shutdown_kernel(self.kernel_id)
        if errors:
            raise errors[0]


def save_artifacts(sessions: Sequence[NotebookSession], stem: str, lab: Lab | None = None) -> list[Path]:
    """Screenshot + console log of every session (and the server log tail) into ARTIFACTS_DIR."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    gi = ARTIFACTS_DIR / ".gitignore"
    if not gi.exists():
        gi.write_text("*\n")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_")[:150]
    written = []
    for i, nb in enumerate(sessions):
        suffix = "" if len(sessions) == 1 else f"-{i}"
        try:
            written.append(nb.screenshot(ARTIFACTS_DIR / f"{stem}{suffix}.png"))
        except Exception as exc:
            nb.console_messages.append(f"[harness] screenshot failed: {exc}")
        p = ARTIFACTS_DIR / f"{stem}{suffix}.console.txt"
        p.write_text("\n".join(nb.console_messages) + "\n")
        written.append(p)
    if lab is not None:
        p = ARTIFACTS_DIR / f"{stem}.jupyterlab.log"
        p.write_text(tail(lab.log_path, 400) + "\n")
        written.append(p)
    return written
