"""The visit's domain model (counter.domain.visit), tested directly: pure Python, no database.

Property tests: every legal event sequence (built by walking the state machine) replays to the
same state, strictly and leniently, and round-trips through its stored (kind, step, data) form;
an illegal event is refused with a reason code and leaves nothing half-applied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.domain.protocol import load_protocol

PROTO = load_protocol()
STEPS = [s.id for s in PROTO.steps]
T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def ev(payload: vm.Payload, step: str | None = None) -> vm.Event:
    return vm.Event(payload, step)


def stored(e: vm.Event) -> vm.Event:
    """Through the database's shape and back."""
    return vm.parse(e.kind, e.step, json.loads(json.dumps(e.to_data())), e.at)


# -- a generator of legal timelines: a random walk over the counter screen's moves -------------


@st.composite
def legal_timeline(draw: st.DrawFn) -> list[vm.Event]:
    consent = draw(st.booleans())
    out = [ev(vm.Start(oc.NOT_ACTIVE, None, consent), vm.PREREQ_STEP)]
    state = vm.replay(out, strict=True)
    for _ in range(draw(st.integers(0, 25))):
        e = draw(st.sampled_from(_moves(state)))
        out.append(e)
        state = vm.apply(state, e)
        if state.status is not vm.Status.OPEN:
            break
    if state.status is vm.Status.OPEN and draw(st.booleans()):
        out.append(ev(vm.Outcome(oc.PENDING, "server_down"), vm.DONE_STEP))
        state = vm.apply(state, out[-1])
    if state.status is vm.Status.ENDED:
        for e in draw(st.lists(st.sampled_from(_after_end(state)), max_size=3)):
            try:
                state = vm.apply(state, e)
            except vm.Refusal:
                continue
            out.append(e)
    return [replace_at(e, T0 + timedelta(seconds=i)) for i, e in enumerate(out)]


def replace_at(e: vm.Event, at: datetime) -> vm.Event:
    return vm.Event(e.payload, e.step, at)


def _moves(state: vm.VisitState) -> list[vm.Event]:
    at = state.step or vm.STATUS_STEP
    moves = [
        ev(vm.StatusSeen(), vm.STATUS_STEP),
        ev(vm.Prereq(()), STEPS[0]),
        ev(vm.Prereq(("email",)), vm.OUTCOME_STEP),
        ev(vm.Back(), vm.PREREQ_STEP),
        ev(vm.Details(True, "kk")),
        ev(vm.Resume(at), at),
        ev(vm.ChooseOutcome(oc.DECLINED, None), vm.OUTCOME_STEP),
        ev(vm.Outcome(oc.ACTIVATED), vm.DONE_STEP),
        ev(vm.Void("salah NIK"), vm.DONE_STEP),
    ]
    if at in STEPS:
        i = STEPS.index(at)
        nxt = STEPS[i + 1] if i + 1 < len(STEPS) else vm.OUTCOME_STEP
        moves += [
            ev(vm.StepDone(at, 30), nxt),
            ev(vm.ProblemMet("app_error"), at),
            ev(vm.QrShown("activation", "entered"), at),
        ]
    if state.problem:
        moves += [
            ev(vm.Retry(state.problem), at),
            ev(vm.ChooseOutcome(oc.FAILED, state.problem), vm.OUTCOME_STEP),
        ]
    return moves


def _after_end(state: vm.VisitState) -> list[vm.Event]:
    return [
        ev(vm.Correction(state.outcome, state.reason, oc.FAILED, "face_fail", "cek ulang")),
        ev(vm.FollowUpChange(vm.FU_CONTACTED, vm.FU_OPEN, "ditelepon")),
        ev(vm.FollowUpChange(vm.FU_RESOLVED, vm.FU_OPEN, "")),
        ev(vm.Void("warga salah"), vm.DONE_STEP),
        ev(vm.Details(False, None)),
    ]


@settings(max_examples=150, deadline=None)
@given(legal_timeline())
def test_legal_sequences_replay_deterministically(events: list[vm.Event]) -> None:
    strict = vm.replay(events, strict=True)
    assert vm.replay(events) == strict  # lenient replay agrees on a legal timeline
    assert vm.replay([stored(e) for e in events], strict=True) == strict  # stored shape
    assert vm.replay(list(events), strict=True) == vm.replay(events, strict=True)
    assert strict.events == len(events)
    found = vm.outcome_from_events(events)
    if strict.status is vm.Status.ENDED:
        assert found == (strict.outcome, strict.reason)
    if strict.status is vm.Status.OPEN:
        point = vm.resume_point(events, PROTO)
        assert point.phase in ("status", "prereq", "step", "outcome")
        if point.phase == "step":
            assert STEPS[point.step_index] == strict.step
    else:
        with pytest.raises(vm.Refusal):
            vm.resume_point(events, PROTO)


@settings(max_examples=150, deadline=None)
@given(
    legal_timeline(),
    st.sampled_from(
        [
            (vm.Start(), "already_started"),
            (vm.Correction(None, None, oc.ACTIVATED, None, "x"), None),
            (vm.Retry("app_error"), None),
            (vm.Outcome(oc.FAILED, None), "reason_required"),
            (vm.Outcome("WHATEVER"), "bad_outcome"),
            (vm.Void("  "), None),
        ]
    ),
)
def test_illegal_events_are_refused_with_a_reason(events: list[vm.Event], bad: tuple) -> None:
    payload, code = bad
    state = vm.replay(events, strict=True)
    try:
        after = vm.apply(state, ev(payload, vm.DONE_STEP))
    except vm.Refusal as r:
        assert r.code and (code is None or r.code == code or state.status is not vm.Status.OPEN)
        assert vm.replay(events, strict=True) == state  # nothing half-applied
        return
    # accepted: only where the rules allow it
    assert (
        isinstance(payload, vm.Correction)
        and state.status is vm.Status.ENDED
        or isinstance(payload, vm.Retry)
        and state.problem is not None
    ), (payload, state, after)


def test_refusals_name_their_reason() -> None:
    start = [ev(vm.Start(), vm.STATUS_STEP)]
    cases = [
        ([], ev(vm.StatusSeen()), "not_started"),
        (start, ev(vm.Start()), "already_started"),
        (start, ev(vm.Correction(None, None, oc.DECLINED, None, "x")), "not_finished"),
        (start, ev(vm.Retry("x")), "nothing_to_retry"),
        (start, ev(vm.ProblemMet("")), "problem_required"),
        (start, ev(vm.Void(" ")), "void_reason_required"),
        (start + [ev(vm.Prereq(()), "install")], ev(vm.StepDone("face"), "qr_scan"), "not_at_step"),
        (
            start + [ev(vm.Outcome(oc.DECLINED), "done")],
            ev(vm.StepDone("install")),
            "already_finished",
        ),
        (
            start + [ev(vm.Outcome(oc.DECLINED), "done")],
            ev(vm.FollowUpChange(vm.FU_CONTACTED)),
            "followup_closed",
        ),
        (start + [ev(vm.Void("typo"), "done")], ev(vm.Details()), "voided"),
        (
            start + [ev(vm.Outcome(oc.DECLINED), "done")],
            ev(vm.Correction(oc.DECLINED, None, oc.ACTIVATED, None, " ")),
            "why_required",
        ),
    ]
    for before, e, code in cases:
        with pytest.raises(vm.Refusal) as r:
            vm.apply(vm.replay(before, strict=True), e)
        assert r.value.code == code, (e, r.value.code)


def test_lenient_replay_keeps_what_was_recorded() -> None:
    """An old or foreign timeline (an event out of order) is folded in, never dropped."""
    events = [
        ev(vm.StepDone("install"), "open_terms"),
        ev(vm.Outcome(oc.ACTIVATED), "done"),
        ev(vm.StepDone("face"), "qr_scan"),
    ]
    with pytest.raises(vm.Refusal):
        vm.replay(events, strict=True)
    state = vm.replay(events)
    assert state.events == 3 and state.outcome == oc.ACTIVATED


def test_outcome_and_followup_from_events() -> None:
    tl = [ev(vm.Start(consent=True), "prereq"), ev(vm.Outcome(oc.PENDING, "server_down"), "done")]
    s = vm.replay(tl, strict=True)
    assert (s.outcome, s.followup) == (oc.PENDING, vm.FU_OPEN)
    s2 = vm.apply(s, ev(vm.Correction(oc.PENDING, "server_down", oc.ACTIVATED, None, "ok")))
    assert (s2.outcome, s2.followup) == (oc.ACTIVATED, None)
    assert vm.outcome_from_events(
        tl + [ev(vm.Correction(None, None, oc.ACTIVATED, None, "x"))]
    ) == (oc.ACTIVATED, None)
    s3 = vm.apply(s, ev(vm.Void("salah orang"), "done"))
    assert s3.followup is None and not s3.counted
    # no consent: no follow-up
    s4 = vm.replay([ev(vm.Start(), "prereq"), ev(vm.Outcome(oc.FAILED, "face_fail"), "done")])
    assert s4.followup is None


def test_followup_resolution_rule() -> None:
    def fv(
        i: str,
        minutes: int,
        outcome: str,
        fu: str | None = None,
        voided: bool = False,
        nik: str = "1",
    ) -> vm.FollowUpVisit:
        return vm.FollowUpVisit(i, nik, T0 + timedelta(minutes=minutes), outcome, fu, voided)

    rows = [
        fv("a", 0, oc.PENDING, "open"),
        fv("b", 5, oc.FAILED, "contacted"),
        fv("c", 10, oc.ACTIVATED),
        fv("d", 20, oc.PENDING, "open"),
        fv("e", 1, oc.PENDING, "open", nik="2"),
        fv("f", 2, oc.ACTIVATED, voided=True, nik="2"),
    ]
    assert vm.resolutions(rows) == {"a": "c", "b": "c"}  # d is later; f is voided


def test_valid_reasons_come_from_the_protocol() -> None:
    assert vm.valid_reasons(PROTO, oc.NOT_ELIGIBLE) == tuple(p.id for p in PROTO.prerequisites)
    assert set(vm.valid_reasons(PROTO, oc.FAILED)) == set(PROTO.problems) | {vm.INTERRUPTED}
    assert vm.INTERRUPTED not in vm.valid_reasons(PROTO, oc.REFERRED)
    assert vm.valid_reasons(PROTO, oc.DECLINED) == (vm.INTERRUPTED,)
    assert vm.valid_reasons(PROTO, oc.ACTIVATED) == ()
    vm.check_reason(PROTO, oc.FAILED, "face_fail")
    vm.check_reason(PROTO, oc.DECLINED, None)
    for outcome, reason in (
        (oc.FAILED, "kode_ngawur"),
        (oc.NOT_ELIGIBLE, "face_fail"),
        (oc.ACTIVATED, "face_fail"),
    ):
        with pytest.raises(vm.Refusal) as r:
            vm.check_reason(PROTO, outcome, reason)
        assert r.value.code == "bad_reason"


def test_resume_points_match_the_counter_flow() -> None:
    start = [ev(vm.Start(), vm.PREREQ_STEP)]
    assert vm.resume_point(start, PROTO).phase == "prereq"
    at_face = start + [
        ev(vm.Prereq(()), "install"),
        ev(vm.StepDone("install"), "open_terms"),
        ev(vm.StepDone("open_terms"), "verify_data"),
        ev(vm.StepDone("verify_data"), "face"),
    ]
    p = vm.resume_point(at_face, PROTO)
    assert (p.phase, p.step_index) == ("step", STEPS.index("face"))
    ended_on_problem = at_face + [
        ev(vm.ProblemMet("face_fail"), "face"),
        ev(vm.ChooseOutcome(oc.FAILED, "face_fail"), "outcome"),
    ]
    p = vm.resume_point(ended_on_problem, PROTO)
    assert (p.phase, p.outcome, p.reason, p.back) == (
        "outcome",
        oc.FAILED,
        "face_fail",
        ("step", STEPS.index("face")),
    )
    not_eligible = start + [ev(vm.Prereq(("email", "data")), "outcome")]
    p = vm.resume_point(not_eligible, PROTO)
    assert (p.outcome, p.reason, p.back, p.missing) == (
        oc.NOT_ELIGIBLE,
        "email",
        ("prereq", 0),
        ("email", "data"),
    )
    declined = [ev(vm.Start(), "outcome"), ev(vm.ChooseOutcome(oc.DECLINED, None), "outcome")]
    p = vm.resume_point(declined, PROTO)
    assert (p.outcome, p.back) == (oc.DECLINED, ("status", 0))
    # a choice taken back is not resumed: the last step done leads to ACTIVATED
    undone = ended_on_problem + [
        ev(vm.Back(oc.FAILED), "face"),
        ev(vm.StepDone("face"), "qr_scan"),
        ev(vm.StepDone("qr_scan"), "email_code"),
        ev(vm.StepDone("email_code"), "set_pin"),
        ev(vm.StepDone("set_pin"), "outcome"),
    ]
    assert vm.resume_point(undone, PROTO).outcome == oc.ACTIVATED
    unknown = start + [ev(vm.Prereq(()), "old_step_removed")]
    p = vm.resume_point(unknown, PROTO)
    assert (p.phase, p.known) == ("prereq", False)


def test_unknown_event_kinds_are_kept() -> None:
    e = vm.parse("from_the_future", "x", {"a": 1})
    assert e.kind == "from_the_future" and e.to_data() == {"a": 1}
    state = vm.replay([ev(vm.Start(), "status"), e], strict=True)
    assert state.events == 2 and state.is_open
