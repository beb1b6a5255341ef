"""The command list (Ctrl+P) and the key list, in the user's language.

They replace Textual's command palette and key panel, whose own words ("Search for commands…",
"No matches found", the widgets' key help) are English and which Esc does not close. Both are
plain modal screens over the app's own commands and the active screen's bindings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.widgets.option_list import Option

from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, OptionList


def key_rows(app: Any, screen: Screen) -> list[tuple[str, str]]:
    """(key as shown, what it does) for the keys of ``screen`` a person can use now: the ones the
    footer offers (the app's and the screen's, in the catalog's words), not the widgets' own
    editing keys (Textual's English texts, and known to anyone who types)."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        b = active.binding
        if (
            not active.enabled
            or not b.description
            or b.description in seen
            or not (b.show or b.id == "app.palette")
        ):
            continue
        seen.add(b.description)
        rows.append((app.get_key_display(b), b.description))
    return rows


class CommandsScreen(CatalogKeys, ModalScreen[None]):
    """Type to filter, Enter runs the highlighted command, Esc closes."""

    DEFAULT_CSS = """
    CommandsScreen { align: center top; }
    CommandsScreen > Vertical { width: 64; max-width: 100%; height: auto; max-height: 80%;
        margin-top: 2; border: round $accent; background: $surface; padding: 0 1; }
    CommandsScreen OptionList { height: auto; max-height: 14; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_screen", show=False)]

    def __init__(self, commands: Iterable[SystemCommand]) -> None:
        super().__init__()
        self.commands = list(commands)

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical():
            yield Input(placeholder=t("commands.search"), id="commands-filter")
            yield OptionList(id="commands-list")

    def on_mount(self) -> None:
        self._fill("")

    def _matches(self, text: str) -> list[SystemCommand]:
        words = text.casefold().split()
        return [
            c for c in self.commands if all(w in f"{c.title} {c.help}".casefold() for w in words)
        ]

    def _fill(self, text: str) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        found = self._matches(text)
        for i, c in enumerate(found):
            label = c.title if c.help in ("", c.title) else f"{c.title}  ·  {c.help}"
            ol.add_option(Option(Text(label), id=str(i)))
        if not found:
            ol.add_option(Option(self.app.t("commands.none"), disabled=True))
        else:
            ol.highlighted = 0
        self._shown = found

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ol = self.query_one(OptionList)
        if self._shown and ol.highlighted is not None:
            self._run(self._shown[ol.highlighted].callback)

    def on_key(self, event: Any) -> None:
        if event.key in ("down", "up"):  # move in the list while typing in the filter
            ol = self.query_one(OptionList)
            ol.action_cursor_down() if event.key == "down" else ol.action_cursor_up()
            event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._run(self._shown[int(event.option.id)].callback)

    def _run(self, callback: Callable[[], Any]) -> None:
        self.dismiss()
        self.app.call_later(callback)

    def action_dismiss_screen(self) -> None:
        self.dismiss()


class KeysScreen(CatalogKeys, ModalScreen[None]):
    """The keys of the screen underneath, then the app's key map (each key's one meaning), in
    the user's language; Esc (or ?) closes it. Scrolls when the window is short."""

    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    KeysScreen .keys-title { text-style: bold; }
    KeysScreen .keys-legend-title { text-style: bold; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_screen", show=False),
        Binding("question_mark", "dismiss_screen", show=False),
    ]

    def __init__(
        self, rows: list[tuple[str, str]], legend: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__()
        self.rows = rows
        self.legend = legend or []

    def compose(self) -> ComposeResult:
        t = self.app.t
        width = max((len(k) for k, _ in [*self.rows, *self.legend]), default=4) + 2
        with VerticalScroll():
            yield Label(t("commands.keys_title"), classes="keys-title")
            for key, what in self.rows:
                yield Label(Text(f"{key:<{width}}{what}"), classes="keys-row")
            if self.legend:
                yield Label(t("keys.legend_title"), classes="keys-legend-title")
                for key, what in self.legend:
                    yield Label(Text(f"{key:<{width}}{what}"), classes="keys-legend")
            yield Label(t("commands.close"), classes="keys-close")

    def action_dismiss_screen(self) -> None:
        self.dismiss()
