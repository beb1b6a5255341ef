"""The audited visit detail: full NIK, the visit's facts and its event timeline; correct, close
an abandoned visit, or void it from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer

from counter.tui.formats import fmt_date
from counter.tui.screens.supervisor.base import SupervisorBase, localize, mmss
from counter.tui.screens.supervisor.lifecycle import (
    CloseAbandonedModal,
    Correction,
    CorrectionModal,
)
from counter.tui.screens.supervisor.modals import TextPrompt
from counter.tui.widgets.literal import DataTable, Label, Static
from counter.tui.words import event_word, outcome_word, reason_word, state_word, step_word

if TYPE_CHECKING:
    from counter.services.daylog import VisitDetail


class VisitDetailScreen(SupervisorBase, ModalScreen[bool]):
    """Full NIK and the event timeline of one visit (opening it was audited by the service)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "correct", "Correct", id="detail.correct"),
        Binding("c", "close_abandoned", "Close", id="detail.close_abandoned"),
        Binding("f4", "void", "Void", id="detail.void"),
        Binding("escape", "close", "Back", id="detail.back"),
    ]
    DEFAULT_CSS = """
    VisitDetailScreen { align: center middle; }
    VisitDetailScreen > Vertical { width: 100%; max-width: 110; height: 90%;
                                   border: round $primary; padding: 0 1; background: $surface; }
    VisitDetailScreen #detail-head { height: auto; }
    VisitDetailScreen DataTable { height: 1fr; }
    """

    BOX_WIDTH = 110  # the max-width above

    def __init__(self, detail: VisitDetail) -> None:
        super().__init__()
        self.detail = detail
        self.changed = False

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        with Vertical():
            yield Label(self.t("supervisor.detail.title"), classes="box-title")
            yield Static(self._head(), id="detail-head")
            yield DataTable(id="detail-events", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def _head(self) -> str:
        d, t = self.detail, self.t
        ctx = self.ctx
        lines = [
            t("supervisor.detail.nik", nik=d.nik, name=d.name or "-"),
            t(
                "supervisor.detail.where",
                day=fmt_date(d.day, self.app.settings.lang),
                start=ctx.local(d.started_at).strftime("%H:%M:%S"),
                end=ctx.local(d.ended_at).strftime("%H:%M:%S") if d.ended_at else "-",
                counter=d.counter_id,
                officer=d.officer,
                handling=mmss(d.handling_seconds),
            ),
            t(
                "supervisor.detail.outcome",
                outcome=outcome_word(self.app, d.outcome),
                reason=reason_word(self.app, d.reason) or "-",
                revision=d.revision,
            ),
        ]
        if d.phone:
            lines.append(
                t(
                    "supervisor.detail.phone",
                    phone=d.phone,
                    state=state_word(self.app, d.followup_state),
                )
            )
        if d.note:
            lines.append(t("supervisor.detail.note", note=d.note))
        if d.voided_at is not None:
            lines.append(
                t(
                    "lifecycle.detail.voided",
                    at=ctx.local(d.voided_at).strftime("%H:%M:%S"),
                    reason=d.void_reason or "-",
                )
            )
        if d.day_closed:
            lines.append(t("supervisor.detail.closed"))
        return "\n".join(lines)

    def on_mount(self) -> None:
        if not self.allowed:
            return
        localize(
            self,
            {
                "detail.correct": "supervisor.keys.correct",
                "detail.close_abandoned": "lifecycle.keys.close_abandoned",
                "detail.void": "lifecycle.keys.void",
                "detail.back": "supervisor.keys.back",
            },
        )
        self._fill()

    def _fill(self) -> None:
        t, ctx = self.t, self.ctx
        table = self.query_one("#detail-events", DataTable)
        table.clear(columns=True)
        rows = [
            (
                ctx.local(e.at).strftime("%H:%M:%S"),
                str(e.seq),
                event_word(self.app, e.kind),
                step_word(self.app, e.step),
                self._describe(e.kind, e.data),
            )
            for e in self.detail.events
        ]
        heads = [
            t("supervisor.detail.col_time"),
            "#",
            t("supervisor.detail.col_kind"),
            t("supervisor.detail.col_step"),
        ]
        for head in heads:
            table.add_column(head)
        # the data column gets the room left in the box and long lines wrap inside it, so the
        # timeline is never cut at 80 or 100 columns (the row grows instead)
        fixed = sum(max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads))
        box = min(self.BOX_WIDTH, self.app.size.width) - 4  # border and padding
        data_width = max(16, box - fixed - 2 * (len(heads) + 1) - 2)  # cell padding, scrollbar
        table.add_column(t("supervisor.detail.col_data"), width=data_width)
        for row in rows:
            table.add_row(*row, height=None)

    def on_resize(self) -> None:
        if self.allowed and self.is_mounted:
            self._fill()

    def _describe(self, kind: str, data: dict[str, Any]) -> str:
        t = self.t
        if kind == "correction":
            f, to = data.get("from") or {}, data.get("to") or {}
            app = self.app
            return t(
                "supervisor.detail.correction",
                old=outcome_word(app, f.get("outcome")),
                old_reason=reason_word(app, f.get("reason")) or "-",
                new=outcome_word(app, to.get("outcome")),
                new_reason=reason_word(app, to.get("reason")) or "-",
                why=data.get("why") or "",
            )
        words = {
            "outcome": lambda v: outcome_word(self.app, v),
            "reason": lambda v: reason_word(self.app, v),
        }
        parts = [
            f"{k}={words[k](v) if k in words and isinstance(v, str) else v}"
            for k, v in data.items()
            if v not in (None, "", {}, [])
        ]
        return ", ".join(parts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        d = self.detail
        live = not d.day_closed and d.voided_at is None
        if action == "correct":
            return bool(d.ended_at and live) or None
        if action == "close_abandoned":
            return bool(d.ended_at is None and live) or None
        if action == "void":
            return live or None
        return True

    def action_close_abandoned(self) -> None:
        from counter.services.visits import OpenVisit

        d, ctx = self.detail, self.ctx
        last_step = (d.events[-1].step if d.events else None) or "-"
        ov = OpenVisit(
            visit_id=d.visit_id,
            nik=d.nik,
            day=d.day,
            officer_id=0,  # not shown; the detail carries the officer's name
            officer=d.officer,
            counter_id=d.counter_id,
            started_at=d.started_at,
            local_time=ctx.local(d.started_at).strftime("%H:%M"),
            step=last_step,
        )
        self.app.push_screen(
            CloseAbandonedModal(self.t("lifecycle.abandoned.title"), [ov]), self._abandoned_chosen
        )

    def _abandoned_chosen(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        from counter.services import daylog, visits

        ctx, sup, vid = self.ctx, self.supervisor, self.detail.visit_id

        def do() -> VisitDetail:
            visits.close_abandoned(ctx, sup, vid, *choice)
            return daylog.open_visit(ctx, vid, sup)

        self.run_service(do, self._reload, "correct")

    def action_void(self) -> None:
        self.app.push_screen(
            TextPrompt(self.t("lifecycle.void.title"), self.t("lifecycle.void.label")),
            self._void_reason,
        )

    def _void_reason(self, reason: str | None) -> None:
        if not reason:
            return
        from counter.services import daylog, visits

        ctx, sup, vid = self.ctx, self.supervisor, self.detail.visit_id

        def do() -> VisitDetail:
            visits.void_visit(ctx, sup, vid, reason)
            return daylog.open_visit(ctx, vid, sup)

        self.run_service(do, self._reload, "correct")

    def action_correct(self) -> None:
        if self.detail.day_closed:
            self.notify(self.t("supervisor.detail.closed"), severity="warning")
            return
        self.app.push_screen(CorrectionModal(self.detail), self._corrected)

    def _corrected(self, c: Correction | None) -> None:
        if c is None:
            return
        from counter.services import daylog, visits

        ctx, sup, vid = self.ctx, self.supervisor, self.detail.visit_id

        def do() -> VisitDetail:
            visits.correct_visit(ctx, vid, sup, c.outcome, c.reason, c.why)
            return daylog.open_visit(ctx, vid, sup)

        self.run_service(do, self._reload, "correct")

    def _reload(self, detail: VisitDetail) -> None:
        self.detail = detail
        self.changed = True
        self.query_one("#detail-head", Static).update(self._head())
        self._fill()
        self.refresh_bindings()
        if detail.voided_at is not None:
            self.notify(self.t("lifecycle.void.done"))
        else:
            self.notify(
                self.t("supervisor.correct.done", outcome=outcome_word(self.app, detail.outcome))
            )

    def action_close(self) -> None:
        self.dismiss(self.changed)
