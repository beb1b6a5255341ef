"""The counter's side of the visit's life, on the real app: NIK input refusals, the under-17
warning, follow-up contact on the outcome, leaving mid-visit, a NIK whose visit is still open."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import events
from textual.widgets import Static

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.i18n import catalog
from counter.services import accounts, visits
from counter.services.context import Context
from counter.tui.screens.counter import CounterScreen, NikInput
from tests.helpers.counter import NIK_NEW, Keys, async_test, counter_app, open_counter, settle

T = catalog("id")
NIK_CHILD = nikmod.compose("332503", date(2012, 6, 1), "M", 3)  # 14 on 2026-11-27


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def shown(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


@async_test
async def test_excel_number_letters_and_a_17th_digit_are_refused_with_a_reason(
    ctx: Context, officer: Any
) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        nik = screen.query_one("#nik-input", NikInput)
        nik.post_message(events.Paste("3.32501E+15"))  # a NIK column Excel made a number
        await pilot.pause()
        assert nik.value == ""
        excel = nikmod.NikError(nikmod.EXCEL, value="3.32501E+15").message("id")
        assert text_of(screen, "#nik-msg") == excel and "KTP" in excel
        assert screen.query_one("#nik-msg").has_class("error")
        keys = Keys(pilot)
        await keys.nik("3325")
        await keys("x")  # a letter is not dropped without a word
        assert nik.value == "3325"
        assert text_of(screen, "#nik-msg") == T.t("nik.error.non_digits", char="x")
        nik.value = NIK_NEW
        await pilot.pause()
        await keys("7")  # a 17th digit
        assert nik.value == NIK_NEW
        assert text_of(screen, "#nik-msg") == T.t("nik.error.length", length=17)
        nik.value = ""
        nik.post_message(events.Paste("3325 0317-0501.0012"))  # separators are still fine
        await pilot.pause()
        assert nik.value == NIK_NEW


@async_test
async def test_under_17_is_warned_and_not_eligible_is_one_key(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_CHILD)
        warning = T.t("counter_visit.age_warning", age=14)
        assert warning in text_of(screen, "#nik-msg")
        await keys("enter")
        assert screen.phase == "status" and warning in text_of(screen, "#status-nik")
        footer = {b.binding.action for b in screen.active_bindings.values()}
        assert "not_eligible_age" in footer and "primary_start" in footer  # warns, not blocks
        await keys("u")
        assert screen.phase == "outcome"
        assert (screen.outcome, screen.reason) == (oc.NOT_ELIGIBLE, "ektp")
        await keys("enter")
        assert screen.phase == "nik"
        assert keys.digits == 16 and keys.other == 3
    (v,) = visits.visits_of_day(ctx, ctx.today())
    assert (v.outcome, v.reason) == (oc.NOT_ELIGIBLE, "ektp")


@async_test
async def test_adult_nik_has_no_age_warning_or_key(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")
        assert "⚠" not in text_of(screen, "#status-nik")
        await keys("u")
        assert screen.phase == "status" and screen.visit_id is None


async def _to_pending(keys: Keys, screen: CounterScreen) -> None:
    await keys.nik(NIK_NEW)
    await keys("enter", "enter", "enter")
    for _ in range(5):
        await keys("enter")
    assert screen.proto.steps[screen.step_index].id == "email_code"
    await keys("p", "enter", "t")  # email_not_received -> PENDING
    assert screen.phase == "outcome"


@async_test
async def test_follow_up_outcome_asks_for_consent_and_phone(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await _to_pending(keys, screen)
        assert screen.query_one("#followup").display
        assert T.t("counter_visit.followup.ask") in text_of(screen, "#followup-ask")
        await keys("tab", "space", "tab")  # consent, then the phone
        assert app.focused is screen.query_one("#fu-phone")
        await keys.text("0812")
        await keys("enter")  # too short: refused with the reason, nothing saved
        assert screen.phase == "outcome" and "8-15" in text_of(screen, "#fu-msg")
        await keys.text("3456789")
        await keys("enter")
        assert screen.phase == "nik"
    (v,) = visits.visits_of_day(ctx, ctx.today())
    assert (v.outcome, v.consent_contact, v.phone) == (oc.PENDING, True, "08123456789")
    assert v.followup_state == "open"


@async_test
async def test_no_follow_up_question_for_other_outcomes(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "t")  # DECLINED
        assert screen.phase == "outcome" and not screen.query_one("#followup").display


@async_test
async def test_leaving_mid_visit_asks_first_and_the_next_officer_is_told(
    ctx: Context, officer: Any
) -> None:
    from counter.tui.screens.counter.prompts import LeaveVisitScreen

    ani = accounts.create_officer(ctx, "ani", "135791", role="officer")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter")  # the visit is open, at the prerequisites
        for key in ("f8", "ctrl+q"):
            await keys(key)
            await settle(pilot)
            assert isinstance(app.screen, LeaveVisitScreen), key
            assert nikmod.mask(NIK_NEW) in text_of(app.screen, "#leave-body")
            await keys("enter")  # Enter stays: leaving needs its own key
            await settle(pilot)
            assert app.screen is screen and app.officer is officer
            assert app.return_code is None
        await keys("f8", "y")
        await settle(pilot)
        assert app.officer is None
        # the next officer at this counter: told that a visit was left open, not shown it
        app.login_done(ani)
        await settle(pilot, 4)
        told = [m for m in shown(app) if m == T.t("counter_visit.left_open_here", count=1)]
        assert told, shown(app)
        assert not any(NIK_NEW in m or nikmod.mask(NIK_NEW) in m for m in shown(app))
    (v,) = visits.unfinished(ctx)
    assert v.officer_id == officer.id and v.current_step == "prereq"  # still open, not lost


@async_test
async def test_quit_mid_visit_asks_then_quits(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter")
        await keys("ctrl+q")
        await settle(pilot)
        assert app.return_code is None
        await keys("y")
        await pilot.pause()
        assert app.return_code == 0
    assert len(visits.unfinished(ctx)) == 1


@async_test
async def test_closed_day_refuses_a_new_visit_at_its_start(
    ctx: Context, officer: Any, supervisor: Any
) -> None:
    from counter.services import dayclose

    dayclose.close_day(ctx, ctx.today(), supervisor, backup=False)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")
        hint = text_of(screen, "#status-hint")
        assert T.t("counter_visit.day_closed_hint") in hint and "supervisor" in hint
        await keys("enter")  # start assisted activation: refused at once, not after 7 steps
        assert screen.phase == "status" and screen.visit_id is None
        refused = [m for m in shown(app) if "ditutup" in m]
        assert refused and all("supervisor" in m for m in refused), shown(app)
        await keys("s", "t")
        assert screen.phase == "status" and screen.visit_id is None
    assert visits.visits_of_day(ctx, ctx.today()) == []


async def _prompted(pilot: Any, keys: Keys) -> Any:
    from counter.tui.screens.counter.prompts import OpenVisitScreen

    await keys.nik(NIK_NEW)
    await keys("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OpenVisitScreen), pilot.app.screen
    return pilot.app.screen


@async_test
async def test_same_nik_with_an_open_visit_offers_to_resume_it(ctx: Context, officer: Any) -> None:
    ani = accounts.create_officer(ctx, "ani", "135791", role="officer", full_name="Ani")
    v = visits.start_visit(ctx, ani, NIK_NEW, step="prereq")  # Ani left it open
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        prompt = await _prompted(pilot, keys)
        body = text_of(prompt, "#open-body")
        assert "ani" in body and "09:00" in body and T.t("counter.prereq.title") in body
        assert not prompt.check_action("choose", ("close",))  # closing is a supervisor's
        await keys("escape")
        await settle(pilot)
        assert app.screen is screen and screen.phase == "status" and screen.visit_id is None
        await keys("enter")  # start anyway: refused, the open visit is offered again
        await settle(pilot)
        assert type(app.screen).__name__ == "OpenVisitScreen"
        await keys("enter")  # resume it here
        await settle(pilot)
        assert app.screen is screen and screen.visit_id == v.id and screen.phase == "prereq"
        await keys("enter")
        assert screen.phase == "step"
    rows = visits.visits_of_day(ctx, ctx.today())
    assert [r.id for r in rows] == [v.id]  # never a second open visit
    tl = visits.timeline(ctx, v.id)
    assert [(e.kind, e.officer_id) for e in tl][-2:] == [
        ("resume", officer.id),
        ("prereq", officer.id),
    ]


@async_test
async def test_supervisor_closes_the_open_visit_then_serves_a_new_one(
    ctx: Context, officer: Any, supervisor: Any
) -> None:
    v = visits.start_visit(ctx, officer, NIK_NEW, step="face")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.login_done(supervisor)
        await settle(pilot)
        app.switch_mode("counter")
        await settle(pilot)
        app.clear_notifications()
        screen = app.screen
        assert isinstance(screen, CounterScreen)
        keys = Keys(pilot)
        prompt = await _prompted(pilot, keys)
        assert prompt.check_action("choose", ("close",))
        await keys("c")
        await settle(pilot)
        assert app.screen is screen and screen.phase == "status"
        await keys("enter")  # now a new visit
        assert screen.phase == "prereq" and screen.visit_id not in (None, v.id)
    old = visits.get_visit(ctx, v.id)
    assert old is not None and (old.outcome, old.reason) == (oc.PENDING, "interrupted")


@async_test
async def test_void_from_the_outcome_view_needs_a_reason(ctx: Context, officer: Any) -> None:
    from counter.tui.screens.counter.prompts import VoidScreen

    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "t")  # recorded on the wrong resident: DECLINED chosen
        visit_id = screen.visit_id
        await keys("f4")
        await settle(pilot)
        assert isinstance(app.screen, VoidScreen)
        await keys("enter")  # no reason: refused
        assert isinstance(app.screen, VoidScreen)
        assert text_of(app.screen, "#void-msg") == T.t("counter_visit.void.reason_required")
        await keys.text("salah NIK")
        await keys("enter")
        await settle(pilot)
        assert app.screen is screen and screen.phase == "nik" and screen.visit_id is None
    v = visits.get_visit(ctx, visit_id)
    assert v is not None and v.voided_at is not None and v.void_reason == "salah NIK"
    assert v.outcome is None  # voided while open: no outcome invented


@async_test
async def test_void_mid_steps_and_from_the_open_visit_prompt(ctx: Context, officer: Any) -> None:
    from counter.tui.screens.counter.prompts import VoidScreen
    from counter.tui.screens.resume import ResumeScreen

    v = visits.start_visit(ctx, officer, NIK_NEW, step="prereq")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.login_done(officer)
        await settle(pilot, 4)
        assert isinstance(app.screen, ResumeScreen)  # offered at login; "later" for now
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CounterScreen)
        keys = Keys(pilot)
        await _prompted(pilot, keys)  # typed again: the same visit, not a second one
        await keys("b")
        await settle(pilot)
        assert isinstance(app.screen, VoidScreen)
        await keys.text("dobel")
        await keys("enter")
        await settle(pilot)
        assert app.screen is screen and screen.phase == "status"
        await keys("enter", "enter")  # the resident's real visit: start, prerequisites
        assert screen.phase == "step"
        second = screen.visit_id
        await keys("f4")  # hidden on the steps, but it works while the visit is open
        await settle(pilot)
        await keys.text("tes")
        await keys("enter")
        await settle(pilot)
        assert screen.phase == "nik"
    assert visits.get_visit(ctx, v.id).void_reason == "dobel"  # type: ignore[union-attr]
    assert visits.get_visit(ctx, second).void_reason == "tes"  # type: ignore[union-attr,arg-type]


@async_test
async def test_an_officer_cannot_void_another_officers_visit(ctx: Context, officer: Any) -> None:
    ani = accounts.create_officer(ctx, "ani", "135791", role="officer")
    v = visits.start_visit(ctx, ani, NIK_NEW, step="status")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot, officer)
        keys = Keys(pilot)
        await _prompted(pilot, keys)
        await keys("b")
        await settle(pilot)
        await keys.text("salah")
        await keys("enter")
        await settle(pilot)
        assert any(T.t("lifecycle.error.void_forbidden") in m for m in shown(app)), shown(app)
    assert visits.get_visit(ctx, v.id).voided_at is None  # type: ignore[union-attr]
