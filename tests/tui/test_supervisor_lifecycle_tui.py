"""Pilot tests of the supervisor's lifecycle actions: closing an abandoned visit (from the daily
log's detail and from the day-close refusal itself) and voiding a mistaken visit."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Select, Static

from counter.domain import visit as vm
from counter.services import audit, dayclose, report, visits
from counter.tui.app import make_app
from counter.tui.screens.supervisor.daylog import DailyLogScreen
from counter.tui.screens.supervisor.detail import VisitDetailScreen
from counter.tui.screens.supervisor.lifecycle import CloseAbandonedModal
from counter.tui.screens.supervisor.modals import TextPrompt
from tests.helpers.pilot import async_test, settle
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import DAY, SIZE, build, table_rows


@pytest.fixture
def fx(ctx, clock):
    return build(ctx, clock)


@async_test
async def test_day_close_refusal_closes_the_abandoned_visit_then_the_day(ctx, fx) -> None:
    assert visits.get_visit(ctx, fx.ids[11]).ended_at is None  # siti left it open
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("c")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CloseAbandonedModal)
        listed = str(modal.query_one("#aband-list", Static).render())
        assert "siti" in listed and "*" in listed  # who left it, NIK masked
        assert modal.query_one("#corr-reason", Select).value == vm.INTERRUPTED
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
    v = visits.get_visit(ctx, fx.ids[11])
    assert (v.outcome, v.reason) == ("PENDING", vm.INTERRUPTED)
    assert dayclose.status(ctx, DAY).is_closed
    (a,) = audit.recent(ctx, action="visit_closed_abandoned")
    assert a.target == fx.ids[11] and a.username == "kasi"


@async_test
async def test_close_an_abandoned_visit_from_the_daily_log(ctx, fx) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, DailyLogScreen)
        log.open_visit(fx.ids[11])
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, VisitDetailScreen)
        await pilot.press("c")  # close the abandoned visit (c: close, as the day)
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CloseAbandonedModal)
        modal.query_one("#aband-outcome", Select).value = "FAILED"
        await settle(pilot)
        picker = modal.query_one("#corr-reason", Select)
        codes = [c for _, c in picker._options if isinstance(c, str)]
        assert "app_error" in codes and "ektp" not in codes
        picker.value = "app_error"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is detail
        assert detail.detail.outcome == "FAILED" and detail.detail.ended_at is not None
        rows = table_rows(detail.query_one("#detail-events", DataTable))
        assert rows[-1][2] == "Hasil" and "abandoned=True" in rows[-1][4]
    v = visits.get_visit(ctx, fx.ids[11])
    assert (v.outcome, v.reason) == ("FAILED", "app_error")
    assert (
        json.loads(audit.recent(ctx, action="visit_closed_abandoned")[0].detail)["outcome"]
        == "FAILED"
    )


@async_test
async def test_void_a_mistaken_visit_from_the_daily_log(ctx, fx) -> None:
    before = report.summary(ctx, DAY)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        log.open_visit(fx.ids[2])  # 08:20 ACTIVATED
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, VisitDetailScreen)
        await pilot.press("f4")  # void (F4, as on the counter)
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # empty: refused, the prompt stays
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"NIK salah ketik", "enter")
        await settle(pilot)
        assert app.screen is detail
        head = str(detail.query_one("#detail-head", Static).render())
        assert "DIBATALKAN" in head and "NIK salah ketik" in head
        await pilot.press("escape")
        await settle(pilot)
        row = table_rows(log.query_one("#log-table", DataTable))[1]
        assert "DIBATALKAN" in row[4]  # shown as voided in the log
    after = report.summary(ctx, DAY)
    assert after.visits == before.visits - 1
    assert after.outcomes["ACTIVATED"] == before.outcomes["ACTIVATED"] - 1
    assert audit.recent(ctx, action="visit_voided")[0].target == fx.ids[2]
