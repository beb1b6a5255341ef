"""Phase 5, "Hasil": the outcome with its reason and remedy, an optional note, save."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from counter.domain.protocol import Protocol
from counter.tui.screens.counter.flow import CounterFlow
from counter.tui.screens.counter.views.common import describe_nik, lang_of, tr


class OutcomeView(VerticalScroll):
    def __init__(self, protocol: Protocol, **kw: str) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        yield Label(tr(self, "counter.outcome.title"), classes="title")
        yield Static("", markup=False, id="outcome-nik", classes="block")
        yield Static("", markup=False, id="outcome-text", classes="big")
        yield Static("", markup=False, id="outcome-reason", classes="block")
        with Horizontal(classes="row"):
            yield Label(tr(self, "counter.outcome.note"))
            yield Input(placeholder=tr(self, "counter.outcome.note_placeholder"),
                        max_length=500, id="note-input")
        yield Static(tr(self, "counter.outcome.hint"), classes="muted")

    def show(self, flow: CounterFlow) -> None:
        assert flow.outcome is not None
        lang, info = lang_of(self), flow.info
        nik = info.nik if info else ""
        self.query_one("#outcome-nik", Static).update(
            f"NIK {nik}" + (f"\n{describe_nik(self, info, flow.ctx.today())}" if info else ""))
        self.query_one("#outcome-text", Static).update(tr(
            self, "counter.outcome.outcome", outcome=self.proto.outcome_text(flow.outcome, lang)))
        self.query_one("#outcome-reason", Static).update(self._reason(flow.reason))

    def _reason(self, reason: str | None) -> str:
        if not reason:
            return ""
        lang = lang_of(self)
        lines = [tr(self, "counter.outcome.reason",
                    reason=self.proto.reason_text(reason, lang))]
        remedy = None
        if reason in self.proto.problems:
            remedy = self.proto.problems[reason].remedy.get(lang)
        elif any(p.id == reason for p in self.proto.prerequisites):
            remedy = self.proto.prerequisite(reason).remedy.get(lang)
        if remedy:
            lines.append(tr(self, "counter.prereq.remedy", text=remedy))
        return "\n".join(lines)

    def note(self) -> str | None:
        return self.query_one("#note-input", Input).value.strip() or None

    def clear(self) -> None:
        self.query_one("#note-input", Input).value = ""
