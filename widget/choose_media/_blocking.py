"""A blocking wait for a widget's result inside a running cell: ``w.wait()``.

The one module that touches kernel internals, so that the rest of the package never does.

- ipykernel 6: comm messages are taken off the kernel's message queue from inside the cell
  and dispatched there (other requests, e.g. the next cell, are put back in order), the way
  jupyter-ui-poll did. ``wait_async`` needs the same on ipykernel 6, where an awaiting cell
  also holds the queue.
- ipykernel 7: shell messages are read on a shell-channel thread and handed to the main thread,
  which a blocking cell never yields to. While waiting, this widget's comm is routed to a private
  kernel subshell (its own thread) through the comm's ``_reply_subshell_for`` hook, so the
  widget's messages are handled there while the cell blocks; the subshell is deleted afterwards.
- Anything else (internals not as expected, no kernel): a clear ``RuntimeError`` at once,
  never a hang.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
_SETUP_TIMEOUT = 10.0
#: The id of the last private subshell made for a wait (it is deleted when the wait ends).
last_private_subshell: str | None = None


class ResultWidget(Protocol):
    """What waiting needs of a widget: its result trait, to read and observe, and its comm."""

    result: Any
    comm: Any

    def observe(self, handler: Callable[[Any], None], names: str) -> None: ...
    def unobserve(self, handler: Callable[[Any], None], names: str) -> None: ...


def _kernel() -> Any:
    try:
        getipython: Any = importlib.import_module("IPython.core.getipython")
    except ImportError:
        return None
    shell = getipython.get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def _unsupported(why: str) -> RuntimeError:
    return RuntimeError(
        f"w.wait() cannot block here ({why}); use `await w.wait_async()` or "
        "`await choose_media(...)` in a notebook, or w.pick_files(paths) without a browser"
    )


def wait_for_result(widget: ResultWidget, timeout: float | None) -> None:
    """Return once ``widget.result`` is set; ``TimeoutError`` after ``timeout`` seconds."""
    kernel = _kernel()
    if kernel is None:
        raise _unsupported("no Jupyter kernel is running this code")
    if has_message_queue(kernel):
        deadline = None if timeout is None else time.monotonic() + timeout
        while widget.result is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the widget within {timeout} s")
            pump_comm_messages(kernel)
            time.sleep(0.02)
    else:
        _wait_on_private_subshell(kernel, widget, timeout)


def has_message_queue(kernel: Any) -> bool:
    """ipykernel 6: shell messages wait in ``kernel.msg_queue`` until the main loop takes them."""
    return hasattr(kernel, "msg_queue") and hasattr(kernel, "shell_stream") and hasattr(kernel, "dispatch_shell")


def current_kernel_needs_pumping() -> Any:
    """The kernel if an awaiting cell must pump comm messages itself (ipykernel 6), else ``None``."""
    kernel = _kernel()
    return kernel if kernel is not None and has_message_queue(kernel) else None


_COMM_TYPES = frozenset({"comm_open", "comm_msg", "comm_close"})


def pump_comm_messages(kernel: Any) -> None:
    """Dispatch the comm messages waiting for the kernel now; keep every other request queued, in order."""
    kernel.shell_stream.flush()  # socket → the kernel's queue, synchronously
    queue = kernel.msg_queue
    held = []
    parent, ident = kernel.get_parent("shell"), kernel._parent_ident["shell"]
    try:
        while True:
            try:
                item = queue.get_nowait()
            except Exception:  # asyncio.QueueEmpty
                break
            _idx, dispatch, args = item
            if getattr(dispatch, "__func__", None) is type(kernel).dispatch_shell and _is_comm(kernel, args[0]):
                _drive(dispatch(*args))
            else:
                held.append(item)
    finally:
        for item in held:
            queue.put_nowait(item)
        kernel.set_parent(ident, parent, channel="shell")  # outputs still belong to the waiting cell


def _is_comm(kernel: Any, frames: Any) -> bool:
    try:
        _idents, msg = kernel.session.feed_identities(frames, copy=False)
        header = kernel.session.deserialize(msg, content=False, copy=False)["header"]
    except Exception:
        return False
    return header.get("msg_type") in _COMM_TYPES


def _drive(step: Any) -> None:
    """Run a dispatch coroutine to its end right here: comm handlers never wait on anything."""
    if not inspect.iscoroutine(step):
        return
    for _ in range(1000):
        try:
            step.send(None)
        except StopIteration:
            return
    step.close()
    raise _unsupported("a comm message handler kept waiting")


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


def _wait_on_private_subshell(kernel: Any, widget: ResultWidget, timeout: float | None) -> None:
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
    if channel is None or manager is None or loop is None or create is None or delete is None or comm is None:
        routes_comms = False
    if not routes_comms:
        raise _unsupported(f"this ipykernel ({_version()}) has no subshell routing for comms")
    assert create is not None and delete is not None and comm is not None

    global last_private_subshell
    subshell_id: str = _call_on_loop(loop, create)
    last_private_subshell = subshell_id
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
        from importlib.metadata import version

        return version("ipykernel")
    except Exception:  # pragma: no cover - only for the message
        return "unknown version"
