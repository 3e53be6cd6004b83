"""The Python call style of the seed: ``result = await choose_media(**options)``."""

from __future__ import annotations

from typing import Any

from .widget import ChooseMediaWidget


async def choose_media(*, timeout: float | None = None, **options: Any) -> dict[str, Any]:
    """Show a picker in the notebook and wait for the user.

    Resolves with the seed's success object when the user confirms; raises ``ChooseMediaError``
    on cancel or failure (after the seed's ``fail``/``complete`` callbacks, if given).
    """
    from IPython.display import display

    widget = ChooseMediaWidget(**options)
    display(widget)  # type: ignore[no-untyped-call]
    return await widget.wait_async(timeout)
