"""SVG snapshots of the counter screen's NIK, status, step and outcome views (fixed clock)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from counter.domain import outcomes as oc
from counter.services import visits
from counter.services.context import Context
from tests.helpers.counter import NIK_NEW, counter_app, settle

SIZES = [(80, 24), (120, 40)]


async def _freeze(pilot: Any) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def _driver(officer: Any, clock: Any, *keys: str, advance: int = 0) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.login_done(officer)
        await settle(pilot)
        pilot.app.clear_notifications()
        for k in keys:
            await pilot.press(k)
        if advance:
            clock.advance(seconds=advance)
            pilot.app.screen._tick()
        await _freeze(pilot)

    return run_before


@pytest.fixture
def earlier(ctx: Context, officer: Any, clock: Any) -> None:
    """One finished visit today and an earlier failed attempt of NIK_NEW a week ago."""
    clock.advance(days=-7)
    v = visits.start_visit(ctx, officer, NIK_NEW)
    visits.finish_visit(ctx, v.id, oc.FAILED, "email_not_received", officer_id=officer.id)
    clock.advance(days=7)
    clock.advance(minutes=-30)
    v = visits.start_visit(ctx, officer, "3325014101900001")
    visits.finish_visit(ctx, v.id, oc.ALREADY_ACTIVE, officer_id=officer.id)
    clock.advance(minutes=30)


@pytest.mark.parametrize("size", SIZES)
def test_nik_view(
    snap_compare: Any, ctx: Context, officer: Any, clock: Any, earlier: None, size: tuple[int, int]
) -> None:
    run = _driver(officer, clock, *NIK_NEW, "tab", *"Budi")
    assert snap_compare(counter_app(ctx), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_status_view(
    snap_compare: Any, ctx: Context, officer: Any, clock: Any, earlier: None, size: tuple[int, int]
) -> None:
    run = _driver(officer, clock, *NIK_NEW, "enter")
    assert snap_compare(counter_app(ctx), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_step_view_with_problem(
    snap_compare: Any, ctx: Context, officer: Any, clock: Any, earlier: None, size: tuple[int, int]
) -> None:
    # NIK, start, prerequisites, install, open_terms, verify_data -> face; a problem chosen
    run = _driver(officer, clock, *NIK_NEW, *["enter"] * 6, "p", "enter", advance=75)
    assert snap_compare(counter_app(ctx), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_outcome_view(
    snap_compare: Any, ctx: Context, officer: Any, clock: Any, earlier: None, size: tuple[int, int]
) -> None:
    run = _driver(officer, clock, *NIK_NEW, *["enter"] * 8, "p", "enter", "t")
    assert snap_compare(counter_app(ctx), terminal_size=size, run_before=run)


def test_today_panel_and_prerequisites_english(
    snap_compare: Any, ctx: Context, officer: Any, clock: Any, earlier: None
) -> None:
    from dataclasses import replace

    ctx.settings = replace(ctx.settings, lang="en")
    run = _driver(officer, clock, *NIK_NEW, "enter", "enter", "2", "f3")
    assert snap_compare(counter_app(ctx), terminal_size=(120, 40), run_before=run)
