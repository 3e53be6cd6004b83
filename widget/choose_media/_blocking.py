"""A blocking wait for a widget's result, where the kernel allows one.

ipykernel 6 can be pumped from inside a running cell (``kernel.do_one_iteration``), as
jupyter-ui-poll did. ipykernel 7 reads shell messages on another thread and hands them to
the main loop, which a blocking cell never yields to: there a blocking wait would hang for
ever, so it is refused with a clear error instead.
"""

from __future__ import annotations

import time
from typing import Any, Protocol


class _HasResult(Protocol):
    result: Any


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def wait_for_result(widget: _HasResult, timeout: float | None) -> None:
    """Return once ``widget.result`` is set; ``TimeoutError`` after ``timeout`` seconds."""
    kernel = _kernel()
    pump = getattr(kernel, "do_one_iteration", None)
    if kernel is None or pump is None:
        where = "outside a Jupyter kernel" if kernel is None else "on ipykernel 7 or later"
        raise RuntimeError(
            f"w.wait() cannot receive the browser's answer {where} while it blocks; "
            "use `await w.wait_async()` (or `await choose_media(...)`) in the notebook, "
            "or w.pick_files(paths) without a browser"
        )
    deadline = None if timeout is None else time.monotonic() + timeout
    while widget.result is None:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"no answer from the widget within {timeout} s")
        pump()
        time.sleep(0.02)
