"""A minimal Chrome DevTools Protocol client for Debian's Chromium (no Playwright).

Throughput through Playwright is wrong by 2-3x: it always enables the Network domain, which copies every
websocket frame to the driver.  Here a page enables only ``Page`` and ``Runtime``; ``DOM.setFileInputFiles``
is called without enabling any other domain.

``Browser.launch()`` starts ``/usr/bin/chromium --headless=new --remote-debugging-port=0`` in a temp profile;
``browser.new_page()`` opens a target and connects to it; ``CdpContext`` adapts it to what
``tests/support/harness.py``'s ``NotebookSession`` expects from a Playwright context/page.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import websocket  # websocket-client

from tests.support.harness import CHROMIUM
from tests.support.harness import CHROMIUM_ARGS as _TEST_ARGS

#: Flags for every benchmark browser: the test harness's (fake camera included), plus these.
CHROMIUM_ARGS: tuple[str, ...] = (
    *_TEST_ARGS,
    "--no-default-browser-check",
    "--disable-extensions",
    "--mute-audio",
    # a background tab must not be throttled while a benchmark waits on it
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
#: A function's source (called with the argument) rather than an expression such as an IIFE.
_FUNCTION = re.compile(r"^(async\s*)?(function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


class CdpError(RuntimeError):
    pass


class Connection:
    """One websocket to a DevTools endpoint: ``call(method, **params)`` and event listeners."""

    def __init__(self, url: str) -> None:
        # suppress_origin: Chromium refuses websocket clients that send an Origin it does not allow.
        self._ws = websocket.create_connection(url, suppress_origin=True, enable_multithread=True, timeout=None)
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._listeners: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self._lock = threading.Lock()
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="cdp-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                raw = self._ws.recv()
                if not raw:
                    break
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self._pending.pop(msg["id"], None)
                    if fut is not None:
                        if "error" in msg:
                            fut.set_exception(CdpError(f"{msg['error'].get('message')}: {msg['error'].get('data', '')}"))
                        else:
                            fut.set_result(msg.get("result", {}))
                else:
                    for cb in list(self._listeners.get(msg.get("method", ""), ())):
                        try:
                            cb(msg.get("params", {}))
                        except Exception:  # a listener must not kill the reader
                            pass
        except Exception:
            pass
        finally:
            self.closed = True
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(CdpError("DevTools connection closed"))
            self._pending.clear()

    def call(self, method: str, timeout: float = 120, **params: Any) -> dict[str, Any]:
        if self.closed:
            raise CdpError(f"DevTools connection closed (calling {method})")
        msg_id = next(self._ids)
        fut: Future[dict[str, Any]] = Future()
        self._pending[msg_id] = fut
        with self._lock:
            self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        return fut.result(timeout)

    def on(self, event: str, callback: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.setdefault(event, []).append(callback)

    def close(self) -> None:
        try:
            self._ws.close()
        except Exception:
            pass
        self.closed = True


class Page:
    """One browser tab over its own DevTools connection, with only Page and Runtime enabled."""

    def __init__(self, browser: Browser, target_id: str) -> None:
        self.browser = browser
        self.target_id = target_id
        self.cdp = Connection(f"ws://127.0.0.1:{browser.port}/devtools/page/{target_id}")
        self.cdp.call("Page.enable")
        self.cdp.call("Runtime.enable")
        self._console: list[Callable[[str], None]] = []
        self.cdp.on("Runtime.consoleAPICalled", self._on_console)
        self.cdp.on("Runtime.exceptionThrown", self._on_exception)

    # -- events ------------------------------------------------------------------------------------
    def _on_console(self, p: dict[str, Any]) -> None:
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
        for cb in self._console:
            cb(f"[{p.get('type')}] {text}")

    def _on_exception(self, p: dict[str, Any]) -> None:
        d = p.get("exceptionDetails", {})
        text = d.get("exception", {}).get("description") or d.get("text", "")
        for cb in self._console:
            cb(f"[pageerror] {text}")

    # -- Playwright-like surface used by harness.NotebookSession ------------------------------------
    def on(self, event: str, callback: Callable[[Any], None]) -> None:
        if event in ("console", "pageerror"):
            self._console.append(lambda text: callback(_Text(text)) if event == "console" else None)

    def goto(self, url: str, timeout: float = 60) -> None:
        self.cdp.call("Page.navigate", url=url, timeout=timeout)

    def evaluate(self, js: str, arg: Any = None, *, timeout: float = 120) -> Any:
        """Evaluate a JS expression, or call a JS function source with one JSON argument (like Playwright)."""
        source = js.strip()
        expr = f"({source})({json.dumps(arg)})" if _FUNCTION.match(source) else source
        res = self.cdp.call(
            "Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True, timeout=timeout
        )
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise CdpError(f"page JS raised: {d.get('exception', {}).get('description') or d.get('text')}")
        return res.get("result", {}).get("value")

    def evaluate_handle(self, expression: str) -> str | None:
        """Evaluate ``expression`` and return a remote object id (None for null/undefined)."""
        res = self.cdp.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=False)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise CdpError(f"page JS raised: {d.get('exception', {}).get('description') or d.get('text')}")
        return res.get("result", {}).get("objectId")

    def wait_for_function(self, js: str, arg: Any = None, timeout: float = 30_000, interval: float = 0.05) -> Any:
        """Poll until the JS function/expression is truthy (``timeout`` in ms, as Playwright)."""
        deadline = time.monotonic() + timeout / 1000
        while True:
            try:
                value = self.evaluate(js, arg)
            except CdpError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout / 1000:.0f} s waiting for {js[:120]}")
            time.sleep(interval)

    def set_input_files(self, object_id: str, paths: Sequence[str | Path]) -> None:
        """``DOM.setFileInputFiles`` on a remote ``<input type=file>`` (DOM domain not enabled)."""
        self.cdp.call("DOM.setFileInputFiles", files=[str(Path(p).resolve()) for p in paths], objectId=object_id)

    def screenshot(self, path: str | os.PathLike[str], full_page: bool = True) -> None:
        data = self.cdp.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.browser.cdp.call("Target.closeTarget", targetId=self.target_id, timeout=10)
        except Exception:
            pass
        self.cdp.close()


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text
        self.type = "log"


class CdpContext:
    """What ``harness.NotebookSession`` wants from a Playwright context: ``new_page()`` and ``close()``."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.pages: list[Page] = []

    def new_page(self) -> Page:
        page = self.browser.new_page()
        self.pages.append(page)
        return page

    def close(self) -> None:
        for p in self.pages:
            p.close()


class Browser:
    """Headless Chromium with a DevTools port on 127.0.0.1, in a throw-away profile."""

    def __init__(self, proc: subprocess.Popen[bytes], ws_url: str, profile: Path) -> None:
        self.proc = proc
        self.profile = profile
        self.port = int(ws_url.split(":")[2].split("/")[0])
        self.cdp = Connection(ws_url)
        self.version = self.cdp.call("Browser.getVersion").get("product", "?")

    @classmethod
    def launch(cls, extra_args: Sequence[str] = (), timeout: float = 30) -> Browser:
        if not os.path.exists(CHROMIUM):
            raise FileNotFoundError(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHOOSE_MEDIA_CHROMIUM)")
        profile = Path(tempfile.mkdtemp(prefix="choose-media-bench-chromium-"))
        cmd = [
            CHROMIUM, "--headless=new", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            f"--user-data-dir={profile}", "--window-size=1280,1000", *CHROMIUM_ARGS, *extra_args, "about:blank",
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        assert proc.stderr is not None
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            raw = proc.stderr.readline()
            if not raw:
                break
            line = raw.decode(errors="replace")
            lines.append(line)
            m = _LISTENING.search(line)
            if m:
                # keep draining stderr so Chromium never blocks on a full pipe
                threading.Thread(target=lambda: [None for _ in iter(proc.stderr.readline, b"")],  # type: ignore[union-attr]
                                 daemon=True).start()
                return cls(proc, m.group(1), profile)
        proc.kill()
        raise RuntimeError("Chromium did not print its DevTools address:\n" + "".join(lines[-20:]))

    def new_page(self, url: str = "about:blank") -> Page:
        target = self.cdp.call("Target.createTarget", url=url)["targetId"]
        return Page(self, target)

    def close(self) -> None:
        try:
            self.cdp.call("Browser.close", timeout=10)
        except Exception:
            pass
        self.cdp.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)
