"""A stand-in base screen for a mode whose real screen is not part of this build."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Static


class PlaceholderScreen(CatalogKeys, Screen[None]):
    def __init__(self, text_key: str) -> None:
        super().__init__()
        self.text_key = text_key

    def compose(self) -> ComposeResult:
        yield Static(self.app.t("tui.title"), classes="title-bar")  # type: ignore[attr-defined]
        yield Static(self.app.t(self.text_key), id="placeholder")  # type: ignore[attr-defined]
        yield Footer()
