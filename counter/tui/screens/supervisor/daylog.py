"""The daily log: every visit of the day across counters; filter, sort, open one."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from counter.domain import outcomes as oc
from counter.domain.text import one_line
from counter.tui.formats import fmt_date
from counter.tui.screens.supervisor.base import SupervisorBase, localize, mmss
from counter.tui.screens.supervisor.detail import VisitDetailScreen
from counter.tui.widgets.literal import DataTable, Select, Static
from counter.tui.words import outcome_word, reason_word

if TYPE_CHECKING:
    from counter.services.daylog import LogRow, VisitDetail


class DailyLogScreen(SupervisorBase, Screen[None]):
    """Every visit of the day across counters; filter, sort, open one."""

    SORTS: ClassVar[tuple[str, ...]] = ("time", "counter", "officer", "outcome", "handling")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="log.open", show=True),
        Binding("s", "next_sort", "Sort", id="log.sort"),
        Binding("v", "reverse", "Reverse", id="log.reverse", show=False),
        Binding("x", "clear_filters", "Clear filters", id="log.clear"),
        Binding("escape", "back", "Back", id="log.back"),
    ]
    DEFAULT_CSS = """
    DailyLogScreen #log-filters { height: auto; }
    DailyLogScreen #log-filters Select { width: 1fr; }
    DailyLogScreen DataTable { height: 1fr; }
    DailyLogScreen #log-info { height: 1; padding: 0 1; color: $text-muted; }
    DailyLogScreen #log-row { height: auto; max-height: 5; padding: 0 1;
                              border-top: solid $primary; }
    """
    NOTE_CELL = 30  # the note column shows the start; the line under the table shows it whole
    # other counters write to the same database: the list is read again this often
    REFRESH_SECONDS: ClassVar[float] = 20.0

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
        yield Static("", id="log-row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.allowed:
            return
        localize(
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
        table.add_column(t("sup.log.col_note"), key="note")
        from counter.services import daylog

        ctx, day = self.ctx, self.day
        self.run_service(lambda: daylog.log_choices(ctx, day), self._set_choices, "choices")
        self.load()
        table.focus()
        self.set_interval(self.REFRESH_SECONDS, self._reload_tick, name="log-refresh")

    def _reload_tick(self) -> None:
        """Read the list again while this screen is shown (not under the visit detail or a
        prompt); the cursor stays on its row."""
        if self.app.screen is self:
            self.load()

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

        ctx, day, f = self.ctx, self.day, self.filters
        sort, desc = self.sort_key, self.descending
        self.run_service(
            lambda: daylog.daily_log(
                ctx,
                day,
                officer=f["officer"],
                counter=f["counter"],
                outcome=f["outcome"],
                sort=sort,
                descending=desc,
            ),
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
                one_line(r.note or "", self.NOTE_CELL),
                key=r.visit_id,
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._show_row()
        arrow = "↓" if self.descending else "↑"
        self.query_one("#log-info", Static).update(
            t(
                "supervisor.log.info",
                count=len(rows),
                sort=t(f"supervisor.log.col_{self.sort_key}"),
                arrow=arrow,
            )
        )

    @on(DataTable.RowHighlighted, "#log-table")
    def _show_row(self) -> None:
        """The highlighted visit's reason and the officer's note in full, wrapped under the table
        (the table's columns may be cut or scrolled off at 80 or 100 columns)."""
        table = self.query_one("#log-table", DataTable)
        row = self.rows[table.cursor_row] if 0 <= table.cursor_row < len(self.rows) else None
        text = ""
        if row is not None:
            text = self.t(
                "sup.log.row",
                nik=row.nik_masked,
                reason=reason_word(self.app, row.reason) or "-",
                note=(row.note or "").strip() or "-",
            )
        self.query_one("#log-row", Static).update(text)

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

        ctx, sup = self.ctx, self.supervisor
        self.run_service(
            lambda: daylog.open_visit(ctx, visit_id, sup),
            self._show_detail,
            "open",
        )

    def _show_detail(self, detail: VisitDetail) -> None:
        self.app.push_screen(VisitDetailScreen(detail), lambda changed: self.load())

    def action_back(self) -> None:
        self.app.pop_screen()
