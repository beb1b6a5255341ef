"""Crash safety: a visit dropped mid-way is offered after the next login and finished in place."""

from __future__ import annotations

from typing import Any

from counter.domain import outcomes as oc
from counter.services import visits
from counter.services.context import Context
from counter.tui.screens.counter import CounterScreen
from tests.helpers.counter import (
    NIK_ACTIVE,
    NIK_NEW,
    Keys,
    add_registry,
    async_test,
    counter_app,
    open_counter,
    settle,
)


async def login_and_resume(pilot: Any, officer: Any) -> CounterScreen:
    """Log in; the shell's resume prompt lists the unfinished visit; Enter resumes it."""
    from counter.tui.screens.resume import ResumeScreen

    app = pilot.app
    await settle(pilot)
    app.login_done(officer)
    for _ in range(10):
        await settle(pilot, 1)
        if isinstance(app.screen, ResumeScreen):
            break
    assert isinstance(app.screen, ResumeScreen), app.screen
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CounterScreen)
    return screen


@async_test
async def test_resume_mid_steps_after_the_app_was_dropped(
    ctx: Context, officer: Any, clock: Any
) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter")  # NIK, start, prerequisites
        await keys("enter", "enter")  # install, open_terms done
        assert screen.proto.steps[screen.step_index].id == "verify_data"
        visit_id = screen.visit_id
    # The app is gone without finishing (as after a kill): the database already has it all.
    (v,) = visits.unfinished(ctx, officer.id)
    assert v.id == visit_id and v.current_step == "verify_data" and v.ended_at is None

    clock.advance(minutes=5)
    app2 = counter_app(ctx)
    async with app2.run_test(size=(80, 24)) as pilot:
        screen = await login_and_resume(pilot, officer)
        assert screen.visit_id == visit_id
        assert screen.phase == "step"
        assert screen.proto.steps[screen.step_index].id == "verify_data"
        assert "kunjungan 05:00" in str(screen.query_one("#step-elapsed").render())
        keys = Keys(pilot)
        for _ in range(5):  # verify_data .. set_pin
            await keys("enter")
        assert screen.phase == "outcome"
        await keys("enter")
        assert screen.phase == "nik" and screen.visit_id is None
    assert visits.unfinished(ctx) == []
    done = visits.get_visit(ctx, visit_id)
    assert done is not None and done.outcome == oc.ACTIVATED
    assert done.handling_seconds == 300
    ev = visits.timeline(ctx, visit_id)
    kinds = [(e.kind, e.step) for e in ev]
    assert ("resume", "verify_data") in kinds
    assert [e.data["done"] for e in ev if e.kind == "step"] == [
        "install",
        "open_terms",
        "verify_data",
        "face",
        "qr_scan",
        "email_code",
        "set_pin",
    ]
    assert len(visits.visits_of_day(ctx, ctx.today())) == 1  # the same visit, not a new one


@async_test
async def test_resume_at_the_chosen_outcome(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter", "enter", "enter")  # at verify_data
        await keys("p", "enter", "r")  # nik_not_found -> REFERRED, then the app dies
        assert screen.phase == "outcome"
        visit_id = screen.visit_id
    assert visits.get_visit(ctx, visit_id).current_step == "outcome"  # type: ignore[union-attr]
    app2 = counter_app(ctx)
    async with app2.run_test(size=(80, 24)) as pilot:
        screen = await login_and_resume(pilot, officer)
        assert screen.phase == "outcome"
        assert (screen.outcome, screen.reason) == (oc.REFERRED, "nik_not_found")
        assert "Dirujuk" in str(screen.query_one("#outcome-text").render())
        # Escape goes back to the step the problem happened on, on the same visit
        await pilot.press("escape")
        assert screen.phase == "step"
        assert screen.proto.steps[screen.step_index].id == "verify_data"
        await pilot.press("p", "enter", "r", "enter")
        assert screen.phase == "nik"
    v = visits.get_visit(ctx, visit_id)
    assert v is not None and (v.outcome, v.reason) == (oc.REFERRED, "nik_not_found")


@async_test
async def test_resume_on_status_records_on_the_same_visit(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    v = visits.start_visit(ctx, officer, NIK_ACTIVE, step="status")  # crashed before finishing
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await login_and_resume(pilot, officer)
        assert screen.phase == "status" and screen.visit_id == v.id
        await pilot.press("enter")
        assert screen.phase == "nik"
    rows = visits.visits_of_day(ctx, ctx.today())
    assert [(r.id, r.outcome) for r in rows] == [(v.id, oc.ALREADY_ACTIVE)]


@async_test
async def test_resume_prompt_names_the_step_from_the_protocol(ctx: Context, officer: Any) -> None:
    from textual.widgets import OptionList

    from counter.tui.screens.resume import ResumeScreen

    v = visits.start_visit(ctx, officer, NIK_NEW, step="prereq")
    visits.record_event(ctx, v.id, "prereq", "face", {"missing": []}, officer.id)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.login_done(officer)
        for _ in range(10):
            await settle(pilot, 1)
            if isinstance(app.screen, ResumeScreen):
                break
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "Verifikasi wajah" in prompt and "face" not in prompt.split("·")[-1]
