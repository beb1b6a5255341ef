"""The supervisor's base screen: the chosen day at a glance (default today), and the day's
work from there: close or reopen the day, export, import a bundle, open the daily log, the
follow-up list and the coverage screens."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar

from counter.domain import outcomes as oc
from counter.domain.text import one_line
from counter.tui.formats import fmt_date, fmt_dec, fmt_int, parse_date
from counter.tui.notices import sticky
from counter.tui.screens.supervisor.base import SupervisorBase, localize, mmss
from counter.tui.screens.supervisor.daylog import DailyLogScreen
from counter.tui.screens.supervisor.followup import FollowUpScreen
from counter.tui.screens.supervisor.lifecycle import CloseAbandonedModal
from counter.tui.screens.supervisor.modals import ConfirmModal, TextPrompt
from counter.tui.widgets.charts import BarList, BigCount, HourChart
from counter.tui.widgets.literal import Static
from counter.tui.words import extract_line, reason_word

if TYPE_CHECKING:
    from counter.services.bundles import ImportSummary
    from counter.services.dayclose import CloseResult, DayStatus
    from counter.services.report import Report
    from counter.services.visits import OpenVisit


class SupervisorHome(SupervisorBase, Screen[None]):
    """The supervisor's base screen: the summary of the chosen day (default: today)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "log", "Daily log", id="sup.log"),
        Binding("w", "followup", "Follow-up", id="sup.followup", show=False),
        # few footer keys, so the footer fits 100 columns; the rest are in the Ctrl+P list
        Binding("left", "shift_day(-1)", "Day before", id="sup.prev", show=False),
        Binding("right", "shift_day(1)", "Day after", id="sup.next", show=False),
        Binding("d", "pick_day", "Day…", id="sup.day", show=False),
        Binding("c", "close_day", "Close day", id="sup.close"),
        Binding("o", "reopen_day", "Reopen day", id="sup.reopen"),
        Binding("e", "export", "Export", id="sup.export"),
        Binding("b", "import_bundle", "Import bundle", id="sup.bundle", show=False),
        Binding("k", "coverage", "Coverage", id="sup.coverage", show=False),
        Binding("a", "accounts", "Accounts", id="sup.accounts", show=False),
        Binding("i", "registry_import", "Import extract", id="sup.registry", show=False),
        Binding("f5", "refresh", "Refresh", id="sup.refresh", show=False),
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
    /* below TINY columns five tiles cannot hold their labels and digits: one line instead */
    SupervisorHome #sup-counts-line { display: none; height: auto; padding: 0 1; }
    SupervisorHome.-tiny #sup-counts { display: none; }
    SupervisorHome.-tiny #sup-counts-line { display: block; }
    """
    NARROW = 110
    TINY = 70
    # other counters write to the same database: the numbers are read again this often
    REFRESH_SECONDS: ClassVar[float] = 20.0

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
        yield Static("", id="sup-counts-line")
        with VerticalScroll(id="sup-body"):
            with Horizontal(id="sup-middle"):
                with Vertical(classes="panel", id="panel-outcomes") as v:
                    v.border_title = t("supervisor.summary.outcomes")
                    yield BarList(id="bars-outcomes", label_width=21)
                with Vertical(classes="panel", id="panel-reasons") as v:
                    v.border_title = t("supervisor.summary.reasons")
                    yield BarList(
                        id="bars-reasons", empty=t("supervisor.summary.no_reasons"), label_width=26
                    )  # wider when the panel has room (stacked below NARROW columns)
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
        yield Footer(compact=True)

    def _fit(self, width: int) -> None:
        self.set_class(width < self.NARROW, "-narrow")
        self.set_class(width < self.TINY, "-tiny")

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        if not self.allowed:
            return
        self.set_interval(self.REFRESH_SECONDS, self._reload_tick, name="sup-refresh")
        localize(
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
        self.day = self._initial_day or self.ctx.today()

    def on_screen_resume(self) -> None:
        if self.allowed and self.day is not None and self.report is not None:
            self.load()

    def _reload_tick(self) -> None:
        """Read the numbers again while this screen is the one shown (not under a dialog or
        another screen: those reload it when they close); the widgets are updated in place, so
        the scroll position stays."""
        if self.day is not None and self.report is not None and self.app.screen is self:
            self.load()

    def watch_day(self, day: date | None) -> None:
        if day is not None:
            self.load()

    def load(self) -> None:
        from counter.services import dayclose, report
        from counter.services.lookup import last_extract

        ctx, day = self.ctx, self.day
        if day is None:
            return

        self.run_service(
            lambda: (report.summary(ctx, day), dayclose.status(ctx, day), last_extract(ctx)),
            self._show,
            "summary",
        )

    def _show(self, result: tuple[Report, DayStatus, datetime | None]) -> None:
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
                at=self.ctx.local(st.closed_at).strftime("%H:%M") if st.closed_at else "-",
            )
        elif st.status == "reopened":
            status = t(
                "supervisor.summary.reopened",
                who=st.reopened_by or "-",
                reason=st.reopen_reason or "",
            )
        else:
            status = t("supervisor.summary.open", unfinished=r.unfinished)
        status += " · " + extract_line(self.app, extract_at, self.ctx.today())
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
        conversion = "-" if r.conversion is None else fmt_dec(r.conversion, lang)
        self.query_one("#big-conversion", BigCount).set_value(conversion)
        counts = (
            ("visits", fmt_int(r.visits, lang)),
            ("already_active", fmt_int(r.outcomes[oc.ALREADY_ACTIVE], lang)),
            ("attempted", fmt_int(r.attempted, lang)),
            ("activated", fmt_int(r.outcomes[oc.ACTIVATED], lang)),
            ("conversion", conversion),
        )
        self.query_one("#sup-counts-line", Static).update(
            " · ".join(f"{t('supervisor.summary.' + k)} {v}" for k, v in counts)
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

        ctx, sup, day = self.ctx, self.supervisor, self.day
        if day is None:
            return
        self.run_service(
            lambda: dayclose.close_day(ctx, day, sup, close_open_as=close_open_as),
            self._after_close,
            "close",
        )

    def _offer_close_open(self, visits_open: list[OpenVisit] | None = None) -> None:
        """The day-close refusal itself: the open visits, closed as abandoned in one step."""
        from counter.services import visits

        ctx, day = self.ctx, self.day
        if day is None:
            return
        if visits_open is None:
            self.run_service(
                lambda: visits.open_visits(ctx, day),
                self._offer_close_open,
                "open-visits",
            )
            return
        if not visits_open:
            self.load()
            return
        title = self.t(
            "supervisor.dayclose.error.unfinished",
            day=fmt_date(day, self.app.settings.lang),
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

    def _after_close(self, result: CloseResult) -> None:
        t, day = self.t, fmt_date(result.day, self.app.settings.lang)
        if result.backup_path is not None:
            text = t("supervisor.close.done_backup", day=day, path=str(result.backup_path))
            sticky(self.app, text)
        elif result.postgres:
            sticky(self.app, t("supervisor.close.done_postgres", day=day))
        else:
            text = t("supervisor.close.done_no_backup", day=day, detail=result.backup_error or "")
            sticky(self.app, text, "warning")
        self.load()

    def action_reopen_day(self) -> None:
        def reason_given(reason: str | None) -> None:
            if not reason:
                return
            from counter.services import dayclose

            ctx, sup, day = self.ctx, self.supervisor, self.day
            if day is None:
                return
            self.run_service(
                lambda: dayclose.reopen_day(ctx, day, sup, reason),
                self._reopened,
                "reopen",
            )

        self.app.push_screen(
            TextPrompt(self.t("supervisor.reopen.title"), self.t("supervisor.reopen.label")),
            reason_given,
        )

    def _reopened(self, _: None) -> None:
        if self.day is not None:
            self.notify(
                self.t("supervisor.reopen.done", day=fmt_date(self.day, self.app.settings.lang))
            )
        self.load()

    def action_export(self) -> None:
        """The export dialog: range, format, destination, a summary before writing."""
        from counter.tui.screens.export_dialog import ExportDialog

        if self.day is not None:
            self.app.push_screen(ExportDialog(self.day))

    def action_import_bundle(self) -> None:
        from counter.services.bundles import import_bundle

        def chosen(path: str | None) -> None:
            if not path:
                return
            ctx, sup = self.ctx, self.supervisor
            self.run_service(
                lambda: import_bundle(ctx, path, sup),
                self._bundle_done,
                "bundle",
            )

        self.app.push_screen(
            TextPrompt(self.t("supervisor.bundle.title"), self.t("supervisor.bundle.label")), chosen
        )

    def _bundle_done(self, summ: ImportSummary) -> None:
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
            sticky(
                self.app, text, "warning" if summ.conflicts or summ.closed_days else "information"
            )
        self.load()
