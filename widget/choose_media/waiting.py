"""Waiting for a widget's result, the two ways a notebook cell can: ``await`` it, or block on it.

Both watch the ``result`` trait (set from whichever thread finished the pick) and turn a ``fail`` result into
``ChooseMediaError``. Blocking needs kernel internals; those live in ``_blocking``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._blocking import ResultWidget, current_kernel_needs_pumping, pump_comm_messages, wait_for_result
from .errors import ChooseMediaError, Errno


def outcome(widget: ResultWidget) -> dict[str, Any]:
    """The success object, or ``ChooseMediaError`` for a ``fail`` result."""
    result = widget.result
    assert result is not None
    if result["errMsg"].endswith(":ok"):
        return dict(result)
    raise ChooseMediaError(result.get("errno", Errno.UNKNOWN_ERROR), result["errMsg"])


async def wait_async(widget: ResultWidget, timeout: float | None) -> dict[str, Any]:
    if widget.result is None:
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[dict[str, Any]] = loop.create_future()

        def resolve(value: dict[str, Any]) -> None:
            if not arrived.done():
                arrived.set_result(value)

        def on_result(change: Any) -> None:
            if change["new"] is not None:
                loop.call_soon_threadsafe(resolve, change["new"])

        widget.observe(on_result, names="result")
        try:
            await asyncio.wait_for(_arrival(arrived), timeout)
        finally:
            widget.unobserve(on_result, names="result")
    return outcome(widget)


async def _arrival(arrived: asyncio.Future[dict[str, Any]]) -> None:
    kernel = current_kernel_needs_pumping()
    if kernel is None:  # ipykernel 7 hands comm messages to an awaiting cell by itself
        await arrived
        return
    while not arrived.done():  # ipykernel 6: an awaiting cell holds the queue, so pump it
        pump_comm_messages(kernel)
        await asyncio.sleep(0.02)


def wait(widget: ResultWidget, timeout: float | None) -> dict[str, Any]:
    if widget.result is None:
        wait_for_result(widget, timeout)
    return outcome(widget)
