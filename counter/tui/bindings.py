"""Footer texts of key bindings from the message catalog (used by the app and every screen)."""

from __future__ import annotations

from typing import Any

from counter.tui.keys import register_labels


def localize_bindings(node: Any, texts: dict[str, str]) -> None:
    """Footer labels (binding id -> catalog key) for bindings not yet in
    :data:`counter.tui.keys.LABELS`; screens inheriting :class:`counter.tui.keys.CatalogKeys`
    show them. The bindings themselves are not changed (no private Textual state is touched)."""
    register_labels(texts)
    node.refresh_bindings()
