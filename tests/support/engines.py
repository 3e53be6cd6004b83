"""Firefox ESR and WebKitGTK behind the small part of Playwright's ``Page`` the browser tests use.

Chromium stays on Playwright. Debian packages the other two engines but no Playwright build of them, so:

- **Firefox ESR** (``/usr/bin/firefox-esr``) runs headless with Marionette on (``marionette_driver``), a fake
  camera and no permission prompt (prefs in the profile's ``user.js``);
- **WebKitGTK** runs its MiniBrowser under ``WebKitWebDriver`` (Selenium's ``webdriver.WebKitGTK``) on a private
  Xvfb display, with WebKit's mock capture devices.

:class:`EnginePage` gives both the calls the harness and the engine tests make (``goto``, ``evaluate``,
``wait_for_function``, ``wait_for_selector``, ``click``, ``press``, ``set_input_files``, ``inner_text``,
``screenshot``); waits poll the page with a bound and fail with what they last saw. Pages are reused between
tests (``close`` goes to ``about:blank``), so each engine starts once per session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.support.harness import free_port

FIREFOX = os.environ.get("CHOOSE_MEDIA_FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("CHOOSE_MEDIA_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser",
    "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
)
XVFB = "/usr/bin/Xvfb"

#: Firefox prefs: a fake 640x480 camera without a prompt, and nothing that phones home or pops up.
FIREFOX_PREFS: dict[str, Any] = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "browser.sessionstore.resume_from_crash": False,
    "dom.disable_beforeunload": True,
    "network.captive-portal-service.enabled": False,
    "extensions.update.enabled": False,
}

#: How long one page call may take (a kernel round trip inside ``evaluate`` included).
SCRIPT_TIMEOUT_S = 60


def minibrowser() -> str | None:
    return next((p for p in MINIBROWSER_CANDIDATES if os.path.exists(p)), None)


def missing(engine: str) -> str | None:
    """Why ``engine`` cannot run here (``None`` when it can)."""
    if engine == "firefox":
        if not os.path.exists(FIREFOX):
            return f"no Firefox ESR at {FIREFOX} (apt-get install firefox-esr)"
        try:
            import marionette_driver  # noqa: F401
        except ImportError:
            return "marionette_driver is not installed"
    elif engine == "webkit":
        if not (os.path.exists(WEBKIT_DRIVER) and minibrowser() and os.path.exists(XVFB)):
            return "no WebKitWebDriver/MiniBrowser/Xvfb (apt-get install webkit2gtk-driver xvfb)"
        try:
            import selenium  # noqa: F401
        except ImportError:
            return "selenium is not installed"
    return None


_FUNCTION = re.compile(r"^(async\s+)?(function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


def _as_call(js: str) -> str:
    """A Playwright-style page function (``"(arg) => ..."``) or expression as a WebDriver script body."""
    body = js.strip()
    if _FUNCTION.match(body):
        return f"return Promise.resolve(({body})(arguments[0]));"
    return f"return Promise.resolve(({body}));"


class EnginePage:
    """One browser tab behind Playwright's page calls; subclasses talk to their driver."""

    engine = ""

    def __init__(self) -> None:
        self.console: list[str] = []

    # -- what each driver provides ------------------------------------------------------------------------
    def _script(self, body: str, args: Sequence[Any]) -> Any:
        raise NotImplementedError

    def _navigate(self, url: str) -> None:
        raise NotImplementedError

    def _element(self, selector: str) -> Any:
        raise NotImplementedError

    def _screenshot_png(self) -> bytes:
        raise NotImplementedError

    def quit(self) -> None:
        raise NotImplementedError

    # -- Playwright's names ---------------------------------------------------------------------------------
    def on(self, _event: str, _callback: Callable[..., Any]) -> None:
        """Console and crash events are not reported by these drivers; errors show in :meth:`errors`."""

    def goto(self, url: str) -> None:
        self._navigate(url)
        self._hook_errors()

    def reload(self) -> None:
        self.goto(self.evaluate("location.href"))

    def _hook_errors(self) -> None:
        self._script(
            "if (!window.__engineErrors) { window.__engineErrors = [];"
            " addEventListener('error', e => window.__engineErrors.push(String(e.message)));"
            " addEventListener('unhandledrejection', e => window.__engineErrors.push(String(e.reason))); }",
            [],
        )

    def errors(self) -> list[str]:
        return list(self.evaluate("window.__engineErrors || []"))

    def evaluate(self, js: str, arg: Any = None) -> Any:
        return self._script(_as_call(js), [arg])

    def wait_for_function(self, js: str, arg: Any = None, timeout: float = 30_000, polling: float = 50) -> Any:
        """Until ``js`` (a page function or expression) is truthy; fails after ``timeout`` ms with the last value."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout / 1000
        last: Any = None
        while True:
            last = self.evaluate(js, arg)
            if last:
                return last
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.engine}: timed out after {timeout / 1000:.0f} s waiting for {js!r}; last {last!r}")
            time.sleep(polling / 1000)

    def wait_for_selector(self, selector: str, timeout: float = 30_000, state: str = "attached") -> None:
        check = {
            "attached": "(s) => !!document.querySelector(s)",
            "visible": "(s) => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0"
            " && getComputedStyle(e).visibility !== 'hidden'; }",
            "hidden": "(s) => { const e = document.querySelector(s); return !e || e.getClientRects().length === 0; }",
            "detached": "(s) => !document.querySelector(s)",
        }[state]
        self.wait_for_function(check, selector, timeout)

    def click(self, selector: str, timeout: float = 30_000) -> None:
        """A real click from the driver (pointer events the engine makes), once the element is visible."""
        self.wait_for_selector(selector, timeout, "visible")
        self._element(selector).click()

    def press(self, selector: str, key: str) -> None:
        """Focus ``selector`` and type ``key`` (a character, or ``Enter``/``Space``/``Tab``/``Escape``)."""
        self.wait_for_selector(selector, 30_000, "visible")
        self._element(selector).send_keys(_KEYS.get(key, key))

    def focus(self, selector: str) -> None:
        self.evaluate("(s) => document.querySelector(s).focus()", selector)

    def inner_text(self, selector: str) -> str:
        self.wait_for_selector(selector)
        return str(self.evaluate("(s) => document.querySelector(s).innerText", selector))

    def set_input_files(self, selector: str, files: str | Path | Sequence[str | Path]) -> None:
        """Choose real files from disk in an ``<input type=file>``, as the file dialog would."""
        paths = [str(files)] if isinstance(files, (str, Path)) else [str(f) for f in files]
        self.wait_for_selector(selector)
        self._choose_files(selector, paths)

    def _choose_files(self, selector: str, paths: list[str]) -> None:
        # The drivers type paths into a file input they can reach; the widget's is hidden behind its button,
        # so it is shown for the moment of typing (nothing else about the page changes).
        undo = self.evaluate(
            "(s) => { const i = document.querySelector(s); const was = [i.hidden, i.getAttribute('style')];"
            " i.hidden = false; i.style.cssText = 'display:block;position:fixed;left:0;top:0;width:10px;height:10px;opacity:0.01';"
            " window.__engineUndo = () => { i.hidden = was[0]; if (was[1] === null) i.removeAttribute('style');"
            " else i.setAttribute('style', was[1]); }; return true; }",
            selector,
        )
        assert undo
        try:
            self._element(selector).send_keys("\n".join(paths))
        finally:
            self.evaluate("() => window.__engineUndo && window.__engineUndo()")

    def screenshot(self, path: str | None = None, full_page: bool = True) -> bytes:
        png = self._screenshot_png()
        if path is not None:
            Path(path).write_bytes(png)
        return png

    def close(self) -> None:
        """Leave the page (its widgets and streams end); the browser stays for the next test."""
        try:
            self._navigate("about:blank")
        except Exception:  # a broken session is replaced by the fixture
            pass


_KEYS = {"Enter": "\ue007", "Space": " ", "Tab": "\ue004", "Escape": "\ue00c", "ArrowDown": "\ue015",
         "ArrowUp": "\ue013", "Delete": "\ue017", "Backspace": "\ue003"}


class FirefoxPage(EnginePage):
    engine = "firefox"

    def __init__(self) -> None:
        super().__init__()
        from marionette_driver.marionette import Marionette

        self._profile = Path(tempfile.mkdtemp(prefix="cm-firefox-"))
        port = free_port()
        prefs = {**FIREFOX_PREFS, "marionette.port": port}
        (self._profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        )
        self._log = open(self._profile / "firefox.log", "wb")  # noqa: SIM115 (closed in quit)
        env = {**os.environ, "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1"}
        self.proc = subprocess.Popen(
            [FIREFOX, "--headless", "--marionette", "--no-remote", "--profile", str(self._profile), "about:blank"],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        self.driver = Marionette(host="127.0.0.1", port=port, startup_timeout=60)
        self.driver.start_session()
        self.driver.timeout.script = SCRIPT_TIMEOUT_S
        self.driver.timeout.page_load = 60
        self.driver.set_window_rect(width=1280, height=900)
        self.version = str(self.driver.session_capabilities.get("browserVersion", ""))

    def _script(self, body: str, args: Sequence[Any]) -> Any:
        return self.driver.execute_script(body, script_args=list(args), sandbox=None, new_sandbox=False)

    def _navigate(self, url: str) -> None:
        self.driver.navigate(url)

    def _element(self, selector: str) -> Any:
        from marionette_driver.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def _screenshot_png(self) -> bytes:
        return bytes(self.driver.screenshot(format="binary", full=True))

    def quit(self) -> None:
        try:
            self.driver.delete_session()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)


class Xvfb:
    """A private X display for WebKit (MiniBrowser has no headless mode)."""

    def __init__(self) -> None:
        for display in range(91, 140):
            if not os.path.exists(f"/tmp/.X11-unix/X{display}") and not os.path.exists(f"/tmp/.X{display}-lock"):
                break
        self.display = f":{display}"
        self.proc = subprocess.Popen(
            [XVFB, self.display, "-screen", "0", "1280x1000x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(f"/tmp/.X11-unix/X{display}"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb {self.display} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


#: MiniBrowser's flags: WebDriver automation and WebKit's mock camera and microphone, without a prompt.
MINIBROWSER_ARGS = ("--automation", "--enable-mock-capture-devices=true", "--enable-media-stream=true",
                    "--enable-webrtc=true", "--enable-mediasource=true")


class WebKitPage(EnginePage):
    engine = "webkit"

    def __init__(self) -> None:
        super().__init__()
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self._xvfb = Xvfb()
        os.environ.setdefault("GST_REGISTRY_UPDATE", "no")
        options = Options()
        options.binary_location = minibrowser() or ""
        for arg in MINIBROWSER_ARGS:
            options.add_argument(arg)
        env_display = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = self._xvfb.display  # the driver starts MiniBrowser with our environment
        try:
            self._log = tempfile.NamedTemporaryFile(prefix="cm-webkitdriver-", suffix=".log", delete=False)  # noqa: SIM115
            service = Service(WEBKIT_DRIVER, log_output=self._log.name)
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        finally:
            if env_display is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = env_display
        self.driver.set_script_timeout(SCRIPT_TIMEOUT_S)
        self.driver.set_page_load_timeout(60)
        self.version = str(self.driver.capabilities.get("browserVersion", ""))

    def _script(self, body: str, args: Sequence[Any]) -> Any:
        return self.driver.execute_script(body, *args)

    def _navigate(self, url: str) -> None:
        self.driver.get(url)

    def _element(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def _screenshot_png(self) -> bytes:
        return bytes(self.driver.get_screenshot_as_png())

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception:
            pass
        self._xvfb.stop()
        os.unlink(self._log.name)


PAGES: dict[str, type[EnginePage]] = {"firefox": FirefoxPage, "webkit": WebKitPage}


class EngineContext:
    """Stands where a Playwright browser context does: ``new_page`` hands out the engine's one tab."""

    def __init__(self, page: EnginePage) -> None:
        self.page = page

    def new_page(self) -> EnginePage:
        return self.page

    def close(self) -> None:
        """The engine outlives a test; only the page is left (in :meth:`EnginePage.close`)."""
