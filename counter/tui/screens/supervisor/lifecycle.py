"""The supervisor's visit-lifecycle dialogs: a correction whose reason is picked from the
protocol's list for the outcome, and closing abandoned visits (one from the daily log, or all
of a day from the day-close refusal). The rules are ``counter.domain.visit``'s; the writes are
``services.visits`` / ``services.dayclose``'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input

from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.tui.screens.supervisor.base import OnCounterApp, localize
from counter.tui.widgets.literal import Label, Select, Static
from counter.tui.words import outcome_word, reason_word

if TYPE_CHECKING:
    from counter.services.daylog import VisitDetail
    from counter.services.visits import OpenVisit
    from counter.tui.shell import Shell


@dataclass(frozen=True)
class Correction:
    outcome: str
    reason: str | None
    why: str


def reason_options(app: Shell, outcome: str) -> list[tuple[str, str]]:
    """(label, code) of the reasons ``outcome`` may carry, from the configured protocol."""
    from counter.domain.protocol import ProtocolError, cached_protocol

    lang = app.settings.lang
    try:
        proto = cached_protocol(app.settings.protocol_file or None)
    except (ProtocolError, OSError):
        return []
    out = []
    for code in vm.valid_reasons(proto, outcome):
        text = (
            app.t("lifecycle.reason." + code)
            if code == vm.INTERRUPTED and code not in proto.problems
            else proto.reason_text(code, lang)
        )
        out.append((text, code))  # words for the reader; the code stays the value
    return out


def _fill_reasons(
    modal: CorrectionModal | CloseAbandonedModal, outcome: str, keep: str | None
) -> None:
    sel = modal.query_one("#corr-reason", Select)
    options = reason_options(modal.app, outcome)
    sel.set_options(options)
    codes = [c for _, c in options]
    if keep in codes:
        sel.value = keep
    elif (
        outcome in vm.ABANDONED_OUTCOMES
        and vm.INTERRUPTED in codes
        and isinstance(modal, CloseAbandonedModal)
    ):
        sel.value = vm.INTERRUPTED
    sel.disabled = not options


class CorrectionModal(OnCounterApp, ModalScreen["Correction | None"]):
    """New outcome, its reason picked from the protocol's list, and the mandatory why."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="corr.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="corr.cancel"),
    ]
    DEFAULT_CSS = """
    CorrectionModal { align: center middle; }
    CorrectionModal > Vertical { width: 80; height: auto; border: round $warning;
                                 padding: 0 1; background: $surface; }
    """

    def __init__(self, detail: VisitDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        t = self.app.t
        d = self.detail
        with Vertical():
            yield Label(t("supervisor.correct.title"), classes="box-title")
            yield Label(
                t(
                    "supervisor.correct.current",
                    outcome=outcome_word(self.app, d.outcome),
                    reason=reason_word(self.app, d.reason) if d.reason else "-",
                ),
                markup=False,
            )
            yield Label(t("supervisor.correct.outcome"), classes="field-label")
            yield Select(
                [(t("supervisor.outcome." + o), o) for o in oc.OUTCOMES],
                value=d.outcome or oc.ACTIVATED,
                allow_blank=False,
                id="corr-outcome",
            )
            yield Label(t("supervisor.correct.reason"), classes="field-label")
            yield Select([], id="corr-reason", prompt=t("lifecycle.correct.reason_none"))
            yield Label(t("supervisor.correct.why"), classes="field-label")
            yield Input(id="corr-why", max_length=300)
            yield Label("", id="corr-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        localize(
            self, {"corr.save": "supervisor.keys.save", "corr.cancel": "supervisor.keys.cancel"}
        )
        _fill_reasons(self, str(self.query_one("#corr-outcome", Select).value), self.detail.reason)

    @on(Select.Changed, "#corr-outcome")
    def _outcome_changed(self, event: Select.Changed) -> None:
        _fill_reasons(self, str(event.value), self.reason)

    @property
    def reason(self) -> str | None:
        v = self.query_one("#corr-reason", Select).value
        return v if isinstance(v, str) else None  # the blank entry is not a str

    @on(Input.Submitted, "#corr-why")
    def _why_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        t = self.app.t
        outcome = str(self.query_one("#corr-outcome", Select).value)
        reason = self.reason
        why = self.query_one("#corr-why", Input).value.strip()
        err = self.query_one("#corr-error", Label)
        if outcome in oc.NEEDS_REASON and not reason:
            err.update(t("supervisor.correct.need_reason", outcome=outcome))
            return
        if not why:
            err.update(t("supervisor.correct.need_why"))
            return
        if outcome == self.detail.outcome and reason == self.detail.reason:
            err.update(t("supervisor.correct.unchanged"))
            return
        self.dismiss(Correction(outcome, reason, why))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CloseAbandonedModal(OnCounterApp, ModalScreen["tuple[str, str] | None"]):
    """End open visits their officer left: PENDING / FAILED / DECLINED with a protocol reason
    (``interrupted`` by default). Lists the visits; returns (outcome, reason)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="aband.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="aband.cancel"),
    ]
    DEFAULT_CSS = """
    CloseAbandonedModal { align: center middle; }
    CloseAbandonedModal > Vertical { width: 90; height: auto; max-height: 90%;
                                     border: round $warning; padding: 0 1; background: $surface; }
    CloseAbandonedModal #aband-list { height: auto; max-height: 12; }
    """

    def __init__(self, title: str, visits: list[OpenVisit]) -> None:
        super().__init__()
        self.title_text, self.visits = title, visits

    def compose(self) -> ComposeResult:
        t = self.app.t
        lines = [
            t(
                "lifecycle.abandoned.line",
                nik=v.nik_masked,
                time=v.local_time,
                officer=v.officer,
                counter=v.counter_id,
                step=v.step,
            )
            for v in self.visits
        ]
        with Vertical():
            yield Label(self.title_text, classes="box-title", markup=False)
            yield Static("\n".join(lines), id="aband-list", markup=False)
            yield Label(t("lifecycle.abandoned.hint"))
            yield Label(t("supervisor.correct.outcome"), classes="field-label")
            yield Select(
                [(t("supervisor.outcome." + o), o) for o in vm.ABANDONED_OUTCOMES],
                value=oc.PENDING,
                allow_blank=False,
                id="aband-outcome",
            )
            yield Label(t("supervisor.correct.reason"), classes="field-label")
            yield Select([], id="corr-reason", prompt=t("lifecycle.correct.reason_none"))
            yield Label("", id="aband-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        localize(
            self,
            {"aband.save": "lifecycle.keys.close_them", "aband.cancel": "supervisor.keys.cancel"},
        )
        _fill_reasons(self, oc.PENDING, vm.INTERRUPTED)

    @on(Select.Changed, "#aband-outcome")
    def _outcome_changed(self, event: Select.Changed) -> None:
        _fill_reasons(self, str(event.value), vm.INTERRUPTED)

    def action_save(self) -> None:
        outcome = str(self.query_one("#aband-outcome", Select).value)
        v = self.query_one("#corr-reason", Select).value
        if not isinstance(v, str):
            self.query_one("#aband-error", Label).update(
                self.app.t("supervisor.correct.need_reason", outcome=outcome)
            )
            return
        self.dismiss((outcome, v))

    def action_cancel(self) -> None:
        self.dismiss(None)
