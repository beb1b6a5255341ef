"""Supervisor: the district's IKD coverage per place (from the central extract), its series against
the target, the outreach plan (start an event there in one key) and the shareable report.

Thin over ``services.coverage``, ``services.plan`` and ``services.sharereport``: the numbers are
the CLI's (``ikd-counter coverage``/``plan``/``report --pdf``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from counter.tui.formats import fmt_date, fmt_dec, fmt_int
from counter.tui.screens.supervisor.base import SupervisorBase, localize
from counter.tui.widgets.literal import DataTable, Static
from counter.tui.widgets.series import SeriesChart


def _n(v: int | None, lang: str, signed: bool = False) -> str:
    if v is None:
        return "-"
    text = fmt_int(v, lang)
    return ("+" + text) if signed and v >= 0 else text


class CoverageScreen(SupervisorBase, Screen[None]):
    """Coverage per kecamatan or desa, with the district's series and the rates."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "toggle_level", "Kec./desa", id="cov.level"),
        Binding("p", "plan", "Plan", id="cov.plan"),
        Binding("e", "share", "PDF", id="cov.pdf"),
        Binding("escape", "back", "Back", id="cov.back"),
    ]
    DEFAULT_CSS = """
    CoverageScreen #cov-chart-panel { height: 14; border: round $primary; padding: 0 1; }
    CoverageScreen #cov-table { height: 1fr; }
    """

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.by = "kecamatan"
        self.day = day
        self.data: Any = None

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        yield Static(self.t("coverage.screen.title"), id="cov-title", classes="title-bar")
        yield Static("", id="cov-import")
        with Vertical(id="cov-chart-panel"):
            yield Static("", id="cov-series-title")
            yield SeriesChart(id="cov-chart")
        yield Static("", id="cov-rates")
        yield DataTable(id="cov-table", cursor_type="row", zebra_stripes=True)
        yield Static(self.t("coverage.screen.office_note"), id="cov-note")
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        localize(
            self,
            {
                "cov.level": "coverage.keys.level",
                "cov.plan": "coverage.keys.plan",
                "cov.pdf": "coverage.keys.pdf",
                "cov.back": "coverage.keys.back",
            },
        )
        self.load()

    def load(self) -> None:
        from counter.services import coverage as cov

        ctx, by = self.app.ctx, self.by
        self.run_service(
            lambda: (cov.coverage(ctx, by), cov.progress(ctx)),  # type: ignore[arg-type]
            self.show,
            "coverage",
        )

    def show(self, result: Any) -> None:
        c, p = result
        self.data = c
        t, lang = self.t, self.app.settings.lang
        imp = self.query_one("#cov-import", Static)
        if c.latest is None:  # entries but no import with totals (e.g. the demo's seed) say so
            imp.update(
                t("coverage.screen.no_import_history" if c.rows else "coverage.screen.no_import")
            )
        else:
            stamp = c.latest.imported_at.astimezone(self.app.ctx.tz)  # type: ignore[union-attr]
            when = fmt_date(stamp.date(), lang) + stamp.strftime(" %H:%M")
            imp.update(
                Text(  # the file name is data: shown literally
                    t("coverage.screen.import", source=c.latest.source, when=when)
                    + "   "
                    + t(
                        "coverage.screen.total",
                        active=_n(c.active, lang),
                        residents=_n(c.residents, lang),
                        percent=fmt_dec(c.percent, lang, 2) + "%",
                        needed=_n(c.needed, lang),
                    )
                )
            )
        self.query_one("#cov-series-title", Static).update(
            t("coverage.screen.series", goal=_n(p.goal, lang), deadline=fmt_date(p.deadline, lang))
        )
        self.query_one(SeriesChart).set_data(
            [(pt.day, pt.active) for pt in p.points], p.goal, p.deadline
        )

        def fmt(v: float | None) -> str:
            return "-" if v is None else fmt_dec(v, lang)

        self.query_one("#cov-rates", Static).update(
            t("coverage.screen.rates", needed=fmt(p.needed_per_day), recent=fmt(p.rate_30_days))
        )
        table = self.query_one("#cov-table", DataTable)
        table.clear(columns=True)
        cols = ["code", "name", "residents", "active", "percent", "needed", "change"]
        if self.by == "desa":
            cols.insert(2, "kecamatan")
        table.add_columns(*[t(f"coverage.col.{k}") for k in cols])
        for r in c.rows:
            cells = [
                r.code,
                r.name,
                _n(r.residents, lang),
                _n(r.active, lang),
                fmt_dec(r.percent, lang, 2),
                _n(r.needed, lang),
                _n(r.change, lang, True),
            ]
            if self.by == "desa":
                cells.insert(2, r.kecamatan)
            table.add_row(*cells, key=r.code)

    def action_toggle_level(self) -> None:
        self.by = "desa" if self.by == "kecamatan" else "kecamatan"
        self.load()

    def action_plan(self) -> None:
        self.app.push_screen(PlanScreen())

    def action_share(self) -> None:
        """Write today's report (or the supervisor's day) as PDF and PNG in the data folder."""
        from counter.services.sharereport import render

        ctx = self.app.ctx
        assert ctx is not None
        day = self.day or ctx.today()
        folder = ctx.settings.data_path / "reports"

        def job() -> str:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = ctx.now().astimezone(ctx.tz).strftime("%H%M%S")
            pdf = folder / f"laporan-{day.isoformat()}-{stamp}.pdf"
            render(ctx, day, pdf=pdf, png=pdf.with_suffix(".png"))
            return str(pdf)

        self.run_service(
            job,
            lambda path: self.notify(self.t("coverage.screen.saved", path=path), timeout=12),
            "share",
        )

    def action_back(self) -> None:
        self.app.pop_screen()


class PlanScreen(SupervisorBase, Screen[None]):
    """Places ranked by what they still need, the events held there; ``s`` starts one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start outreach", id="plan.start"),
        Binding("k", "toggle_level", "Kec./desa", id="plan.level"),
        Binding("escape", "back", "Back", id="plan.back"),
    ]
    DEFAULT_CSS = """
    PlanScreen #plan-table { height: 1fr; }
    PlanScreen #plan-events { height: auto; max-height: 8; border: round $primary; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.by: str | None = None
        self.plan: Any = None

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        yield Static(self.t("coverage.screen.plan_title"), id="plan-title", classes="title-bar")
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="plan-events")
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        localize(
            self,
            {
                "plan.start": "coverage.keys.start",
                "plan.level": "coverage.keys.level",
                "plan.back": "coverage.keys.back",
            },
        )
        self.load()

    def load(self) -> None:
        from counter.services.plan import plan

        ctx, by = self.app.ctx, self.by
        self.run_service(lambda: plan(ctx, by), self.show, "plan")  # type: ignore[arg-type]

    def show(self, p: Any) -> None:
        self.plan, self.by = p, p.by
        t, lang = self.t, self.app.settings.lang
        table = self.query_one("#plan-table", DataTable)
        table.clear(columns=True)
        table.add_columns(
            "#",
            t("coverage.col.name"),
            t("coverage.col.kecamatan"),
            t("coverage.col.needed"),
            t("coverage.col.percent"),
            t("coverage.col.without"),
            t("coverage.col.events"),
        )
        for r in p.rows:
            c = r.place
            table.add_row(
                str(r.rank),
                c.name,
                c.kecamatan,
                _n(c.needed, lang),
                fmt_dec(c.percent, lang, 2),
                _n(c.without, lang),
                str(len(r.events)),
                key=str(r.rank),
            )
        self.show_events()

    def selected(self) -> Any:
        table = self.query_one("#plan-table", DataTable)
        if self.plan is None or not self.plan.rows or table.row_count == 0:
            return None
        return self.plan.rows[min(table.cursor_row, len(self.plan.rows) - 1)]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_events()

    def show_events(self) -> None:
        row, lang = self.selected(), self.app.settings.lang
        box = self.query_one("#plan-events", Static)
        if row is None:
            box.update(self.t("coverage.no_registry"))
            return
        lines = [
            self.t(
                "coverage.screen.event",
                day=fmt_date(e.day, lang),
                name=e.name,
                visits=e.visits,
                activated=e.activated,
                change=_n(e.extract_change, lang, True),
            )
            for e in row.events
        ]
        box.update(Text("\n".join(lines) or self.t("coverage.screen.events_none")))

    def action_start(self) -> None:
        from counter.services.plan import start_outreach

        row = self.selected()
        if row is None:
            return
        ctx, who = self.app.ctx, self.app.officer
        self.run_service(lambda: start_outreach(ctx, row, by=who), self.started, "start")  # type: ignore[arg-type]

    def started(self, ev: Any) -> None:
        self.notify(self.t("coverage.screen.started", name=ev.name), timeout=8, markup=False)
        self.load()

    def action_toggle_level(self) -> None:
        self.by = "desa" if self.by == "kecamatan" else "kecamatan"
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
