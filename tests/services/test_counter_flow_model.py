"""The counter's flow without Textual: a plain object driven directly, on a real database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain.protocol import cached_protocol
from counter.services import visits
from counter.services.context import Context
from counter.tui.screens.counter.flow import (
    NIK,
    OUTCOME,
    PREREQ,
    STATUS,
    STEP,
    Contact,
    CounterFlow,
    Details,
)
from tests.helpers.counter import NIK_ACTIVE, NIK_NEW, add_registry

NIK_CHILD = nikmod.compose("332503", date(2012, 6, 1), "M", 3)  # 14 on 2026-11-27


class Errors(list[Exception]):
    def __call__(self, e: Exception) -> None:
        self.append(e)


@pytest.fixture
def errors() -> Errors:
    return Errors()


@pytest.fixture
def flow(ctx: Context, officer: Any, errors: Errors) -> CounterFlow:
    return CounterFlow(ctx, officer, cached_protocol(), install_qr="https://x", report=errors)


def checked(flow: CounterFlow, nik: str, details: Details | None = None) -> CounterFlow:
    info = nikmod.parse(nik, flow.ctx.today())
    assert flow.check(info, details or Details())
    assert flow.phase == STATUS
    return flow


def kinds(ctx: Context, visit_id: str) -> list[tuple[str, str | None]]:
    return [(e.kind, e.step) for e in visits.timeline(ctx, visit_id)]


def test_full_activation_writes_each_step_before_moving(
    flow: CounterFlow, ctx: Context, clock: Any, errors: Errors
) -> None:
    checked(flow, NIK_NEW)
    assert flow.allows("edit_nik")  # nothing recorded yet: the NIK can change
    assert flow.start_activation() and flow.phase == PREREQ
    visit_id = flow.visit_id
    assert visit_id and not flow.allows("edit_nik")
    assert flow.prereq_next() and flow.phase == STEP and flow.step.id == "install"
    for _ in flow.proto.steps:
        clock.advance(seconds=30)
        before = len(visits.timeline(ctx, visit_id))
        assert flow.step_done()
        assert len(visits.timeline(ctx, visit_id)) == before + 1  # written, then moved
    assert flow.phase == OUTCOME and flow.outcome == oc.ACTIVATED
    saved = flow.save(None)
    assert saved is not None and saved.outcome == oc.ACTIVATED and saved.visit_id == visit_id
    assert flow.phase == NIK and flow.visit_id is None  # ready for the next visitor
    v = visits.get_visit(ctx, visit_id)
    assert v is not None and v.outcome == oc.ACTIVATED and v.handling_seconds == 7 * 30
    assert errors == []


def test_express_path_and_key_gating(flow: CounterFlow, ctx: Context) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    checked(flow, NIK_ACTIVE)
    assert flow.allows("primary_already") and not flow.allows("primary_start")
    assert flow.allows("start_activation") and not flow.allows("record_already")
    assert not flow.allows("step_done") and not flow.allows("save")
    saved = flow.record_already()
    assert saved is not None and flow.phase == NIK
    assert kinds(ctx, saved.visit_id) == [("start", "status"), ("outcome", "done")]


def test_problem_then_pending_and_back_to_the_step(flow: CounterFlow, ctx: Context) -> None:
    checked(flow, NIK_NEW)
    flow.start_activation()
    flow.prereq_next()
    for _ in range(5):
        flow.step_done()
    assert flow.step.id == "email_code"
    assert not flow.end_with(oc.PENDING)  # no problem chosen: refused, nothing written
    assert flow.choose_problem("email_not_received") and flow.allows("retry")
    assert not flow.allows("step_done")
    assert flow.end_with(oc.PENDING) and flow.phase == OUTCOME
    assert (flow.outcome, flow.reason) == (oc.PENDING, "email_not_received")
    assert flow.outcome_back() and flow.phase == STEP and flow.step.id == "email_code"
    assert flow.outcome is None


def test_missing_prerequisite_ends_not_eligible(flow: CounterFlow, ctx: Context) -> None:
    checked(flow, NIK_NEW)
    flow.start_activation()
    flow.prereq_move(1)
    flow.prereq_toggle()
    assert flow.missing == {"smartphone"} and flow.first_missing() == "smartphone"
    assert flow.prereq_next() and flow.phase == OUTCOME
    assert (flow.outcome, flow.reason, flow.back_to) == (oc.NOT_ELIGIBLE, "smartphone", (PREREQ, 0))


def test_a_refused_write_is_reported_and_nothing_moves(
    flow: CounterFlow, ctx: Context, errors: Errors
) -> None:
    checked(flow, NIK_NEW)
    flow.start_activation()
    visit_id = flow.visit_id
    assert visit_id is not None
    visits.finish_visit(ctx, visit_id, oc.DECLINED)  # ended elsewhere meanwhile
    assert not flow.prereq_next()
    assert flow.phase == PREREQ and len(errors) == 1


def test_under_17_is_warned_with_not_eligible_one_key_away(flow: CounterFlow, ctx: Context) -> None:
    checked(flow, NIK_NEW)
    assert not flow.under_age and not flow.allows("not_eligible_age")
    flow.reset()
    checked(flow, NIK_CHILD)
    assert flow.under_age and flow.allows("not_eligible_age")
    # a warning, not a block: a married 16-year-old can still start the activation
    assert flow.allows("primary_start")
    assert flow.not_eligible_age() and flow.phase == OUTCOME
    assert (flow.outcome, flow.reason) == (oc.NOT_ELIGIBLE, "ektp")
    saved = flow.save(None)
    assert saved is not None
    v = visits.get_visit(ctx, saved.visit_id)
    assert v is not None and (v.outcome, v.reason) == (oc.NOT_ELIGIBLE, "ektp")


def test_follow_up_contact_is_recorded_with_the_outcome(flow: CounterFlow, ctx: Context) -> None:
    checked(flow, NIK_NEW, Details(name="Budi", purpose="ikd_aktivasi"))
    flow.start_activation()
    flow.prereq_next()
    flow.choose_problem("phone_unsupported")
    assert flow.end_with(oc.FAILED)
    saved = flow.save("HP lama", Contact(True, "0812 3456 789"))
    assert saved is not None
    v = visits.get_visit(ctx, saved.visit_id)
    assert v is not None
    assert (v.consent_contact, v.phone, v.name, v.purpose) == (
        True,
        "08123456789",
        "Budi",
        "ikd_aktivasi",
    )
    assert v.followup_state == "open"  # on the supervisor's follow-up list
    assert ("details", None) in kinds(ctx, saved.visit_id)


def test_unchanged_contact_writes_no_details_event(flow: CounterFlow, ctx: Context) -> None:
    checked(flow, NIK_NEW, Details(phone="08123456789", consent=True))
    flow.declined()
    saved = flow.save(None, Contact(True, "0812-3456-789"))
    assert saved is not None
    assert [k for k, _ in kinds(ctx, saved.visit_id)] == ["start", "choose_outcome", "outcome"]


def test_closed_day_refuses_at_the_start_and_nothing_moves(
    flow: CounterFlow, ctx: Context, supervisor: Any, errors: Errors
) -> None:
    from counter.services import dayclose

    dayclose.close_day(ctx, ctx.today(), supervisor, backup=False)
    checked(flow, NIK_NEW)
    assert flow.day_closed
    assert not flow.start_activation() and not flow.declined()
    assert flow.record_already() is None
    assert flow.phase == STATUS and flow.visit_id is None
    assert len(errors) == 3 and all(getattr(e, "code", "") == "day_closed" for e in errors)
    assert "supervisor" in errors[0].message("en")  # type: ignore[attr-defined]
    assert visits.visits_of_day(ctx, ctx.today()) == []


def test_a_nik_with_an_open_visit_is_offered_it_never_a_second(
    flow: CounterFlow, ctx: Context, officer: Any, errors: Errors
) -> None:
    v = visits.start_visit(ctx, officer, NIK_NEW, step="prereq")
    checked(flow, NIK_NEW)
    assert flow.open_visit is not None and flow.open_visit.visit_id == v.id
    flow.open_visit = None  # the officer went back from the offer and pressed Enter again
    assert not flow.start_activation()
    assert flow.open_visit is not None and flow.open_visit.visit_id == v.id and errors == []
    assert flow.resume_by_id(v.id) is True
    assert flow.visit_id == v.id and flow.phase == PREREQ
    assert [r.id for r in visits.visits_of_day(ctx, ctx.today())] == [v.id]


def test_resume_continues_where_the_domain_says(
    flow: CounterFlow, ctx: Context, officer: Any, clock: Any
) -> None:
    v = visits.start_visit(ctx, officer, NIK_NEW, step="prereq")
    visits.record_event(ctx, v.id, "prereq", "install", {"missing": []}, officer.id)
    visits.record_event(
        ctx, v.id, "step", "open_terms", {"done": "install", "seconds": 9}, officer.id
    )
    visits.record_event(ctx, v.id, "problem", "open_terms", {"problem": "app_error"}, officer.id)
    visits.record_event(
        ctx,
        v.id,
        "choose_outcome",
        "outcome",
        {"outcome": oc.FAILED, "reason": "app_error"},
        officer.id,
    )
    clock.advance(minutes=3)
    row = visits.get_visit(ctx, v.id)
    assert flow.resume(row) is True
    assert (flow.phase, flow.outcome, flow.reason) == (OUTCOME, oc.FAILED, "app_error")
    assert flow.outcome_back() and flow.phase == STEP and flow.step.id == "open_terms"
    assert kinds(ctx, v.id)[-2:] == [("resume", "outcome"), ("back", "open_terms")]


def test_resume_of_a_finished_visit_is_refused(
    flow: CounterFlow, ctx: Context, officer: Any, errors: Errors
) -> None:
    v = visits.start_visit(ctx, officer, NIK_NEW)
    visits.finish_visit(ctx, v.id, oc.DECLINED, officer_id=officer.id)
    assert flow.resume(visits.get_visit(ctx, v.id)) is False
    assert flow.phase == NIK and flow.visit_id is None and len(errors) == 1
    assert [k for k, _ in kinds(ctx, v.id)] == ["start", "outcome"]


def test_seed_data_replays_through_the_model(ctx: Context) -> None:
    """Every seeded visit's events, read as the counter reads them, give its recorded outcome
    (and a finished visit is never offered for resuming)."""
    from counter.domain import visit as vm
    from counter.services.seed import seed_demo

    seed_demo(ctx, registry=50, visits=60, days=5, seed=4)
    protocol = cached_protocol()
    rows = [
        v
        for d in range(6)
        for v in visits.visits_of_day(ctx, ctx.today().fromordinal(ctx.today().toordinal() - d))
    ]
    assert len(rows) == 60
    for v in rows:
        events = [e.event for e in visits.timeline(ctx, v.id)]
        state = vm.replay(events, strict=True)
        assert state.status is vm.Status.ENDED, v.id
        assert vm.outcome_from_events(events) == (v.outcome, v.reason)
        with pytest.raises(vm.Refusal):
            vm.resume_point(events, protocol)


def test_the_flow_is_plain_python_without_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, counter.tui.screens.counter.flow as f; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
