"""Pilot tests of the supervisor screens at small sizes, the self-refreshing dashboard, the
officer's note in the daily log, and messages that stay until read (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from counter.services import visits
from counter.services.context import Context
from counter.tui.app import make_app
from counter.tui.notices import STICKY_SECONDS
from counter.tui.screens.supervisor.daylog import DailyLogScreen
from counter.tui.screens.supervisor.detail import VisitDetailScreen
from counter.tui.screens.supervisor.followup import FollowUpScreen
from counter.tui.screens.supervisor.home import SupervisorHome
from counter.tui.screens.supervisor.lifecycle import CloseAbandonedModal
from counter.tui.screens.supervisor.modals import TextPrompt
from counter.tui.widgets.charts import BarList, BigCount
from tests.helpers.supervisor import build, nik
from tests.tui.test_supervisor_tui import async_test, login, settle, table_rows, until

FAILED_REASON = "Email kode aktivasi tidak diterima"  # 34 characters: was cut to 26


@pytest.fixture
def fx(ctx, clock):
    return build(ctx, clock)


def other_counter_writes(ctx, officer, serial: int, note: str | None = None) -> str:  # noqa: ANN001
    """A visit recorded by another counter on the same database, through the services."""
    c = Context(replace(ctx.settings, counter_id="LOKET-9"), ctx.db, ctx.clock)
    v = visits.start_visit(c, officer, nik(serial))
    visits.finish_visit(c, v.id, "ACTIVATED", note=note, officer_id=officer.id)
    return v.id


def footer_fits(screen) -> bool:  # noqa: ANN001
    footer = screen.query_one(Footer)
    return footer.virtual_size.width <= footer.size.width and all(
        k.region.right <= footer.region.right for k in footer.children
    )


@async_test
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_visit_detail_fits_and_wraps_the_timeline(ctx, fx, size) -> None:
    why = "Warga menunjukkan email yang benar setelah dicek ulang bersama petugas di loket dua " * 2
    visits.correct_visit(ctx, fx.ids[3], fx.kasi, "FAILED", "interrupted", why.strip())
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=size) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        home.action_log()
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        log.open_visit(fx.ids[3])  # corrected with a long why: a long timeline line
        await until(pilot, lambda: isinstance(app.screen, VisitDetailScreen))
        detail = app.screen
        box = detail.query_one(Vertical).region
        assert box.x >= 0 and box.right <= size[0]  # the right border is on screen
        table = detail.query_one("#detail-events", DataTable)
        assert table.virtual_size.width <= table.size.width  # no column cut or scrolled off
        rows = table_rows(table)
        data_width = table.ordered_columns[-1].width
        longest = max(len(r[4]) for r in rows)
        assert longest > data_width  # the test has a line that needs wrapping ...
        wrapped = [r.height for r in table.rows.values()]
        assert max(wrapped) >= -(-longest // data_width)  # ... and its row grew to hold it
        assert footer_fits(detail)


@async_test
async def test_home_at_60x20_shows_the_counts_on_one_wrapped_line(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(60, 20)) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome) and home.has_class("-tiny")
        assert not home.query_one("#sup-counts").display  # no tiles squeezed to 12 columns
        line = home.query_one("#sup-counts-line", Static)
        assert line.display and line.region.right <= 60
        text = str(line.render())
        assert "Kunjungan 11" in text and "37,5" in text
        await pilot.resize_terminal(80, 24)  # the tiles come back, each label on one line
        await settle(pilot)
        assert not home.has_class("-tiny") and home.query_one("#sup-counts").display
        for tile in home.query(BigCount):
            label = tile.query_one("Label")
            assert label.size.height == 1 and len(str(label.render())) <= label.size.width


@async_test
async def test_footers_fit_100_columns_on_the_supervisor_screens(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        assert footer_fits(home)
        for screen in (DailyLogScreen(home.day), FollowUpScreen()):
            app.push_screen(screen)
            await settle(pilot)
            assert app.screen is screen and footer_fits(screen), type(screen).__name__
            app.pop_screen()
            await settle(pilot)


@async_test
async def test_reasons_are_not_cut_at_100_columns(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        bars = home.query_one("#bars-reasons", BarList)
        assert FAILED_REASON in str(bars.render())
        home.action_log()
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        table = log.query_one("#log-table", DataTable)
        table.move_cursor(row=2)  # 08:40 budi FAILED email_not_received
        await settle(pilot)
        row = log.query_one("#log-row", Static)
        assert FAILED_REASON in str(row.render()) and row.region.right <= 100


@async_test
async def test_daily_log_shows_the_officers_note(ctx, fx) -> None:
    note = "Warga kembali besok [b]pagi[/b] dengan KK; nomor HP ibunya dipakai sementara"
    other_counter_writes(ctx, fx.budi, 40, note)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        app.screen.action_log()
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        table = log.query_one("#log-table", DataTable)
        rows = table_rows(table)
        last = [r for r in rows if r[1] == "LOKET-9"]
        assert len(last) == 1 and last[0][-1] == note[:29] + "…"  # the column: its start
        table.move_cursor(row=rows.index(last[0]))
        await settle(pilot)
        assert note in str(log.query_one("#log-row", Static).render())  # whole and literal


@async_test
async def test_dashboard_and_log_refresh_themselves(ctx, fx, monkeypatch) -> None:
    monkeypatch.setattr(SupervisorHome, "REFRESH_SECONDS", 0.3)
    monkeypatch.setattr(DailyLogScreen, "REFRESH_SECONDS", 0.3)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        home.query_one("#sup-body").scroll_to(y=3, animate=False)
        await settle(pilot)
        scrolled = home.query_one("#sup-body").scroll_y
        assert home.query_one("#big-visits", BigCount).value == "11"
        other_counter_writes(ctx, fx.budi, 41)  # no key is pressed from here on
        await until(pilot, lambda: home.query_one("#big-visits", BigCount).value == "12")
        assert home.query_one("#sup-body").scroll_y == scrolled
        # a prompt open on top is not interrupted
        home.action_pick_day()
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        other_counter_writes(ctx, fx.budi, 42)
        await pilot.pause(1.0)
        assert app.screen is prompt and home.query_one("#big-visits", BigCount).value == "12"
        prompt.action_cancel()
        await until(pilot, lambda: home.query_one("#big-visits", BigCount).value == "13")
        # the daily log: the new row appears and the cursor stays where it was
        home.action_log()
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        table = log.query_one("#log-table", DataTable)
        await until(pilot, lambda: table.row_count == 13)
        table.move_cursor(row=4)
        other_counter_writes(ctx, fx.budi, 43)
        await until(pilot, lambda: table.row_count == 14)
        assert table.cursor_row == 4 and app.screen is log


@async_test
async def test_results_that_matter_stay_until_read(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("c")  # close the day: its result must stay until read
        # the fixture day has visits left open: they are closed as pending on the way
        await until(pilot, lambda: isinstance(app.screen, CloseAbandonedModal))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(app._notifications))
        written = list(app._notifications)
        assert written and written[0].timeout == STICKY_SECONDS
        await pilot.pause(0.5)
        assert written[0] in list(app._notifications)  # still there


@async_test
async def test_printer_failure_at_the_counter_stays_until_read(make_ctx) -> None:  # noqa: ANN001
    from counter.services import accounts
    from tests.helpers.counter import NIK_NEW, Keys, counter_app, open_counter

    ctx = make_ctx({"print.command": "false {file}"}, name="p.db")  # the printer fails
    officer = accounts.create_officer(ctx, "budi", "135790", role="officer")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "m")  # declined
        await keys("f6")  # save + print slip
        await until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        failed = [n for n in app._notifications if n.severity == "error"]
        assert failed[0].timeout == STICKY_SECONDS
    (v,) = visits.visits_of_day(ctx, ctx.today())  # the visit itself was saved
    assert v.outcome is not None


@async_test
async def test_keys_hidden_from_the_footer_are_in_the_command_palette(ctx, fx) -> None:
    from counter.tui.screens.commands import CommandsScreen

    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        shown = {k.action for k in home.query_one(Footer).query("FooterKey")}
        assert "followup" not in shown  # not in the footer ...
        app.action_command_palette()
        await settle(pilot)
        assert isinstance(app.screen, CommandsScreen)
        app.screen.query_one("Input").value = "tindak lanjut (w)"  # its name and its key
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("enter")  # ... but one search away in Ctrl+P
        await until(pilot, lambda: isinstance(app.screen, FollowUpScreen))
