"""A blocking wait for a widget's result inside a running cell: ``w.wait()``.

The one module that touches kernel internals, so that the rest of the package never does.

- ipykernel 6: the kernel can be pumped from inside the cell (``kernel.do_one_iteration``),
  as jupyter-ui-poll did.
- ipykernel 7: shell messages are read on a shell-channel thread and handed to the main thread,
  which a blocking cell never yields to. While waiting, this widget's comm is routed to a private
  kernel subshell (its own thread) through the comm's ``_reply_subshell_for`` hook, so the
  widget's messages are handled there while the cell blocks; the subshell is deleted afterwards.
- Anything else (internals not as expected, no kernel): a clear ``RuntimeError`` at once,
  never a hang.
"""

from __future__ import annotations

import inspect
import threading
import time
from typing import Any, Callable, Protocol, TypeVar

T = TypeVar("T")
_SETUP_TIMEOUT = 10.0


class _Widget(Protocol):
    result: Any
    comm: Any

    def observe(self, handler: Callable[[Any], None], names: str) -> None: ...
    def unobserve(self, handler: Callable[[Any], None], names: str) -> None: ...


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def _unsupported(why: str) -> RuntimeError:
    return RuntimeError(
        f"w.wait() cannot block here ({why}); use `await w.wait_async()` or "
        "`await choose_media(...)` in a notebook, or w.pick_files(paths) without a browser"
    )


def wait_for_result(widget: _Widget, timeout: float | None) -> None:
    """Return once ``widget.result`` is set; ``TimeoutError`` after ``timeout`` seconds."""
    kernel = _kernel()
    if kernel is None:
        raise _unsupported("no Jupyter kernel is running this code")
    pump = getattr(kernel, "do_one_iteration", None)
    if pump is not None:
        _pump_until_result(widget, pump, timeout)
    else:
        _wait_on_private_subshell(kernel, widget, timeout)


def _pump_until_result(widget: _Widget, pump: Callable[[], Any], timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while widget.result is None:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"no answer from the widget within {timeout} s")
        pump()
        time.sleep(0.02)


def _call_on_loop(loop: Any, fn: Callable[[], T]) -> T:
    """Run ``fn`` on another thread's tornado loop and wait for its value."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc
        finally:
            done.set()

    loop.add_callback(run)
    if not done.wait(_SETUP_TIMEOUT):
        raise _unsupported("the kernel's shell-channel thread did not answer")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _wait_on_private_subshell(kernel: Any, widget: _Widget, timeout: float | None) -> None:
    channel = getattr(kernel, "shell_channel_thread", None)
    manager = getattr(channel, "manager", None)
    loop = getattr(channel, "io_loop", None)
    create = getattr(manager, "_create_subshell", None)
    delete = getattr(manager, "_delete_subshell", None)
    comm = getattr(widget, "comm", None)
    router = getattr(type(kernel), "shell_channel_thread_main", None)
    try:
        routes_comms = router is not None and "_reply_subshell_for" in inspect.getsource(router)
    except (OSError, TypeError):
        routes_comms = False
    if None in (channel, manager, loop, create, delete, comm) or not routes_comms:
        raise _unsupported(f"this ipykernel ({_version()}) has no subshell routing for comms")

    subshell_id: str = _call_on_loop(loop, create)
    arrived = threading.Event()

    def on_result(change: Any) -> None:
        if change["new"] is not None:
            arrived.set()

    widget.observe(on_result, names="result")
    comm._reply_subshell_for = lambda _data, _default: subshell_id
    try:
        if widget.result is None and not arrived.wait(timeout):
            raise TimeoutError(f"no answer from the widget within {timeout} s")
    finally:
        del comm._reply_subshell_for
        widget.unobserve(on_result, names="result")
        _call_on_loop(loop, lambda: delete(subshell_id))


def _version() -> str:
    try:
        import ipykernel

        return str(ipykernel.__version__)
    except Exception:  # pragma: no cover - only for the message
        return "unknown version"
