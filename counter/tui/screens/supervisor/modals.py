"""The supervisor screens' small shared dialogs: one line of text, and yes / no."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input

from counter.tui.formats import parse_date
from counter.tui.screens.supervisor.base import OnCounterApp, localize
from counter.tui.widgets.literal import Label, Static


class TextPrompt(OnCounterApp, ModalScreen[str | None]):
    """Ask for one line of text (a reason, a note, a date); ``required`` refuses empty input."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]
    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > Vertical { width: 70; height: auto; border: round $primary; padding: 0 1;
                            background: $surface; }
    """

    def __init__(
        self, title: str, label: str, *, required: bool = True, value: str = "", kind: str = "text"
    ) -> None:
        super().__init__()
        self.title_text, self.label_text = title, label
        self.required, self.value, self.kind = required, value, kind

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical():
            yield Label(self.title_text, classes="box-title")
            yield Label(self.label_text, classes="field-label")
            yield Input(
                value=self.value,
                id="prompt-input",
                max_length=300,
                placeholder=t("supervisor.prompt.placeholder_date") if self.kind == "date" else "",
            )
            yield Label("", id="prompt-error", classes="error")
            yield Label(t("supervisor.prompt.hint"), classes="field-label")
        yield Footer()

    def on_mount(self) -> None:
        localize(self, {"prompt.cancel": "supervisor.keys.cancel"})
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        t = self.app.t
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#prompt-error", Label).update(t("supervisor.prompt.required"))
            return
        if self.kind == "date":
            try:
                parse_date(text)
            except ValueError:
                self.query_one("#prompt-error", Label).update(
                    t("supervisor.prompt.bad_date", value=text)
                )
                return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(OnCounterApp, ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical { width: 80; height: auto; border: round $warning; padding: 0 1;
                              background: $surface; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="box-title")
            yield Static(self.body, id="confirm-body")
        yield Footer()

    def on_mount(self) -> None:
        localize(self, {"confirm.yes": "supervisor.keys.yes", "confirm.no": "supervisor.keys.no"})

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
