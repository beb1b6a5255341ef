"""The known problems of one activation step, numbered, with the remedy of the highlighted one."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer
from textual.widgets.option_list import Option

from counter.domain.protocol import Protocol
from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, OptionList, Static


class ProblemPicker(CatalogKeys, ModalScreen[str | None]):
    """The known problems of one step with their remedies; returns the chosen problem id."""

    DEFAULT_CSS = """
    ProblemPicker { align: center middle; }
    ProblemPicker > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProblemPicker OptionList { height: auto; max-height: 12; }
    ProblemPicker #picker-remedy { height: auto; color: $text-muted; padding-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Pilih", id="counter.picker_choose", priority=True),
        Binding("escape", "cancel", "Batal", id="counter.picker_cancel"),
        *[
            Binding(str(n), f"pick({n - 1})", "", show=False, id=f"counter.picker_{n}")
            for n in range(1, 10)
        ],
    ]

    def __init__(self, protocol: Protocol, step_id: str, lang: str, title: str) -> None:
        super().__init__()
        self.protocol, self.step_id, self.lang, self.heading = protocol, step_id, lang, title

    def compose(self) -> ComposeResult:
        problems = self.protocol.step_problems(self.step_id)
        with Vertical():
            yield Label(self.heading, markup=False, classes="title")
            yield OptionList(
                *[
                    Option(f"{i + 1}. {p.text.get(self.lang)}", id=p.id)
                    for i, p in enumerate(problems)
                ],
                id="picker-list",
            )
            yield Static("", markup=False, id="picker-remedy")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ol.focus()
        if ol.option_count:
            ol.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _show_remedy(self, event: OptionList.OptionHighlighted) -> None:
        p = self.protocol.problems.get(event.option.id or "")
        if p is not None:
            t = self.app.t
            self.query_one("#picker-remedy", Static).update(
                t("counter.step.remedy", text=p.remedy.get(self.lang))
                + "\n"
                + t(
                    "counter.step.suggested",
                    outcome=self.protocol.outcome_text(p.outcome, self.lang),
                )
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        """Digits 1-9 choose a problem directly (the list is numbered)."""
        ol = self.query_one(OptionList)
        if 0 <= index < ol.option_count:
            self.dismiss(ol.get_option_at_index(index).id)

    def action_choose(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)
