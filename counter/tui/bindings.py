"""Footer texts of key bindings from the message catalog (used by the app and every screen)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import App


def localize_bindings(node: Any, texts: dict[str, str]) -> None:
    """Give the bindings of ``node`` (by binding id) footer texts from the catalog.

    ``texts`` maps binding id -> catalog key. Call it in ``__init__`` or ``on_mount`` of a
    screen (``node.app.t`` must work) or pass an app. Class-level bindings stay untouched.
    """
    app: Any = node if isinstance(node, App) else node.app
    table = node._bindings.key_to_bindings
    for key, bindings in list(table.items()):
        if any(b.id in texts for b in bindings):
            table[key] = [
                replace(b, description=app.t(texts[b.id])) if b.id in texts else b for b in bindings
            ]
