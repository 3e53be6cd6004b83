"""Notebooks for the benchmarks: ``tests/support/harness.py``'s Lab and NotebookSession on a CDP page.

``NotebookSession`` only needs ``context.new_page()`` and a few Playwright-like page methods, which
``cdp.Page`` provides, so the kernel-side helpers (``run``, ``eval_json``, ``wait_for``) are reused as is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support import harness
from tests.support.harness import Lab, NotebookSession  # noqa: F401

from .cdp import Browser, CdpContext, Page

REPO = Path(__file__).resolve().parents[1]

#: Records every websocket close (code and reason) so a dropped oversized message is seen, not guessed.
_WS_CLOSE_RECORDER = r"""
(() => {
  const Native = window.WebSocket;
  window.__wsCloses = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const url = String(args[0]).replace(/\?.*/, "");
      this.addEventListener("close", (e) => window.__wsCloses.push({ code: e.code, reason: e.reason, url }));
    }
  };
})();
"""

#: Click a widget's button while ``HTMLInputElement.click`` is borrowed, to catch the file input it opens
#: (FileUpload and ipyuploads never attach theirs to the document).  No chooser dialog opens.
_CATCH_FILE_INPUT = r"""
(selector) => {
  const native = HTMLInputElement.prototype.click;
  let caught = null;
  HTMLInputElement.prototype.click = function () {
    if (this.type === "file") caught = this; else native.call(this);
  };
  try {
    const button = document.querySelector(selector);
    if (!button) throw new Error("no element matches " + selector);
    button.click();
  } finally {
    HTMLInputElement.prototype.click = native;
  }
  if (!caught) throw new Error("clicking " + selector + " opened no file input");
  window.__benchInput = caught;
  return true;
}
"""

#: Prelude of every benchmark notebook: the kernel-side helpers.
PRELUDE = f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom benchmarks import kernel_side as ks\n"


class _Context(CdpContext):
    def new_page(self) -> Page:
        page = super().new_page()
        page.cdp.call("Page.addScriptToEvaluateOnNewDocument", source=_WS_CLOSE_RECORDER)
        return page


def open_notebook(lab: Lab, browser: Browser, name: str, cells: Sequence[str], *, run: bool = True,
                  timeout: float = 120) -> NotebookSession:
    """Write ``cells`` (after the prelude cell) to ``name``, open it in a new tab, run all cells."""
    harness.write_notebook(lab.root_dir / name, [PRELUDE, *cells])
    nb = NotebookSession(lab, _Context(browser), name)
    try:
        nb.open(timeout=timeout)
        if run:
            nb.run_all(wait=True, timeout=timeout)
    except BaseException:
        close(nb)
        raise
    return nb


def close(nb: NotebookSession) -> None:
    try:
        nb.close()
    except Exception:
        pass


def page(nb: NotebookSession) -> Page:
    return nb.page  # type: ignore[no-any-return]


def wait_selector(nb: NotebookSession, selector: str, timeout: float = 30) -> None:
    page(nb).wait_for_function(f"() => !!document.querySelector({json.dumps(selector)})", timeout=timeout * 1000)


def pick_file(nb: NotebookSession, button_selector: str, path: Path | Sequence[Path]) -> float:
    """Sets ``path`` (or several) on the file input the button opens (``DOM.setFileInputFiles``); returns the
    time (``time.time()``) just before the files were set."""
    p = page(nb)
    p.evaluate(_CATCH_FILE_INPUT, button_selector)
    handle = p.evaluate_handle("window.__benchInput")
    if handle is None:
        raise RuntimeError("the caught file input is gone")
    t0 = time.time()
    p.set_input_files(handle, [path] if isinstance(path, Path) else list(path))
    return t0


def websocket_closes(nb: NotebookSession) -> list[dict[str, Any]]:
    return page(nb).evaluate("window.__wsCloses || []") or []


def kernel_wait(nb: NotebookSession, names: str, timeout: float, interval: float = 0.05) -> dict[str, Any]:
    """Poll ``ks.snapshot()`` until one of the ``|``-separated marks is there (or ``timeout``); returns it.

    Polls on a kernel subshell (another thread), so the main shell stays idle and handles the widgets'
    messages exactly as it does for a user.  (A cell that *awaits* on the main shell also receives comm
    messages, but ipywidgets' front-end holds back a model's second state update until the kernel
    reports the first one's request idle, which an awaiting cell delays: ImageRecorder's second photo
    never arrived that way.)  The marks carry the kernel's own timestamps; the interval only sets how
    soon the driver notices.
    """
    wanted = names.split("|")
    deadline = time.monotonic() + timeout
    while True:
        snap = kernel_now(nb)
        if any(n in snap["marks"] for n in wanted) or time.monotonic() > deadline:
            return snap
        time.sleep(interval)


def kernel_now(nb: NotebookSession) -> dict[str, Any]:
    """``ks.snapshot()`` read on a kernel subshell (ipykernel >= 7), else on the main shell."""
    use_subshell = getattr(nb, "_bench_subshell", None)
    if use_subshell is None:
        try:
            _ = nb.subshell_id
            use_subshell = True
        except Exception:  # ipykernel < 7: no subshells
            use_subshell = False
        nb._bench_subshell = use_subshell  # type: ignore[attr-defined]
    return nb.eval_json("ks.snapshot()", subshell=use_subshell)  # type: ignore[no-any-return]
