"""Pilot tests of the coverage and plan screens (reached with `k` from the supervisor home)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import DataTable

from counter.services import coverage as cov
from counter.services import outreach
from counter.services.registry import import_registry
from counter.tui.app import make_app
from counter.tui.screens.coverage import CoverageScreen, PlanScreen
from counter.tui.widgets.series import columns
from tests.helpers.pilot import async_test, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import SIZE, build, table_rows
from tests.services.test_coverage import ROWS1, ROWS2, extract


def test_series_columns_step_until_the_newest_point() -> None:
    pts = [(date(2026, 1, 1), 10), (date(2026, 1, 11), 20)]
    cols = columns(pts, date(2026, 1, 21), 5)  # days 1, 6, 11, 16, 21
    assert cols == [10, 10, 20, None, None]
    assert columns([], date(2026, 1, 1), 5) == []


@async_test
async def test_coverage_and_plan_screens(ctx, clock, tmp_path: Path) -> None:
    fx = build(ctx, clock)
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    clock.advance(days=30)
    import_registry(ctx, extract(tmp_path / "b.csv", ROWS2))
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("k")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, CoverageScreen)
                and app.screen.query_one("#cov-table", DataTable).row_count == 2
            ),
        )
        rows = table_rows(app.screen.query_one("#cov-table", DataTable))
        expect = cov.coverage(ctx, "kecamatan").rows  # the CLI's numbers
        assert [r[0] for r in rows] == [r.code for r in expect]
        assert rows[0][2:] == ["5", "3", "60,00", "0", "+1"]  # id: decimal comma
        await pilot.press("k")  # per desa
        await until(pilot, lambda: app.screen.query_one("#cov-table", DataTable).row_count == 4)
        await pilot.press("p")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, PlanScreen)
                and app.screen.query_one("#plan-table", DataTable).row_count == 4
            ),
        )
        first = table_rows(app.screen.query_one("#plan-table", DataTable))[0]
        assert first[:2] == ["1", "Sendang"]
        await pilot.press("s")  # start an outreach event at the selected place
        await until(pilot, lambda: outreach.active_event(ctx) is not None)
        ev = outreach.active_event(ctx)
        assert ev.place_code == "33.25.01.2005"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, CoverageScreen))
        await pilot.press("e")  # the shareable report, PDF and PNG
        folder = ctx.settings.data_path / "reports"
        await until(pilot, lambda: any(folder.glob("*.png")) and any(folder.glob("*.pdf")))


@async_test
async def test_entries_without_a_recorded_import_are_not_called_no_import(ctx, clock) -> None:
    from counter.services import accounts
    from counter.services.seed import seed_demo

    seed_demo(ctx, registry=200, visits=0, days=1, seed=2)  # entries, no registry_import row
    fx_kasi = accounts.get_officer(ctx, "kasi")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx_kasi)
        await pilot.press("k")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, CoverageScreen)
                and app.screen.query_one("#cov-table", DataTable).row_count > 0
            ),
        )
        shown = str(app.screen.query_one("#cov-import").render())
        assert shown == app.t("coverage.screen.no_import_history")
