"""Supervisor mode: the day at a glance, daily log, visit detail, corrections, follow-up, close day.

Every screen here is supervisor-only (``SUPERVISOR_ONLY``: the app's push/switch guard refuses
officers; each screen also checks again when it is composed). Database work runs in worker
threads and comes back through ``call_from_thread``; numbers come from the same services the
CLI uses (``services.report.summary`` for ``ikd-counter report``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, ProgressBar

from counter.domain import outcomes as oc
from counter.domain.text import one_line
from counter.errors import describe
from counter.tui.formats import fmt_date, fmt_dec, fmt_int, parse_date
from counter.tui.widgets.charts import BarList, BigCount, HourChart
from counter.tui.widgets.literal import DataTable, Label, Select, Static
from counter.tui.words import extract_line, outcome_word, reason_word, state_word

if TYPE_CHECKING:
    from counter.services.dayclose import DayStatus
    from counter.services.daylog import LogRow, VisitDetail
    from counter.services.followup import FollowUp
    from counter.services.report import Report
    from counter.tui.app import CounterApp


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _localize(node: Any, texts: dict[str, str]) -> None:
    from counter.tui.app import localize_bindings

    localize_bindings(node, texts)


class SupervisorBase:
    """Shared by the supervisor screens: the role check, translations, worker plumbing."""

    SUPERVISOR_ONLY: ClassVar[bool] = True
    app: CounterApp

    def t(self, key: str, **kw: object) -> str:
        return self.app.t(key, **kw)

    @property
    def allowed(self) -> bool:
        off = self.app.officer
        return bool(off is not None and off.role == "supervisor" and self.app.ctx is not None)

    def refused(self) -> ComposeResult:
        yield Static(self.t("tui.guard.supervisor_only"), id="sup-refused", classes="error")
        yield Footer()

    def run_service(self, fn: Any, done: Any, group: str) -> None:
        """Run ``fn()`` in a thread; ``done(result)`` on the UI thread, errors as a notice.

        Only the newest run of a group delivers its result: an older, slower one (e.g. a reload
        started before a change was committed) is dropped instead of painting stale numbers.
        """
        app = self.app
        seqs: dict[str, int] = self.__dict__.setdefault("_service_seq", {})
        seqs[group] = seq = seqs.get(group, 0) + 1

        def deliver(result: Any) -> None:
            if seqs.get(group) == seq:
                done(result)

        def job() -> None:
            try:
                result = fn()
            except Exception as e:  # noqa: BLE001 - every failure becomes one clear notice
                app.call_from_thread(self.service_failed, e)
                return
            app.call_from_thread(deliver, result)

        self.run_worker(
            job,
            thread=True,
            exclusive=True,
            exit_on_error=False,  # type: ignore[attr-defined]
            group=group,
            name=group,
        )

    def service_failed(self, error: Exception) -> None:
        text = describe(error, self.app.settings.lang)
        self.app.log.error(f"supervisor: {error!r}")
        self.notify(text, severity="error", timeout=8)  # type: ignore[attr-defined]


# --- Modals ---------------------------------------------------------------------------------


class TextPrompt(ModalScreen[str | None]):
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
        t = self.app.t  # type: ignore[attr-defined]
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
        _localize(self, {"prompt.cancel": "supervisor.keys.cancel"})
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        t = self.app.t  # type: ignore[attr-defined]
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


class ConfirmModal(ModalScreen[bool]):
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
        _localize(self, {"confirm.yes": "supervisor.keys.yes", "confirm.no": "supervisor.keys.no"})

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


from counter.tui.screens.supervisor_actions import (  # noqa: E402 - the lifecycle dialogs
    CloseAbandonedModal,
    Correction,
    CorrectionModal,
)


class VisitDetailScreen(SupervisorBase, ModalScreen[bool]):
    """Full NIK and the event timeline of one visit (opening it was audited by the service)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "correct", "Correct", id="detail.correct"),
        Binding("x", "close_abandoned", "Close", id="detail.close_abandoned"),
        Binding("v", "void", "Void", id="detail.void"),
        Binding("escape", "close", "Back", id="detail.back"),
    ]
    DEFAULT_CSS = """
    VisitDetailScreen { align: center middle; }
    VisitDetailScreen > Vertical { width: 110; height: 90%; border: round $primary;
                                   padding: 0 1; background: $surface; }
    VisitDetailScreen #detail-head { height: auto; }
    VisitDetailScreen DataTable { height: 1fr; }
    """

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
        yield Footer()

    def _head(self) -> str:
        d, t = self.detail, self.t
        ctx = self.app.ctx
        assert ctx is not None
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
        _localize(
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
        t, ctx = self.t, self.app.ctx
        assert ctx is not None
        table = self.query_one("#detail-events", DataTable)
        table.clear(columns=True)
        table.add_columns(
            t("supervisor.detail.col_time"),
            "#",
            t("supervisor.detail.col_kind"),
            t("supervisor.detail.col_step"),
            t("supervisor.detail.col_data"),
        )
        for e in self.detail.events:
            table.add_row(
                ctx.local(e.at).strftime("%H:%M:%S"),
                str(e.seq),
                e.kind,
                e.step or "",
                self._describe(e.kind, e.data),
            )

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

        d, ctx = self.detail, self.app.ctx
        assert ctx is not None
        ov = OpenVisit(
            d.visit_id,
            d.nik,
            d.day,
            0,
            d.officer,
            d.counter_id,
            d.started_at,
            ctx.local(d.started_at).strftime("%H:%M"),
            d.events[-1].step or "-" if d.events else "-",
        )
        self.app.push_screen(
            CloseAbandonedModal(self.t("lifecycle.abandoned.title"), [ov]), self._abandoned_chosen
        )

    def _abandoned_chosen(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        from counter.services import daylog, visits

        ctx, sup, vid = self.app.ctx, self.app.officer, self.detail.visit_id

        def do() -> VisitDetail:
            visits.close_abandoned(ctx, sup, vid, *choice)  # type: ignore[arg-type]
            return daylog.open_visit(ctx, vid, sup)  # type: ignore[arg-type]

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

        ctx, sup, vid = self.app.ctx, self.app.officer, self.detail.visit_id

        def do() -> VisitDetail:
            visits.void_visit(ctx, sup, vid, reason)  # type: ignore[arg-type]
            return daylog.open_visit(ctx, vid, sup)  # type: ignore[arg-type]

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

        ctx, sup, vid = self.app.ctx, self.app.officer, self.detail.visit_id

        def do() -> VisitDetail:
            visits.correct_visit(ctx, vid, sup, c.outcome, c.reason, c.why)  # type: ignore[arg-type]
            return daylog.open_visit(ctx, vid, sup)  # type: ignore[arg-type]

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


# --- The day at a glance ----------------------------------------------------------------------


class SupervisorHome(SupervisorBase, Screen[None]):
    """The supervisor's base screen: the summary of the chosen day (default: today)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "log", "Daily log", id="sup.log"),
        Binding("f", "followup", "Follow-up", id="sup.followup"),
        Binding("left", "shift_day(-1)", "Day before", id="sup.prev"),
        Binding("right", "shift_day(1)", "Day after", id="sup.next"),
        Binding("d", "pick_day", "Day…", id="sup.day"),
        Binding("c", "close_day", "Close day", id="sup.close"),
        Binding("o", "reopen_day", "Reopen day", id="sup.reopen"),
        Binding("e", "export", "Export", id="sup.export"),
        Binding("b", "import_bundle", "Import bundle", id="sup.bundle"),
        Binding("k", "coverage", "Coverage", id="sup.coverage"),
        Binding("a", "accounts", "Accounts", id="sup.accounts"),
        Binding("i", "registry_import", "Import extract", id="sup.registry"),
        Binding("r", "refresh", "Refresh", id="sup.refresh", show=False),
    ]
    DEFAULT_CSS = """
    SupervisorHome #sup-counts { height: 6; }
    SupervisorHome .panel { border: round $primary; padding: 0 1; height: auto; }
    SupervisorHome #sup-middle { height: auto; }
    SupervisorHome #sup-middle > .panel { width: 1fr; }
    SupervisorHome #sup-lower { height: auto; }
    SupervisorHome #sup-lower > .panel { width: 1fr; }
    SupervisorHome #sup-target { height: auto; }
    SupervisorHome #sup-target ProgressBar { width: 100%; }
    SupervisorHome #sup-target Bar { width: 1fr; }
    SupervisorHome .closed { color: $warning; text-style: bold; }
    /* below NARROW columns (80x24 counter PCs) the three-panel rows are stacked: each panel
       gets the full width instead of wrapping its labels and table headers */
    SupervisorHome.-narrow #sup-middle { layout: vertical; }
    SupervisorHome.-narrow #sup-lower { layout: vertical; }
    """
    NARROW = 110

    day: reactive[date | None] = reactive(None, bindings=True, init=False)
    day_state: reactive[str] = reactive("open", bindings=True, init=False)

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self._initial_day = day
        self.report: Report | None = None
        self.status: DayStatus | None = None

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        t = self.t
        yield Static("", id="sup-title", classes="title-bar")
        yield Static("", id="sup-status")
        with Horizontal(id="sup-counts"):
            yield BigCount(t("supervisor.summary.visits"), id="big-visits")
            yield BigCount(t("supervisor.summary.already_active"), id="big-already")
            yield BigCount(t("supervisor.summary.attempted"), id="big-attempted")
            yield BigCount(t("supervisor.summary.activated"), id="big-activated")
            yield BigCount(t("supervisor.summary.conversion"), "-", id="big-conversion")
        with VerticalScroll(id="sup-body"):
            with Horizontal(id="sup-middle"):
                with Vertical(classes="panel", id="panel-outcomes") as v:
                    v.border_title = t("supervisor.summary.outcomes")
                    yield BarList(id="bars-outcomes", label_width=21)
                with Vertical(classes="panel", id="panel-reasons") as v:
                    v.border_title = t("supervisor.summary.reasons")
                    yield BarList(
                        id="bars-reasons", empty=t("supervisor.summary.no_reasons"), label_width=26
                    )
                with Vertical(classes="panel", id="panel-hours") as v:
                    v.border_title = t("supervisor.summary.per_hour")
                    yield HourChart(id="hours")
            with Horizontal(id="sup-lower"):
                with Vertical(classes="panel") as v:
                    v.border_title = t("supervisor.summary.by_officer")
                    yield Static("", id="tbl-officer")
                with Vertical(classes="panel") as v:
                    v.border_title = t("supervisor.summary.by_counter")
                    yield Static("", id="tbl-counter")
                with Vertical(classes="panel") as v:
                    v.border_title = t("supervisor.summary.handling")
                    yield Static("", id="handling")
            with Vertical(classes="panel", id="sup-target") as v:
                v.border_title = t("supervisor.summary.target")
                yield Static("", id="target-text")
                yield ProgressBar(total=100, show_eta=False, id="target-bar")
                yield Static("", id="target-needed")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.NARROW, "-narrow")

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < self.NARROW, "-narrow")
        if not self.allowed:
            return
        _localize(
            self,
            {
                "sup.log": "supervisor.keys.log",
                "sup.followup": "supervisor.keys.followup",
                "sup.prev": "supervisor.keys.prev",
                "sup.next": "supervisor.keys.next",
                "sup.day": "supervisor.keys.day",
                "sup.close": "supervisor.keys.close",
                "sup.reopen": "supervisor.keys.reopen",
                "sup.export": "supervisor.keys.export",
                "sup.bundle": "supervisor.keys.bundle",
                "sup.coverage": "coverage.keys.coverage",
                "sup.accounts": "office.keys.accounts",
                "sup.registry": "office.keys.registry",
                "sup.refresh": "supervisor.keys.refresh",
            },
        )
        assert self.app.ctx is not None
        self.day = self._initial_day or self.app.ctx.today()

    def on_screen_resume(self) -> None:
        if self.allowed and self.day is not None and self.report is not None:
            self.load()

    def watch_day(self, day: date | None) -> None:
        if day is not None:
            self.load()

    def load(self) -> None:
        from counter.services import dayclose, report

        ctx, day = self.app.ctx, self.day
        assert ctx is not None and day is not None
        from counter.services.lookup import last_extract

        self.run_service(
            lambda: (report.summary(ctx, day), dayclose.status(ctx, day), last_extract(ctx)),
            self._show,
            "summary",
        )

    def _show(self, result: tuple[Report, DayStatus, Any]) -> None:
        r, st, extract_at = result
        if r.date_to != self.day:
            return
        self.report, self.status = r, st
        self.day_state = st.status
        t, lang = self.t, self.app.settings.lang
        title = t(
            "supervisor.summary.title",
            day=fmt_date(r.date_to, lang),
            weekday=t(f"supervisor.weekday.{r.date_to.weekday()}"),
            office=self.app.settings.office_name,
        )
        self.query_one("#sup-title", Static).update(title)
        if st.status == "closed":
            status = t(
                "supervisor.summary.closed",
                who=st.closed_by or "-",
                at=self.app.ctx.local(st.closed_at).strftime("%H:%M")  # type: ignore[union-attr]
                if st.closed_at
                else "-",
            )
        elif st.status == "reopened":
            status = t(
                "supervisor.summary.reopened",
                who=st.reopened_by or "-",
                reason=st.reopen_reason or "",
            )
        else:
            status = t("supervisor.summary.open", unfinished=r.unfinished)
        status += " · " + extract_line(self.app, extract_at, self.app.ctx.today())  # type: ignore[union-attr]
        w = self.query_one("#sup-status", Static)
        w.update(status)
        w.set_class(st.status == "closed", "closed")
        self.query_one("#big-visits", BigCount).set_value(fmt_int(r.visits, lang))
        self.query_one("#big-already", BigCount).set_value(
            fmt_int(r.outcomes[oc.ALREADY_ACTIVE], lang)
        )
        self.query_one("#big-attempted", BigCount).set_value(fmt_int(r.attempted, lang))
        self.query_one("#big-activated", BigCount).set_value(
            fmt_int(r.outcomes[oc.ACTIVATED], lang)
        )
        self.query_one("#big-conversion", BigCount).set_value(
            "-" if r.conversion is None else fmt_dec(r.conversion, lang)
        )
        self.query_one("#bars-outcomes", BarList).set_rows(
            [(t(f"supervisor.outcome.{o}"), n) for o, n in r.outcomes.items()]
        )
        reasons = [
            (reason_word(self.app, reason), n)
            for code, rs in r.reasons.items()
            for reason, n in rs.items()
        ]
        reasons.sort(key=lambda kv: -kv[1])
        self.query_one("#bars-reasons", BarList).set_rows(reasons[:8])
        self.query_one("#hours", HourChart).set_data(r.per_hour)
        self.query_one("#tbl-officer", Static).update(self._table(r.by_officer))
        self.query_one("#tbl-counter", Static).update(self._table(r.by_counter))
        self.query_one("#handling", Static).update(
            t(
                "supervisor.summary.handling_text",
                median=mmss(r.handling_median),
                max=mmss(r.handling_max),
                unfinished=r.unfinished,
            )
        )
        self.query_one("#target-text", Static).update(
            t(
                "supervisor.summary.target_text",
                total=fmt_int(r.activated_total, lang),
                goal=fmt_int(r.goal, lang),
                baseline=fmt_int(r.baseline, lang),
                here=fmt_int(r.activated_total - r.baseline, lang),
            )
        )
        bar = self.query_one("#target-bar", ProgressBar)
        bar.update(total=max(1, r.goal), progress=min(r.activated_total, r.goal))
        self.query_one("#target-needed", Static).update(
            t(
                "supervisor.summary.target_needed",
                needed=fmt_int(r.needed_per_day, lang),
                days=r.working_days_left,
                deadline=fmt_date(self.app.settings.target.deadline, lang),
            )
        )

    def _table(self, rows: dict[str, dict[str, Any]]) -> str:
        t = self.t
        if not rows:
            return "-"
        head = (
            f"{'':<10}{t('supervisor.summary.col_visits'):>7}"
            f"{t('supervisor.summary.col_activated'):>8}{t('supervisor.summary.col_avg'):>7}"
        )
        lines = [head]
        for name, row in rows.items():
            lines.append(
                f"{one_line(name)[:10]:<10}{row['visits']:>7}{row['activated']:>8}"
                f"{mmss(row['avg_seconds']):>7}"
            )
        return "\n".join(lines)

    # keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # only the one that applies is shown: close an open day, reopen a closed one
        if action == "close_day":
            return self.day_state != "closed"
        if action == "reopen_day":
            return self.day_state == "closed"
        return True

    def action_refresh(self) -> None:
        self.load()

    def action_shift_day(self, delta: int) -> None:
        if self.day is not None:
            self.day = self.day + timedelta(days=delta)

    def action_pick_day(self) -> None:
        def chosen(value: str | None) -> None:
            if value:
                self.day = parse_date(value)

        self.app.push_screen(
            TextPrompt(
                self.t("supervisor.day.title"),
                self.t("supervisor.day.label"),
                kind="date",
                value=fmt_date(self.day, self.app.settings.lang) if self.day else "",
            ),
            chosen,
        )

    def action_log(self) -> None:
        assert self.day is not None
        self.app.push_screen(DailyLogScreen(self.day))

    def action_followup(self) -> None:
        self.app.push_screen(FollowUpScreen())

    def action_coverage(self) -> None:
        from counter.tui.screens.coverage import CoverageScreen

        self.app.push_screen(CoverageScreen(self.day))

    def action_accounts(self) -> None:
        from counter.tui.screens.accounts import AccountsScreen

        self.app.push_screen(AccountsScreen())

    def action_registry_import(self) -> None:
        from counter.tui.screens.registry_import import RegistryImportScreen

        self.app.push_screen(RegistryImportScreen())

    def action_close_day(self) -> None:
        r = self.report
        if r is None or self.day is None:
            return
        t = self.t
        if r.unfinished:
            self._offer_close_open()
            return
        body = t(
            "supervisor.close.body",
            day=fmt_date(r.date_to, self.app.settings.lang),
            visits=r.visits,
            activated=r.outcomes[oc.ACTIVATED],
            attempted=r.attempted,
            already=r.outcomes[oc.ALREADY_ACTIVE],
        )
        self.app.push_screen(ConfirmModal(t("supervisor.close.title"), body), self._close_confirmed)

    def _close_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        self._close(None)

    def _close(self, close_open_as: tuple[str, str] | None) -> None:
        from counter.services import dayclose

        ctx, sup, day = self.app.ctx, self.app.officer, self.day
        self.run_service(
            lambda: dayclose.close_day(
                ctx,
                day,
                sup,  # type: ignore[arg-type]
                close_open_as=close_open_as,
            ),
            self._after_close,
            "close",
        )

    def _offer_close_open(self, visits_open: list[Any] | None = None) -> None:
        """The day-close refusal itself: the open visits, closed as abandoned in one step."""
        from counter.services import visits

        ctx, day = self.app.ctx, self.day
        if visits_open is None:
            self.run_service(
                lambda: visits.open_visits(ctx, day),  # type: ignore[arg-type]
                self._offer_close_open,
                "open-visits",
            )
            return
        if not visits_open:
            self.load()
            return
        title = self.t(
            "supervisor.dayclose.error.unfinished",
            day=fmt_date(day, self.app.settings.lang) if day else "",
            count=len(visits_open),
        )

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self._close(choice)

        self.app.push_screen(CloseAbandonedModal(title, visits_open), chosen)

    def service_failed(self, error: Exception) -> None:
        from counter.services.dayclose import DayCloseError

        if isinstance(error, DayCloseError) and error.code == "unfinished":
            self._offer_close_open(error.open_visits)  # a visit opened meanwhile
            return
        super().service_failed(error)

    def _after_close(self, result: Any) -> None:
        t = self.t
        if result.backup_path is not None:
            self.notify(
                t(
                    "supervisor.close.done_backup",
                    day=fmt_date(result.day, self.app.settings.lang),
                    path=str(result.backup_path),
                ),
                timeout=10,
            )
        elif result.postgres:
            self.notify(
                t(
                    "supervisor.close.done_postgres",
                    day=fmt_date(result.day, self.app.settings.lang),
                ),
                timeout=10,
            )
        else:
            self.notify(
                t(
                    "supervisor.close.done_no_backup",
                    day=fmt_date(result.day, self.app.settings.lang),
                    detail=result.backup_error or "",
                ),
                severity="warning",
                timeout=10,
            )
        self.load()

    def action_reopen_day(self) -> None:
        def reason_given(reason: str | None) -> None:
            if not reason:
                return
            from counter.services import dayclose

            ctx, sup, day = self.app.ctx, self.app.officer, self.day
            self.run_service(
                lambda: dayclose.reopen_day(ctx, day, sup, reason),  # type: ignore[arg-type]
                self._reopened,
                "reopen",
            )

        self.app.push_screen(
            TextPrompt(self.t("supervisor.reopen.title"), self.t("supervisor.reopen.label")),
            reason_given,
        )

    def _reopened(self, _: Any) -> None:
        self.notify(
            self.t("supervisor.reopen.done", day=fmt_date(self.day, self.app.settings.lang))
        )  # type: ignore[union-attr]
        self.load()

    def action_export(self) -> None:
        try:
            from counter.services.export import export_visits
        except ImportError:
            self.notify(self.t("supervisor.export.missing"), severity="warning")
            return
        ctx, sup, day = self.app.ctx, self.app.officer, self.day
        self.run_service(
            lambda: export_visits(ctx, sup, "date", date_from=day),  # type: ignore[arg-type]
            self._exported,
            "export",
        )

    def action_import_bundle(self) -> None:
        try:
            from counter.services.bundles import import_bundle
        except ImportError:
            self.notify(self.t("supervisor.bundle.missing"), severity="warning")
            return

        def chosen(path: str | None) -> None:
            if not path:
                return
            ctx, sup = self.app.ctx, self.app.officer
            self.run_service(
                lambda: import_bundle(ctx, path, sup),  # type: ignore[arg-type]
                self._bundle_done,
                "bundle",
            )

        self.app.push_screen(
            TextPrompt(self.t("supervisor.bundle.title"), self.t("supervisor.bundle.label")), chosen
        )

    def _bundle_done(self, summ: Any) -> None:
        t = self.t
        if summ.already_imported:
            self.notify(t("supervisor.bundle.already"))
        else:
            text = t(
                "supervisor.bundle.done",
                new=summ.new_visits,
                updated=summ.visits_updated,
                events=summ.events_added,
                conflicts=len(summ.conflicts),
            )
            if summ.closed_days:
                text += "\n" + t("supervisor.bundle.closed_days", days=", ".join(summ.closed_days))
            self.notify(
                text,
                timeout=12,
                severity="warning" if summ.conflicts or summ.closed_days else "information",
            )
        self.load()

    def _exported(self, result: Any) -> None:
        path = getattr(result, "path", None)
        if path is None:
            self.notify(self.t("supervisor.export.nothing"))
        else:
            self.notify(
                self.t("supervisor.export.done", path=str(path), rows=getattr(result, "rows", "?")),
                timeout=12,
            )


# --- Daily log ------------------------------------------------------------------------------


class DailyLogScreen(SupervisorBase, Screen[None]):
    """Every visit of the day across counters; filter, sort, open one."""

    SORTS: ClassVar[tuple[str, ...]] = ("time", "counter", "officer", "outcome", "handling")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="log.open", show=True),
        Binding("s", "next_sort", "Sort", id="log.sort"),
        Binding("v", "reverse", "Reverse", id="log.reverse"),
        Binding("x", "clear_filters", "Clear filters", id="log.clear"),
        Binding("escape", "back", "Back", id="log.back"),
    ]
    DEFAULT_CSS = """
    DailyLogScreen #log-filters { height: auto; }
    DailyLogScreen #log-filters Select { width: 1fr; }
    DailyLogScreen DataTable { height: 1fr; }
    DailyLogScreen #log-info { height: 1; padding: 0 1; color: $text-muted; }
    """

    sort_key: reactive[str] = reactive("time", init=False)
    descending: reactive[bool] = reactive(False, init=False)

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day
        self.rows: list[LogRow] = []
        self._choices_loaded = False

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        t = self.t
        yield Static(
            t("supervisor.log.title", day=fmt_date(self.day, self.app.settings.lang)),
            classes="title-bar",
        )
        with Horizontal(id="log-filters"):
            yield Select([], prompt=t("supervisor.log.all_officers"), id="f-officer")
            yield Select([], prompt=t("supervisor.log.all_counters"), id="f-counter")
            yield Select(
                [(f"{o} · {t('supervisor.outcome.' + o)}", o) for o in oc.OUTCOMES]
                + [
                    (t("supervisor.log.unfinished"), "-"),
                    (t("lifecycle.log.filter_voided"), "VOID"),
                ],
                prompt=t("supervisor.log.all_outcomes"),
                id="f-outcome",
            )
        yield Static("", id="log-info")
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        _localize(
            self,
            {
                "log.open": "supervisor.keys.open",
                "log.sort": "supervisor.keys.sort",
                "log.reverse": "supervisor.keys.reverse",
                "log.clear": "supervisor.keys.clear",
                "log.back": "supervisor.keys.back",
            },
        )
        t = self.t
        table = self.query_one("#log-table", DataTable)
        for key in ("time", "counter", "officer", "nik", "outcome", "reason", "handling", "flags"):
            table.add_column(t(f"supervisor.log.col_{key}"), key=key)
        from counter.services import daylog

        ctx, day = self.app.ctx, self.day
        self.run_service(lambda: daylog.log_choices(ctx, day), self._set_choices, "choices")  # type: ignore[arg-type]
        self.load()
        table.focus()

    def _set_choices(self, choices: dict[str, list[str]]) -> None:
        self.query_one("#f-officer", Select).set_options([(o, o) for o in choices["officers"]])
        self.query_one("#f-counter", Select).set_options([(c, c) for c in choices["counters"]])
        self._choices_loaded = True

    def _value(self, sel_id: str) -> str | None:
        v = self.query_one(sel_id, Select).value
        return None if v is Select.NULL or v is None else str(v)

    @property
    def filters(self) -> dict[str, str | None]:
        return {
            "officer": self._value("#f-officer"),
            "counter": self._value("#f-counter"),
            "outcome": self._value("#f-outcome"),
        }

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.load()

    def watch_sort_key(self) -> None:
        self.load()

    def watch_descending(self) -> None:
        self.load()

    def load(self) -> None:
        from counter.services import daylog

        ctx, day, f = self.app.ctx, self.day, self.filters
        sort, desc = self.sort_key, self.descending
        self.run_service(
            lambda: daylog.daily_log(ctx, day, sort=sort, descending=desc, **f),  # type: ignore[arg-type]
            self._fill,
            "log",
        )

    def _fill(self, rows: list[LogRow]) -> None:
        t = self.t
        self.rows = rows
        table = self.query_one("#log-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            flags = []
            if r.revision and r.outcome:
                flags.append(t("supervisor.log.flag_corrected", revision=r.revision))
            if r.followup_state:
                flags.append(t(f"supervisor.followup.state_{r.followup_state}"))
            word = outcome_word(self.app, r.outcome)
            outcome = word if r.outcome else t("supervisor.log.unfinished")
            if r.voided:
                outcome = t("lifecycle.log.voided", outcome=word)
            table.add_row(
                r.local_time,
                r.counter_id,
                r.officer,
                r.nik_masked,
                outcome,
                reason_word(self.app, r.reason),
                mmss(r.handling_seconds),
                " ".join(flags),
                key=r.visit_id,
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        arrow = "↓" if self.descending else "↑"
        self.query_one("#log-info", Static).update(
            t(
                "supervisor.log.info",
                count=len(rows),
                sort=t(f"supervisor.log.col_{self.sort_key}"),
                arrow=arrow,
            )
        )

    def action_next_sort(self) -> None:
        i = self.SORTS.index(self.sort_key)
        self.sort_key = self.SORTS[(i + 1) % len(self.SORTS)]

    def action_reverse(self) -> None:
        self.descending = not self.descending

    def action_clear_filters(self) -> None:
        with self.prevent(Select.Changed):
            for sel in ("#f-officer", "#f-counter", "#f-outcome"):
                self.query_one(sel, Select).clear()
        self.load()

    @on(DataTable.RowSelected, "#log-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_visit(str(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one("#log-table", DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        self.open_visit(self.rows[table.cursor_row].visit_id)

    def open_visit(self, visit_id: str) -> None:
        from counter.services import daylog

        ctx, sup = self.app.ctx, self.app.officer
        self.run_service(
            lambda: daylog.open_visit(ctx, visit_id, sup),  # type: ignore[arg-type]
            self._show_detail,
            "open",
        )

    def _show_detail(self, detail: VisitDetail) -> None:
        self.app.push_screen(VisitDetailScreen(detail), lambda changed: self.load())

    def action_back(self) -> None:
        self.app.pop_screen()


# --- Follow-up ------------------------------------------------------------------------------


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
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        _localize(
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

        ctx = self.app.ctx
        self.run_service(lambda: followup.open_followups(ctx), self._fill, "followups")  # type: ignore[arg-type]

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

            ctx, sup = self.app.ctx, self.app.officer
            self.run_service(
                lambda: followup.mark_contacted(ctx, row.visit_id, sup, note),  # type: ignore[arg-type]
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

            ctx, sup = self.app.ctx, self.app.officer
            self.run_service(
                lambda: followup.mark_resolved(ctx, row.visit_id, sup, note),  # type: ignore[arg-type]
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

    def _changed(self, _: Any) -> None:
        self.notify(self.t("supervisor.followup.saved"))
        self.load()

    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        from counter.services import daylog

        ctx, sup = self.app.ctx, self.app.officer
        self.run_service(
            lambda: daylog.open_visit(ctx, row.visit_id, sup),  # type: ignore[arg-type]
            lambda d: self.app.push_screen(VisitDetailScreen(d), lambda _c: self.load()),
            "open",
        )

    @on(DataTable.RowSelected, "#fu-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()
