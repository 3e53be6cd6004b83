"""Fixtures for real-browser tests of anywidgets in a real JupyterLab (tests/browser, and the browser
cases of tests/hostile and tests/benchmarks). One definition for the whole test tree, so one Playwright
runs per session.

    def test_something(open_notebook):
        nb = open_notebook(["import anywidget", "w = MyWidget(); w"])
        nb.page.click(".my-button")
        nb.wait_for("w.value == 3")

Fixtures
    lab             session  running JupyterLab (``.url .root_dir .runtime_dir .port .log_path .api()``)
    playwright      session  Playwright sync API object
    browser         session  headless /usr/bin/chromium with the default flags (harness.CHROMIUM_ARGS)
    launch_browser  function factory ``launch_browser(extra_args=(), *, drop_args=(), **launch_kw)``
    open_notebook   function factory ``open_notebook(cells, name=None, browser=None, *, wait=True, ...)``
                    -> harness.NotebookSession (closed, and its kernel shut down, after the test)

All tests in tests/browser get the ``browser`` marker (``-m "not browser"`` skips them).  They
are skipped when Playwright or Chromium is missing.  On failure a screenshot, the browser console
and the server log tail are written to ``test-artifacts/`` and the console is added to the report.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support import harness
from tests.support.harness import CHROMIUM, CHROMIUM_ARGS, Lab, NotebookSession, save_artifacts

HERE = Path(__file__).resolve().parent / "browser"

SESSIONS_KEY = pytest.StashKey[list]()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser test (JupyterLab + headless Chromium)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not (rep.failed and rep.when in ("setup", "call")):
        return
    sessions = [nb for nb in item.stash.get(SESSIONS_KEY, []) if not nb._closed]
    if not sessions:
        return
    try:
        files = save_artifacts(sessions, item.nodeid, lab=sessions[0].lab)
    except Exception as exc:  # never hide the real failure
        files = [f"<saving artifacts failed: {exc!r}>"]
    rep.sections.append(("browser artifacts", "\n".join(str(f) for f in files)))
    for nb in sessions:
        rep.sections.append((f"browser console ({nb.name})", "\n".join(nb.console_messages[-200:]) or "(empty)"))


# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHOOSE_MEDIA_CHROMIUM)")
    pw = sync_playwright().start()
    yield pw
    pw.stop()


def _launch(pw, args: Sequence[str], **kw):
    return pw.chromium.launch(executable_path=CHROMIUM, headless=kw.pop("headless", True), args=list(args), **kw)


@pytest.fixture(scope="session")
def browser(playwright):
    b = _launch(playwright, CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def launch_browser(playwright):
    """Factory for a browser with other flags, closed after the test.

    ``launch_browser(["--use-file-for-fake-video-capture=/tmp/x.y4m"])`` adds flags to the defaults;
    ``drop_args`` removes default flags (e.g. ``["--use-fake-ui-for-media-stream"]`` to test the
    permission path); other keywords go to ``chromium.launch``.
    """
    launched = []

    def factory(extra_args: Sequence[str] = (), *, drop_args: Sequence[str] = (), **launch_kw):
        args = [a for a in CHROMIUM_ARGS if a not in set(drop_args)] + list(extra_args)
        b = _launch(playwright, args, **launch_kw)
        launched.append(b)
        return b

    yield factory
    for b in launched:
        b.close()


@pytest.fixture(scope="session")
def lab():
    server = Lab.start()
    try:
        yield server
    finally:
        server.stop(check=True)


@pytest.fixture
def open_notebook(request, lab):
    """Factory: write a notebook of code cells, open it in a new browser context, run all cells.

    ``open_notebook(cells, name=None, browser=None, *, wait=True, timeout=120, context_options=None)``

    - ``name``: file name in ``lab.root_dir`` (default derived from the test name).
    - ``browser``: a Browser from ``launch_browser`` instead of the session one.
    - ``wait=False``: start run-all and return at once (for cells that wait for the browser);
      call ``nb.wait_until_run_done()`` later.
    - ``context_options``: keywords for ``browser.new_context`` (viewport, permissions, ...).
    """
    sessions: list[NotebookSession] = []
    request.node.stash[SESSIONS_KEY] = sessions

    def factory(
        cells: Sequence[str],
        name: str | None = None,
        browser=None,
        *,
        wait: bool = True,
        timeout: float = 120,
        context_options: dict | None = None,
    ) -> NotebookSession:
        if isinstance(cells, str):
            cells = [cells]
        if name is None:
            base = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in request.node.name)[:80]
            name = f"{base}-{len(sessions)}.ipynb"
        harness.write_notebook(lab.root_dir / name, cells)
        if browser is None:  # the session browser, launched only when a test needs it
            browser = request.getfixturevalue("browser")
        ctx = browser.new_context(**(context_options or {}))
        nb = NotebookSession(lab, ctx, name)
        sessions.append(nb)
        nb.open(timeout=timeout)
        nb.run_all(wait=wait, timeout=timeout)
        return nb

    yield factory
    errors = []
    for nb in sessions:
        try:
            nb.close()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
