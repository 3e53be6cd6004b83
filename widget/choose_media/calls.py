"""The Python call style of the seed: ``result = await choose_media(**options)``."""

from __future__ import annotations

import importlib
from typing import Any

from .widget import ChooseMediaWidget


async def choose_media(*, timeout: float | None = None, **options: Any) -> dict[str, Any]:
    """Show a picker in the notebook and wait for the user.

    Resolves with the seed's success object when the user confirms; raises ``ChooseMediaError``
    on cancel or failure (after the seed's ``fail``/``complete`` callbacks, if given).
    """
    ipython_display: Any = importlib.import_module("IPython.display")  # typed or not, by IPython version

    widget = ChooseMediaWidget(**options)
    ipython_display.display(widget)
    return await widget.wait_async(timeout)
