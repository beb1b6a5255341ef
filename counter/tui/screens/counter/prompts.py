"""Small questions the counter asks: leave while a visit is open?"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

PROMPT_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 90%;
    background: $surface; border: thick $warning; padding: 0 1;
}}
{name} .prompt-title {{ text-style: bold; color: $warning; height: auto; margin-bottom: 1; }}
{name} .prompt-body {{ height: auto; }}
"""


class LeaveVisitScreen(ModalScreen[bool]):
    """F8 or Ctrl+Q while a visit is open: True to leave anyway (the visit stays open and is
    offered again), False to stay. Enter and Escape stay: leaving needs its own key."""

    DEFAULT_CSS = PROMPT_CSS.format(name="LeaveVisitScreen")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "leave", "Tetap keluar", id="leave.leave"),
        Binding("escape", "stay", "Kembali", id="leave.stay"),
        Binding("enter", "stay", "", show=False, id="leave.enter", priority=True),
    ]

    def __init__(self, body: str) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        with Vertical(id="leave-box"):
            yield Label(t("counter_visit.leave.title"), classes="prompt-title")
            yield Static(self.body, markup=False, id="leave-body", classes="prompt-body")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        from counter.tui.app import localize_bindings

        localize_bindings(self, {"leave.leave": "counter_visit.keys.leave",
                                 "leave.stay": "counter_visit.keys.stay"})

    def action_leave(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)
