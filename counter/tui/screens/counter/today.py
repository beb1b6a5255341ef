"""The F3 side panel: this officer's visits of today, NIK masked, newest first."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical

from counter.domain import nik as nikmod
from counter.domain.protocol import Protocol
from counter.tui.screens.counter.views.common import lang_of, tr
from counter.tui.widgets.literal import DataTable, Label, Static

Visit = Any


class TodayPanel(Vertical):
    def __init__(self, protocol: Protocol | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        yield Label(tr(self, "counter.today.title"), classes="title")
        yield DataTable(id="today-table", cursor_type="row", zebra_stripes=True)
        yield Static("", markup=False, id="today-empty", classes="muted")

    def on_mount(self) -> None:
        self.display = False
        table = self.query_one("#today-table", DataTable)
        table.can_focus = False
        table.add_columns(
            tr(self, "counter.today.time"),
            tr(self, "counter.today.nik"),
            tr(self, "counter.today.outcome"),
        )

    def fill(self, rows: list[Visit]) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        table = self.query_one("#today-table", DataTable)
        table.clear()
        for v in reversed(rows):
            outcome = (
                self.proto.outcome_text(v.outcome, lang_of(self))
                if v.outcome and self.proto
                else tr(self, "counter.today.open")
            )
            table.add_row(
                ctx.local(v.started_at).strftime("%H:%M"), nikmod.mask(v.nik), outcome, key=v.id
            )
        self.query_one("#today-empty", Static).update(
            "" if rows else tr(self, "counter.today.empty")
        )
