"""Pilot tests of the supervisor screens on the hand-counted fixture day."""

from __future__ import annotations

import json
from datetime import date

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Select, Static

from counter.services import audit, dayclose, report, visits
from counter.tui.app import make_app
from counter.tui.screens.supervisor.daylog import DailyLogScreen
from counter.tui.screens.supervisor.detail import VisitDetailScreen
from counter.tui.screens.supervisor.followup import FollowUpScreen
from counter.tui.screens.supervisor.home import SupervisorHome
from counter.tui.screens.supervisor.lifecycle import CorrectionModal
from counter.tui.screens.supervisor.modals import ConfirmModal, TextPrompt
from counter.tui.widgets.charts import BarList, BigCount, HourChart
from tests.helpers.pilot import async_test, settle, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import DAY, SIZE, build, nik, table_rows


@pytest.fixture
def fx(ctx, clock):
    return build(ctx, clock)


@async_test
async def test_summary_shows_the_report_numbers(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        j = report.summary(ctx, DAY).to_json()  # the same service as `ikd-counter report`
        big = {w.id: w.value for w in home.query(BigCount)}
        assert big == {
            "big-visits": "11",
            "big-already": "1",
            "big-attempted": "8",
            "big-activated": "3",
            "big-conversion": "37,5",
        }  # id: decimal comma
        assert big["big-visits"] == str(j["visits"])
        assert big["big-activated"] == str(j["outcomes"]["ACTIVATED"])
        bars = home.query_one("#bars-outcomes", BarList).rows
        assert [n for _, n in bars] == list(j["outcomes"].values()) == [1, 3, 1, 2, 1, 1, 1]
        assert sorted(n for _, n in home.query_one("#bars-reasons", BarList).rows) == [1, 1, 1, 1]
        assert home.query_one("#hours", HourChart).per_hour == j["per_hour"]
        target = str(home.query_one("#target-text", Static).render())
        assert "1.004" in target and "3.000" in target  # id: thousands dots
        assert "84" in str(home.query_one("#target-needed", Static).render())
        officer_tbl = str(home.query_one("#tbl-officer", Static).render())
        assert "budi" in officer_tbl and "6:20" in officer_tbl and "6:36" in officer_tbl
        # day before: the 26th
        await pilot.press("left")
        await settle(pilot)
        assert home.query_one("#big-visits", BigCount).value == "2"


@async_test
async def test_summary_at_80x24_stacks_the_panels_without_wrapping(ctx, fx) -> None:
    """On an 80x24 counter PC the three-panel rows are stacked: each panel is full width, so
    the per-officer and per-counter tables keep one line per officer/counter (no wrapped
    header); widened to 120 columns the panels sit side by side again."""
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, fx.kasi)
        await settle(pilot)
        home = app.screen
        assert isinstance(home, SupervisorHome) and home.has_class("-narrow")
        for tid, names in (("#tbl-officer", 2), ("#tbl-counter", 3)):
            tbl = home.query_one(tid, Static)
            text = str(tbl.render())
            assert tbl.size.width >= max(len(line) for line in text.splitlines())
            assert tbl.size.height == names + 1  # header + one line each: nothing wrapped
        lower = [p.region for p in home.query("#sup-lower > .panel")]
        assert len({r.x for r in lower}) == 1 and len({r.y for r in lower}) == 3  # stacked
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert not home.has_class("-narrow")
        lower = [p.region for p in home.query("#sup-lower > .panel")]
        assert len({r.y for r in lower}) == 1 and len({r.x for r in lower}) == 3  # side by side


@async_test
async def test_daily_log_filters_and_sort(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        table = log.query_one("#log-table", DataTable)
        rows = table_rows(table)
        assert len(rows) == 11 and rows[0][:4] == ["08:05", "LOKET-1", "siti", "3325**********01"]
        assert all(nik(i) not in " ".join(r) for i, r in enumerate(rows, 1))
        log.query_one("#f-officer", Select).value = "budi"
        await settle(pilot)
        assert [r[0] for r in table_rows(table)] == ["08:40", "09:10", "10:45", "11:05", "14:50"]
        log.query_one("#f-outcome", Select).value = "FAILED"
        await settle(pilot)
        assert [(r[0], r[5]) for r in table_rows(table)] == [
            ("08:40", "Email kode aktivasi tidak diterima")
        ]  # words
        await pilot.press("x")
        await settle(pilot)
        assert table.row_count == 11
        log.query_one("#f-counter", Select).value = "LOKET-2"
        await settle(pilot)
        assert table.row_count == 4
        await pilot.press("x")
        await settle(pilot)
        for _ in range(4):  # time -> counter -> officer -> outcome -> handling
            await pilot.press("s")
            await settle(pilot, 2)
        assert log.sort_key == "handling"
        await pilot.press("v")
        await settle(pilot)
        assert [r[6] for r in table_rows(table)[:3]] == ["15:00", "12:00", "10:00"]


@async_test
async def test_open_visit_and_correct_it(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("down", "enter")  # row 2: 08:20 ACTIVATED
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, VisitDetailScreen)
        assert detail.detail.visit_id == fx.ids[2]
        assert nik(2) in str(detail.query_one("#detail-head", Static).render())  # full NIK
        opened = audit.recent(ctx, action="visit_opened")
        assert [(a.target, a.username) for a in opened] == [(fx.ids[2], "kasi")]

        await pilot.press("h")  # correct the outcome
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CorrectionModal)
        modal.query_one("#corr-outcome", Select).value = "FAILED"
        await pilot.click("#corr-why")
        await pilot.press(*"resident had no email")
        await pilot.press("ctrl+s")  # no reason code yet: refused
        await settle(pilot)
        assert app.screen is modal
        assert "memerlukan kode alasan" in str(modal.query_one("#corr-error").render())
        # the reason is picked from the protocol's list for FAILED, never typed
        picker = modal.query_one("#corr-reason", Select)
        codes = [c for _, c in picker._options if isinstance(c, str)]
        assert "email_not_received" in codes and "ektp" not in codes and "interrupted" in codes
        picker.value = "email_not_received"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is detail
        v = visits.get_visit(ctx, fx.ids[2])
        assert (v.outcome, v.reason, v.revision) == ("FAILED", "email_not_received", 1)
        rows = table_rows(detail.query_one("#detail-events", DataTable))
        assert [r[2] for r in rows] == ["Mulai", "Hasil", "Koreksi"]  # event kinds in words
        assert "outcome=Berhasil aktivasi" in rows[1][4]  # the original stays visible, in words
        assert "Berhasil aktivasi" in rows[2][4] and "resident had no email" in rows[2][4]
        corr = audit.recent(ctx, action="correction")
        assert len(corr) == 1 and json.loads(corr[0].detail)["old"]["outcome"] == "ACTIVATED"
        await pilot.press("escape")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        assert (
            table_rows(log.query_one("#log-table", DataTable))[1][4] == "Gagal"
        )  # words, not codes
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#big-activated", BigCount).value == "2"


@async_test
async def test_followup_contacted_and_resolved(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("w")  # the follow-up list
        await settle(pilot)
        fu = app.screen
        assert isinstance(fu, FollowUpScreen)
        table = fu.query_one("#fu-table", DataTable)
        assert [r[4] for r in table_rows(table)] == ["081234567821", "081234567803", "081234567804"]
        await pilot.press("down", "k")  # row 3 of the 27th: contacted
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # empty note refused
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"comes back Monday", "enter")
        await settle(pilot)
        assert visits.get_visit(ctx, fx.ids[3]).followup_state == "contacted"
        assert table_rows(table)[1][7] == "dihubungi"
        await pilot.press("up", "x")
        await settle(pilot)
        await pilot.press(*"activated by phone", "enter")
        await settle(pilot)
        assert visits.get_visit(ctx, fx.before["failed"]).followup_state == "resolved"
        assert [r[4] for r in table_rows(table)] == ["081234567803", "081234567804"]
        actions = [a.action for a in audit.recent(ctx)]
        assert "followup_contacted" in actions and "followup_resolved" in actions


@async_test
async def test_close_and_reopen_day(ctx, fx) -> None:
    visits.finish_visit(ctx, fx.ids[11], "DECLINED", officer_id=fx.siti.id)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "11" in str(app.screen.query_one("#confirm-body", Static).render())
        await pilot.press("y")
        await settle(pilot)
        st = dayclose.status(ctx, DAY)
        assert st.is_closed and st.closed_by == "kasi"
        assert (
            st.backup_path
            and ctx.settings.backups_dir.joinpath(st.backup_path.rsplit("/", 1)[-1]).exists()
        )
        await until(pilot, lambda: home.day_state == "closed")
        assert any(st.backup_path in n.message for n in app._notifications)  # path shown
        assert "kasi" in str(home.query_one("#sup-status", Static).render())
        # a locked day refuses corrections: the key is disabled, the service refuses
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, VisitDetailScreen) and detail.detail.day_closed
        await pilot.press("h")  # correct: disabled on a closed day
        await settle(pilot)
        assert app.screen is detail
        with pytest.raises(visits.VisitError):
            visits.correct_visit(ctx, fx.ids[1], fx.kasi, "ACTIVATED", None, "try")
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is home
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"LOKET-2 typo", "enter")
        await settle(pilot)
        assert dayclose.status(ctx, DAY).status == "reopened"
        await until(pilot, lambda: home.day_state == "reopened")
        reopened = audit.recent(ctx, action="day_reopened")
        assert json.loads(reopened[0].detail)["reason"] == "LOKET-2 typo"
        visits.correct_visit(ctx, fx.ids[1], fx.kasi, "ACTIVATED", None, "it works again")


@async_test
async def test_officer_cannot_reach_supervisor_screens(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.budi)
        assert app.current_mode == "counter"
        await pilot.press("f7")  # the mode key
        await settle(pilot)
        assert app.current_mode == "counter"
        app.push_screen(SupervisorHome())
        app.push_screen(DailyLogScreen(DAY))
        app.push_screen(FollowUpScreen())
        await settle(pilot)
        assert not any(
            isinstance(s, (SupervisorHome, DailyLogScreen, FollowUpScreen))
            for s in app.screen_stack
        )
        app.switch_mode("supervisor")
        await settle(pilot)
        assert app.current_mode == "counter"
        # the command palette offers no supervisor entry; typing it opens nothing
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert app.t("tui.palette.supervisor") not in titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"supervisor", "enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "counter"
        assert not any(isinstance(s, SupervisorHome) for s in app.screen_stack)
    # nothing was opened or changed in the officer's name
    assert audit.recent(ctx, action="visit_opened") == []


class _BareApp(App[None]):
    """Without the shell's guard: the screens refuse an officer by themselves."""

    def __init__(self, ctx, officer) -> None:  # noqa: ANN001
        super().__init__()
        self.ctx, self.officer, self.settings = ctx, officer, ctx.settings

    def t(self, key: str, **kw: object) -> str:
        from counter.i18n import catalog

        return catalog("en").t(key, **kw)

    def on_mount(self) -> None:
        self.push_screen(SupervisorHome(DAY))


@async_test
async def test_screen_refuses_officer_without_the_shell_guard(ctx, fx) -> None:
    app = _BareApp(ctx, fx.siti)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SupervisorHome)
        assert "Only a supervisor" in str(app.screen.query_one("#sup-refused", Static).render())
        assert not app.screen.query(BigCount)


def test_summary_snapshot(ctx, fx, snap_compare) -> None:
    app = make_app(ctx.settings, ctx=ctx)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await login(pilot, fx.kasi)
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_summary_snapshot_closed_day_english(ctx, fx, snap_compare) -> None:
    from dataclasses import replace

    visits.finish_visit(ctx, fx.ids[11], "DECLINED", officer_id=fx.siti.id)
    dayclose.close_day(ctx, date(2026, 11, 27), fx.kasi, backup=False)
    ctx.settings = replace(ctx.settings, lang="en")
    app = make_app(ctx.settings, ctx=ctx)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await login(pilot, fx.kasi)
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@async_test
async def test_export_key_opens_the_export_dialog(ctx, fx) -> None:
    """`e` writes nothing at once: it opens the export dialog (tests/tui/test_export_dialog.py)."""
    from counter.tui.screens.export_dialog import ExportDialog

    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert app.screen.day == DAY
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorHome))
    assert not ctx.settings.exports_dir.exists() or not list(ctx.settings.exports_dir.iterdir())
    assert not [a.action for a in audit.recent(ctx) if a.action.startswith("export")]


@async_test
async def test_bundle_import_key_merges_a_laptop_bundle(
    ctx,
    fx,
    clock,
    tmp_path,  # noqa: ANN001
    make_ctx,
) -> None:
    from counter.services import accounts, bundles
    from tests.helpers.bundle import share_key
    from tests.helpers.supervisor import at

    laptop = make_ctx(
        {"paths.data": str(tmp_path / "ldata"), "office.counter": "LAPTOP"}, name="laptop.db"
    )
    ani = accounts.create_officer(laptop, "ani", "135792")
    share_key(ctx, laptop)
    clock.set(at(27, 10, 30))
    v = visits.start_visit(laptop, ani, nik(60))
    clock.advance(seconds=300)
    visits.finish_visit(laptop, v.id, "ACTIVATED")
    path = tmp_path / "laptop.bundle"
    bundles.export_bundle(laptop, path)
    laptop.db.dispose()
    clock.set(at(27, 16, 0))
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is home
        assert home.query_one("#big-visits", BigCount).value == "12"
        assert home.query_one("#big-activated", BigCount).value == "4"
        assert any("1" in n.message for n in app._notifications)
    assert report.summary(ctx, DAY).by_counter["LAPTOP"]["activated"] == 1
