"""Phase 2, "Status IKD": the registry's answer and the NIK's earlier visits here."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from counter.domain import outcomes as oc
from counter.domain.protocol import Protocol
from counter.tui.screens.counter.flow import CounterFlow
from counter.tui.screens.counter.views.common import View, age_warning, describe_nik, lang_of, tr
from counter.tui.widgets.literal import Label, Static
from counter.tui.words import extract_line, reason_text


class StatusView(View):
    def __init__(self, protocol: Protocol, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        yield Label(tr(self, "counter.status.title"), classes="title")
        yield Static("", markup=False, id="status-nik", classes="block")
        yield Static("", markup=False, id="status-ikd", classes="big")
        yield Static("", markup=False, id="status-history", classes="block")
        yield Static("", markup=False, id="status-hint", classes="muted")

    def show(self, flow: CounterFlow) -> None:
        info, found = flow.info, flow.found
        if info is None or found is None:
            return
        today = flow.ctx.today()
        warning = age_warning(self, info, today)
        self.query_one("#status-nik", Static).update(
            f"NIK {info.nik}\n{describe_nik(self, info, today)}"
            + (f"\n{warning}" if warning else "")
        )
        active = found.ikd_status == oc.ACTIVE
        if active:
            text = (
                tr(
                    self,
                    "counter.status.active_since",
                    date=found.activated_on.strftime("%d-%m-%Y"),
                )
                if found.activated_on
                else tr(self, "counter.status.active")
            )
        elif found.ikd_status == oc.NOT_ACTIVE:
            text = tr(self, "counter.status.not_active")
        else:
            text = tr(self, "counter.status.unknown")
        if found.source:
            source = tr(self, "ui_office.source_visit") if found.source == "visit" else found.source
            text += "\n" + tr(self, "counter.status.source", source=source)
        text += "\n" + extract_line(self.app, found.extract_at, today)  # none, or how old
        ikd = self.query_one("#status-ikd", Static)
        ikd.update(text)
        ikd.set_class(active, "active")
        ikd.set_class(not active, "not-active")
        self.query_one("#status-history", Static).update(self._history(found.visits))
        hint = tr(
            self, "counter.status.hint_active" if active else "counter.status.hint_not_active"
        )
        if flow.day_closed:
            hint = tr(self, "counter_visit.day_closed_hint") + "\n" + hint
        self.query_one("#status-hint", Static).update(hint)

    def _history(self, rows: list[dict[str, Any]]) -> str:
        lang = lang_of(self)
        lines = [tr(self, "counter.status.history")]
        for h in rows[:6]:
            day = h["date"][8:10] + "-" + h["date"][5:7] + "-" + h["date"][0:4]
            if h["outcome"]:
                outcome = self.proto.outcome_text(h["outcome"], lang)
                if h.get("reason"):
                    outcome += ": " + reason_text(self.proto, h["reason"], lang)
                lines.append(
                    "  "
                    + tr(
                        self,
                        "counter.status.history_row",
                        date=day,
                        time=h["time"],
                        outcome=outcome,
                    )
                )
            else:
                lines.append(
                    "  " + tr(self, "counter.status.history_open", date=day, time=h["time"])
                )
        if not rows:
            lines.append("  " + tr(self, "counter.status.no_history"))
        return "\n".join(lines)
