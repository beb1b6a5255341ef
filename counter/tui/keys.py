"""Key handling helpers shared by screens."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen
from textual.widgets import Input


def after_typed_input(screen: Screen, action: Callable[[], object]) -> None:
    """Run ``action`` once the focused Input has handled every key already sent to it.

    A priority Enter binding runs in the app's queue as soon as Enter arrives, while the
    characters typed just before it (a fast typist, a barcode scanner, a paste) may still wait in
    the Input's own queue. Scheduling through the Input keeps the order the person typed.
    """
    focused = screen.focused
    if isinstance(focused, Input):
        focused.call_later(action)
    else:
        action()
