"""The follow-up list: PENDING / FAILED visits with consent to contact, oldest first; mark one
contacted or resolved, or open it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from counter.tui.formats import fmt_date
from counter.tui.screens.supervisor.base import SupervisorBase, localize
from counter.tui.screens.supervisor.detail import VisitDetailScreen
from counter.tui.screens.supervisor.modals import TextPrompt
from counter.tui.widgets.literal import DataTable, Static
from counter.tui.words import outcome_word, reason_word

if TYPE_CHECKING:
    from counter.services.followup import FollowUp


class FollowUpScreen(SupervisorBase, Screen[None]):
    """PENDING / FAILED visits with consent to contact, oldest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "contacted", "Contacted", id="fu.contacted"),
        Binding("x", "resolved", "Resolved", id="fu.resolved"),
        Binding("enter", "open", "Open", id="fu.open"),
        Binding("escape", "back", "Back", id="fu.back"),
    ]
    DEFAULT_CSS = """
    FollowUpScreen DataTable { height: 1fr; }
    FollowUpScreen #fu-info { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FollowUp] = []

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        yield Static(self.t("supervisor.followup.title"), classes="title-bar")
        yield Static("", id="fu-info")
        yield DataTable(id="fu-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.allowed:
            return
        localize(
            self,
            {
                "fu.contacted": "supervisor.keys.contacted",
                "fu.resolved": "supervisor.keys.resolved",
                "fu.open": "supervisor.keys.open",
                "fu.back": "supervisor.keys.back",
            },
        )
        table = self.query_one("#fu-table", DataTable)
        for key in ("day", "age", "nik", "name", "phone", "outcome", "reason", "state", "note"):
            table.add_column(self.t(f"supervisor.followup.col_{key}"), key=key)
        self.load()
        table.focus()

    def load(self) -> None:
        from counter.services import followup

        ctx = self.ctx
        self.run_service(lambda: followup.open_followups(ctx), self._fill, "followups")

    def _fill(self, rows: list[FollowUp]) -> None:
        t = self.t
        self.rows = rows
        table = self.query_one("#fu-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            note = (r.note or "").splitlines()[-1] if r.note else ""
            table.add_row(
                fmt_date(r.day, self.app.settings.lang),
                t("supervisor.followup.days", n=r.age_days),
                r.nik_masked,
                r.name or "",
                r.phone,
                outcome_word(self.app, r.outcome),
                reason_word(self.app, r.reason),
                t(f"supervisor.followup.state_{r.state}"),
                note[:40],
                key=r.visit_id,
            )
        if rows:
            table.move_cursor(row=max(0, min(keep, len(rows) - 1)))
        self.query_one("#fu-info", Static).update(t("supervisor.followup.info", count=len(rows)))

    def _current(self) -> FollowUp | None:
        table = self.query_one("#fu-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_contacted(self) -> None:
        row = self._current()
        if row is None:
            return

        def noted(note: str | None) -> None:
            if not note:
                return
            from counter.services import followup

            ctx, sup = self.ctx, self.supervisor
            self.run_service(
                lambda: followup.mark_contacted(ctx, row.visit_id, sup, note),
                self._changed,
                "fu-change",
            )

        self.app.push_screen(
            TextPrompt(
                self.t("supervisor.followup.contacted_title", phone=row.phone),
                self.t("supervisor.followup.note_label"),
            ),
            noted,
        )

    def action_resolved(self) -> None:
        row = self._current()
        if row is None:
            return

        def noted(note: str | None) -> None:
            if note is None:
                return
            from counter.services import followup

            ctx, sup = self.ctx, self.supervisor
            self.run_service(
                lambda: followup.mark_resolved(ctx, row.visit_id, sup, note),
                self._changed,
                "fu-change",
            )

        self.app.push_screen(
            TextPrompt(
                self.t("supervisor.followup.resolved_title"),
                self.t("supervisor.followup.note_optional"),
                required=False,
            ),
            noted,
        )

    def _changed(self, _: object) -> None:
        self.notify(self.t("supervisor.followup.saved"))
        self.load()

    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        from counter.services import daylog

        ctx, sup = self.ctx, self.supervisor
        self.run_service(
            lambda: daylog.open_visit(ctx, row.visit_id, sup),
            lambda d: self.app.push_screen(VisitDetailScreen(d), lambda _c: self.load()),
            "open",
        )

    @on(DataTable.RowSelected, "#fu-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()
