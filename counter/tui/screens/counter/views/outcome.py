"""Phase 5, "Hasil": the outcome with its reason and remedy, an optional note, save."""

from __future__ import annotations

from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input

from counter.domain import outcomes as oc
from counter.domain.protocol import Protocol
from counter.tui.screens.counter.flow import Contact, CounterFlow, phone_ok
from counter.tui.screens.counter.views.common import describe_nik, lang_of, tr
from counter.tui.widgets.literal import Label, Static


class OutcomeView(VerticalScroll):
    def __init__(self, protocol: Protocol, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol
        self._prefilled_for: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(tr(self, "counter.outcome.title"), classes="title")
        yield Static("", markup=False, id="outcome-nik", classes="block")
        yield Static("", markup=False, id="outcome-text", classes="big")
        yield Static("", markup=False, id="outcome-reason", classes="block")
        with Horizontal(classes="row"):
            yield Label(tr(self, "counter.outcome.note"))
            yield Input(
                placeholder=tr(self, "counter.outcome.note_placeholder"),
                max_length=500,
                id="note-input",
            )
        yield Static(tr(self, "counter.outcome.hint"), classes="muted")
        yield Static(tr(self, "counter_visit.void.hint"), classes="muted")
        with Vertical(id="followup"):
            yield Static(
                tr(self, "counter_visit.followup.ask"),
                markup=False,
                id="followup-ask",
                classes="muted",
            )
            with Horizontal(classes="row compact"):
                yield Label(tr(self, "counter.nik.phone"))
                yield Checkbox(tr(self, "counter.nik.consent"), id="fu-consent", compact=True)
                yield Input(
                    placeholder=tr(self, "counter.nik.phone_placeholder"),
                    max_length=20,
                    restrict=r"[0-9+ \-]*",
                    id="fu-phone",
                    disabled=True,
                    compact=True,
                )
            yield Static("", markup=False, id="fu-msg", classes="field-msg error")

    def on_mount(self) -> None:
        self.query_one("#followup").display = False

    def show(self, flow: CounterFlow) -> None:
        assert flow.outcome is not None
        lang, info = lang_of(self), flow.info
        nik = info.nik if info else ""
        self.query_one("#outcome-nik", Static).update(
            f"NIK {nik}" + (f"\n{describe_nik(self, info, flow.ctx.today())}" if info else "")
        )
        self.query_one("#outcome-text", Static).update(
            tr(self, "counter.outcome.outcome", outcome=self.proto.outcome_text(flow.outcome, lang))
        )
        self.query_one("#outcome-reason", Static).update(self._reason(flow.reason))
        self._show_followup(flow)

    def _show_followup(self, flow: CounterFlow) -> None:
        """PENDING / FAILED need a follow-up: ask for the consent and phone here, where the
        outcome is known (prefilled with what the NIK view had)."""
        self.query_one("#followup").display = flow.outcome in oc.FOLLOW_UP
        if self._prefilled_for == flow.visit_id:
            return
        self._prefilled_for = flow.visit_id
        consent = self.query_one("#fu-consent", Checkbox)
        consent.value = flow.details.consent
        phone = self.query_one("#fu-phone", Input)
        phone.disabled = not flow.details.consent
        phone.value = flow.details.phone or ""
        self.query_one("#fu-msg", Static).update("")

    @on(Checkbox.Changed, "#fu-consent")
    def _consent_changed(self, event: Checkbox.Changed) -> None:
        phone = self.query_one("#fu-phone", Input)
        phone.disabled = not event.value
        if not event.value:
            phone.value = ""
            self.query_one("#fu-msg", Static).update("")

    def contact(self) -> Contact | None | Literal[False]:
        """The follow-up consent and phone (None when not asked); False when the phone is bad
        (the message is shown, the field focused)."""
        if not self.query_one("#followup").display:
            return None
        consent = self.query_one("#fu-consent", Checkbox).value
        phone = self.query_one("#fu-phone", Input).value.strip() if consent else ""
        if phone and not phone_ok(phone):
            self.query_one("#fu-msg", Static).update(tr(self, "counter.nik.phone_bad"))
            self.query_one("#fu-phone").focus()
            return False
        self.query_one("#fu-msg", Static).update("")
        return Contact(consent, phone or None)

    def _reason(self, reason: str | None) -> str:
        if not reason:
            return ""
        lang = lang_of(self)
        lines = [tr(self, "counter.outcome.reason", reason=self.proto.reason_text(reason, lang))]
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
        self.query_one("#fu-consent", Checkbox).value = False
        self.query_one("#fu-phone", Input).value = ""
        self.query_one("#fu-msg", Static).update("")
        self._prefilled_for = None
