"""Small questions the counter asks: leave while a visit is open? resume, close or void the
visit this NIK still has open? why void this visit?"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer

from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, Static

PROMPT_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 90%;
    background: $surface; border: thick $warning; padding: 0 1;
}}
{name} .prompt-title {{ text-style: bold; color: $warning; height: auto; margin-bottom: 1; }}
{name} .prompt-body {{ height: auto; }}
"""


class LeaveVisitScreen(CatalogKeys, ModalScreen[bool]):
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
        t = self.app.t
        with Vertical(id="leave-box"):
            yield Label(t("counter_visit.leave.title"), classes="prompt-title")
            yield Static(self.body, markup=False, id="leave-body", classes="prompt-body")
        yield Footer(compact=True, show_command_palette=False)

    def action_leave(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)


class OpenVisitScreen(CatalogKeys, ModalScreen[str | None]):
    """This NIK already has a visit open today: resume it here (Enter), or for a supervisor
    close it (C), or void it with a reason (F4, its own officer or a supervisor); Escape goes
    back without opening a second one. Dismissed with "resume", "close", "void" or None."""

    DEFAULT_CSS = PROMPT_CSS.format(name="OpenVisitScreen")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose('resume')", "Lanjutkan", id="open.resume", priority=True),
        Binding("c", "choose('close')", "Tutup", id="open.close"),
        Binding("f4", "choose('void')", "Batalkan", id="open.void"),
        Binding("escape", "choose(None)", "Kembali", id="open.back"),
    ]

    def __init__(self, body: str, *, may_close: bool, may_void: bool) -> None:
        super().__init__()
        self.body, self.may_close, self.may_void = body, may_close, may_void

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="open-box"):
            yield Label(t("counter_visit.open.title"), classes="prompt-title")
            yield Static(self.body, markup=False, id="open-body", classes="prompt-body")
        yield Footer(compact=True, show_command_palette=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters == ("close",):
            return self.may_close
        if action == "choose" and parameters == ("void",):
            return self.may_void
        return True

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)


class VoidScreen(CatalogKeys, ModalScreen[str | None]):
    """Void a mistaken visit: the reason is mandatory; dismissed with it, or None."""

    DEFAULT_CSS = (
        PROMPT_CSS.format(name="VoidScreen")
        + """
    VoidScreen #void-reason { width: 1fr; margin-top: 1; }
    VoidScreen #void-msg { height: auto; color: $error; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Batalkan kunjungan", id="void.confirm", priority=True),
        Binding("escape", "cancel", "Kembali", id="void.cancel"),
    ]

    def __init__(self, body: str) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        t = self.app.t
        with Vertical(id="void-box"):
            yield Label(t("counter_visit.void.title"), classes="prompt-title")
            yield Static(self.body, markup=False, id="void-body", classes="prompt-body")
            yield Input(
                placeholder=t("counter_visit.void.placeholder"), max_length=500, id="void-reason"
            )
            yield Static("", markup=False, id="void-msg")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#void-reason").focus()

    def action_confirm(self) -> None:
        from counter.tui.keys import after_typed_input

        after_typed_input(self, self._confirm)

    def _confirm(self) -> None:
        from textual.widgets import Input

        reason = self.query_one("#void-reason", Input).value.strip()
        if not reason:
            self.query_one("#void-msg", Static).update(
                self.app.t("counter_visit.void.reason_required")
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
