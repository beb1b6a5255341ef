"""Phase 3, "Syarat": the prerequisites checklist; a missing one shows its remedy."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.content import Content

from counter.domain.protocol import Protocol
from counter.domain.text import printable
from counter.tui.screens.counter.flow import CounterFlow
from counter.tui.screens.counter.views.common import View, lang_of, tr
from counter.tui.widgets.literal import Label, Static


class PrereqView(View):
    def __init__(self, protocol: Protocol, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        yield Label(tr(self, "counter.prereq.title"), classes="title")
        yield Static("", id="prereq-list", classes="block")
        yield Static("", markup=False, id="prereq-remedy", classes="block")
        yield Static("", markup=False, id="prereq-hint", classes="muted")

    def show(self, flow: CounterFlow) -> None:
        lang = lang_of(self)
        lines = []
        for i, p in enumerate(self.proto.prerequisites):
            missing = p.id in flow.missing
            mark = "✘" if missing else "✔"
            state = tr(self, "counter.prereq.missing" if missing else "counter.prereq.present")
            pointer = "▶" if i == flow.prereq_cursor else " "
            line = f"{pointer} {i + 1}. {mark} {p.label.get(lang)} — {state}"
            lines.append(Content.styled(printable(line), "bold $error" if missing else ""))
        self.query_one("#prereq-list", Static).update(Content("\n").join(lines))
        remedies = [
            tr(self, "counter.prereq.remedy", text=p.remedy.get(lang))
            for p in self.proto.prerequisites
            if p.id in flow.missing
        ]
        self.query_one("#prereq-remedy", Static).update("\n".join(remedies))
        first = flow.first_missing()
        hint = (
            tr(self, "counter.prereq.not_eligible", reason=self.proto.reason_text(first, lang))
            if first
            else tr(self, "counter.prereq.all_ok")
        )
        self.query_one("#prereq-hint", Static).update(
            tr(self, "counter.prereq.hint", n=len(self.proto.prerequisites)) + "\n" + hint
        )
