"""Themes switch by key and are remembered; unfinished visits are offered after login."""

from __future__ import annotations

from counter.domain import nik
from counter.domain.protocol import cached_protocol
from counter.services import settings_store, visits
from tests.helpers.shell import StubCounter, app_on, async_test, login, settle

NIK = "3325014507900002"  # Batang, female, born 1990-07-05
NIK2 = "3325015505900001"  # another resident (one open visit per resident and day)


@async_test
async def test_theme_switch_is_remembered_across_app_instances(ctx, officer):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        await pilot.press("f9")
        await settle(pilot)
        assert app.theme == "textual-dark" and app.current_theme.dark
    assert settings_store.get(ctx, "theme") == "textual-dark"

    again = app_on(ctx)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "textual-dark"
        await pilot.press("f9")
        await settle(pilot)
        assert again.theme == "textual-light"
    assert settings_store.get(ctx, "theme") == "textual-light"


def _crashed_visit(ctx, officer, step: str = "email_code", nik_: str = NIK):  # noqa: ANN001, ANN202
    v = visits.start_visit(ctx, officer, nik_)
    visits.record_event(ctx, v.id, "step", step=step, officer_id=officer.id)
    return v


@async_test
async def test_resume_prompt_resumes_on_the_counter_screen(ctx, officer, supervisor):
    v = _crashed_visit(ctx, officer)
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        assert type(app.screen).__name__ == "ResumeScreen"
        text = str(app.screen.query_one("#resume-list").get_option_at_index(0).prompt)
        assert nik.mask(NIK) in text and "09:00" in text
        assert cached_protocol().step("email_code").title.get("id") in text
        await pilot.press("enter")
        await settle(pilot)
        counter = app.screen
        assert app.current_mode == "counter" and isinstance(counter, StubCounter)
        assert [r.id for r in counter.resumed] == [v.id]
        assert counter.resumed[0].current_step == "email_code"
    # resuming does not end the visit
    assert visits.get_visit(ctx, v.id).ended_at is None


@async_test
async def test_resume_prompt_closes_visits_with_an_outcome(ctx, officer, clock):
    first = _crashed_visit(ctx, officer, "face")
    clock.advance(minutes=5)
    second = _crashed_visit(ctx, officer, "install", NIK2)
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        assert type(app.screen).__name__ == "ResumeScreen"
        assert app.screen.query_one("#resume-list").option_count == 2
        await pilot.press("p")  # the first (oldest) visit: PENDING
        await settle(pilot)
        assert app.screen.query_one("#resume-list").option_count == 1
        await pilot.press("f")  # then the other: FAILED
        await settle(pilot)
        assert isinstance(app.screen, StubCounter) and app.screen.resumed == []
    a, b = visits.get_visit(ctx, first.id), visits.get_visit(ctx, second.id)
    assert (a.outcome, a.reason) == ("PENDING", "interrupted")
    assert (b.outcome, b.reason) == ("FAILED", "interrupted")
    assert visits.timeline(ctx, a.id)[-1].kind == "outcome"
    assert visits.unfinished(ctx, officer.id) == []


@async_test
async def test_resume_later_keeps_the_visit_for_the_next_login(ctx, officer):
    v = _crashed_visit(ctx, officer)
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StubCounter)
        await pilot.press("f8")
        await settle(pilot)
        await login(pilot, "siti", "135790")
        assert type(app.screen).__name__ == "ResumeScreen"
    assert [x.id for x in visits.unfinished(ctx, officer.id)] == [v.id]


@async_test
async def test_other_officers_unfinished_visits_are_not_offered(ctx, officer, supervisor):
    _crashed_visit(ctx, officer)
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "kasi", "246802")
        assert app.current_mode == "supervisor"
        assert type(app.screen).__name__ != "ResumeScreen"
