"""The visit's life, in one place: its event vocabulary, its state machine, the outcome and
follow-up state derived from its events, the reasons an outcome may carry, and where a resumed
visit continues.

Pure Python, no I/O. Services (visits, follow-up, day close, bundles, seed) and the TUI call it;
nothing else decides these rules.

Events are stored as ``(kind, step, data)``: ``kind`` is a :class:`Kind`, ``data`` the JSON of a
typed payload below (``to_data``/``from_data`` keep the stored shape stable), ``step`` where the
visit is after the event (a protocol step id, or ``status``/``prereq``/``outcome``/``done``).

State machine (``apply`` refuses an illegal event with a :class:`Refusal` carrying a reason code):

- ``start`` is the first event and only the first;
- while the visit is OPEN: status, details, prereq, step, back, problem, retry (only after a
  problem), choose_outcome, qr_shown, resume, then ``outcome`` (ENDED) or ``void`` (VOIDED);
- once ENDED: ``correction``, ``followup`` (only from an open/contacted follow-up), ``details``
  and ``void``;
- once VOIDED: nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar

from counter.domain import outcomes as oc
from counter.domain.protocol import Protocol

# Where a visit is between the protocol's steps (the step ids come from the protocol file).
STATUS_STEP = "status"
PREREQ_STEP = "prereq"
OUTCOME_STEP = "outcome"
DONE_STEP = "done"

# The reason a supervisor gives when ending a visit its officer abandoned (pressed F8 and left).
INTERRUPTED = "interrupted"
# Outcomes a supervisor may give an abandoned visit.
ABANDONED_OUTCOMES = (oc.PENDING, oc.FAILED, oc.DECLINED)
# The outcome code a voided visit carries in a "since last" export (see README, export contract).
VOID = "VOID"
# The retention rule's record that a field (the phone number) was erased: kept in the timeline,
# outside the visit's state machine (services.retention writes it, bundles honour it).
ERASED = "erased"

# Follow-up states.
FU_OPEN = "open"
FU_CONTACTED = "contacted"
FU_RESOLVED = "resolved"
FU_OPEN_STATES = (FU_OPEN, FU_CONTACTED)


class Kind(StrEnum):
    START = "start"
    STATUS = "status"
    DETAILS = "details"
    PREREQ = "prereq"
    STEP = "step"
    BACK = "back"
    PROBLEM = "problem"
    RETRY = "retry"
    CHOOSE_OUTCOME = "choose_outcome"
    QR_SHOWN = "qr_shown"
    RESUME = "resume"
    OUTCOME = "outcome"
    CORRECTION = "correction"
    FOLLOWUP = "followup"
    VOID = "void"


class Status(Enum):
    NEW = "new"  # no event yet
    OPEN = "open"
    ENDED = "ended"
    VOIDED = "voided"


class Refusal(ValueError):
    """An event that may not follow the visit's current state; ``code`` says why."""

    def __init__(self, code: str, kind: str, **detail: Any) -> None:
        self.code, self.kind, self.detail = code, kind, detail
        super().__init__(f"{kind}: {code} {detail or ''}".strip())


def _s(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _mapping(v: Any) -> Mapping[str, Any]:
    """``v`` when it is a mapping, else an empty one (a payload from a bundle may be anything)."""
    return v if isinstance(v, Mapping) else {}


# -- payloads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    kind: ClassVar[Kind]

    def to_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Payload:
        return cls()


@dataclass(frozen=True)
class Start(Payload):
    kind: ClassVar[Kind] = Kind.START
    ikd_status: str = oc.UNKNOWN
    purpose: str | None = None
    consent: bool = False

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Start:
        return cls(
            str(d.get("ikd_status") or oc.UNKNOWN), _s(d.get("purpose")), bool(d.get("consent"))
        )


@dataclass(frozen=True)
class StatusSeen(Payload):
    """The status view's decision (or, from the seed, the registry status shown)."""

    kind: ClassVar[Kind] = Kind.STATUS
    ikd_status: str | None = None
    source: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {k: v for k, v in super().to_data().items() if v is not None}

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> StatusSeen:
        return cls(_s(d.get("ikd_status")), _s(d.get("source")))


@dataclass(frozen=True)
class Details(Payload):
    kind: ClassVar[Kind] = Kind.DETAILS
    consent: bool = False
    purpose: str | None = None

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Details:
        return cls(bool(d.get("consent")), _s(d.get("purpose")))


@dataclass(frozen=True)
class Prereq(Payload):
    """The prerequisites checked; ``missing`` (in protocol order) ends as NOT_ELIGIBLE."""

    kind: ClassVar[Kind] = Kind.PREREQ
    missing: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"missing": list(self.missing)}

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Prereq:
        return cls(tuple(str(m) for m in (d.get("missing") or ())))


@dataclass(frozen=True)
class StepDone(Payload):
    """Step ``done`` finished (after ``seconds``); the event's step is the next one."""

    kind: ClassVar[Kind] = Kind.STEP
    done: str | None = None
    seconds: int | None = None
    after_problem: str | None = None

    def to_data(self) -> dict[str, Any]:
        d: dict[str, Any] = {"done": self.done, "seconds": self.seconds}
        if self.after_problem:
            d["after_problem"] = self.after_problem
        return d

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> StepDone:
        done = d.get("done")
        secs = d.get("seconds")
        return cls(
            done if isinstance(done, str) else None,
            int(secs) if isinstance(secs, int | float) else None,
            _s(d.get("after_problem")),
        )


@dataclass(frozen=True)
class Back(Payload):
    kind: ClassVar[Kind] = Kind.BACK
    outcome: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"outcome": self.outcome} if self.outcome else {}

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Back:
        return cls(_s(d.get("outcome")))


@dataclass(frozen=True)
class ProblemMet(Payload):
    kind: ClassVar[Kind] = Kind.PROBLEM
    problem: str = ""

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> ProblemMet:
        return cls(str(d.get("problem") or ""))


@dataclass(frozen=True)
class Retry(Payload):
    kind: ClassVar[Kind] = Kind.RETRY
    problem: str | None = None

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Retry:
        return cls(_s(d.get("problem")))


@dataclass(frozen=True)
class ChooseOutcome(Payload):
    kind: ClassVar[Kind] = Kind.CHOOSE_OUTCOME
    outcome: str = ""
    reason: str | None = None

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> ChooseOutcome:
        return cls(str(d.get("outcome") or ""), _s(d.get("reason")))


@dataclass(frozen=True)
class QrShown(Payload):
    kind: ClassVar[Kind] = Kind.QR_SHOWN
    qr: str = "activation"
    source: str | None = None

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> QrShown:
        return cls(str(d.get("qr") or "activation"), _s(d.get("source")))


@dataclass(frozen=True)
class Resume(Payload):
    kind: ClassVar[Kind] = Kind.RESUME
    was: str | None = None

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Resume:
        return cls(_s(d.get("was")))


@dataclass(frozen=True)
class Outcome(Payload):
    """The visit ends. ``abandoned``: a supervisor ended a visit its officer left open."""

    kind: ClassVar[Kind] = Kind.OUTCOME
    outcome: str = ""
    reason: str | None = None
    note: str | None = None
    abandoned: bool = False

    def to_data(self) -> dict[str, Any]:
        d: dict[str, Any] = {"outcome": self.outcome, "reason": self.reason, "note": self.note}
        if self.abandoned:
            d["abandoned"] = True
        return d

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Outcome:
        return cls(
            str(d.get("outcome") or ""),
            _s(d.get("reason")),
            _s(d.get("note")),
            bool(d.get("abandoned")),
        )


@dataclass(frozen=True)
class Correction(Payload):
    kind: ClassVar[Kind] = Kind.CORRECTION
    from_outcome: str | None = None
    from_reason: str | None = None
    outcome: str = ""
    reason: str | None = None
    why: str = ""

    def to_data(self) -> dict[str, Any]:
        return {
            "from": {"outcome": self.from_outcome, "reason": self.from_reason},
            "to": {"outcome": self.outcome, "reason": self.reason},
            "why": self.why,
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Correction:
        f = _mapping(d.get("from"))
        t = _mapping(d.get("to"))
        return cls(
            _s(f.get("outcome")),
            _s(f.get("reason")),
            str(t.get("outcome") or ""),
            _s(t.get("reason")),
            str(d.get("why") or ""),
        )


@dataclass(frozen=True)
class FollowUpChange(Payload):
    kind: ClassVar[Kind] = Kind.FOLLOWUP
    state: str = ""
    from_state: str | None = None
    note: str | None = None
    by_visit: str | None = None

    def to_data(self) -> dict[str, Any]:
        d: dict[str, Any] = {"state": self.state}
        if self.by_visit:
            d["by_visit"] = self.by_visit
            if self.state == FU_OPEN:  # reopened: the resolving visit was voided
                d["from"] = self.from_state
        else:
            d["from"], d["note"] = self.from_state, self.note
        return d

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> FollowUpChange:
        return cls(
            str(d.get("state") or ""), _s(d.get("from")), _s(d.get("note")), _s(d.get("by_visit"))
        )


@dataclass(frozen=True)
class Void(Payload):
    """A mistaken visit is cancelled: kept in the timeline, excluded from every count."""

    kind: ClassVar[Kind] = Kind.VOID
    reason: str = ""
    was_outcome: str | None = None
    was_reason: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "was": {"outcome": self.was_outcome, "reason": self.was_reason},
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Void:
        w = _mapping(d.get("was"))
        return cls(str(d.get("reason") or ""), _s(w.get("outcome")), _s(w.get("reason")))


@dataclass(frozen=True)
class Unknown(Payload):
    """An event kind this version does not know (e.g. from a newer laptop's bundle): kept."""

    kind: ClassVar[Kind] = Kind.DETAILS  # never used for an Unknown; see Event.kind
    raw_kind: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return dict(self.data)


PAYLOADS: dict[Kind, type[Payload]] = {
    Kind.START: Start,
    Kind.STATUS: StatusSeen,
    Kind.DETAILS: Details,
    Kind.PREREQ: Prereq,
    Kind.STEP: StepDone,
    Kind.BACK: Back,
    Kind.PROBLEM: ProblemMet,
    Kind.RETRY: Retry,
    Kind.CHOOSE_OUTCOME: ChooseOutcome,
    Kind.QR_SHOWN: QrShown,
    Kind.RESUME: Resume,
    Kind.OUTCOME: Outcome,
    Kind.CORRECTION: Correction,
    Kind.FOLLOWUP: FollowUpChange,
    Kind.VOID: Void,
}


@dataclass(frozen=True)
class Event:
    """One event of a visit: a typed payload, the step the visit is at after it, its time."""

    payload: Payload
    step: str | None = None
    at: datetime | None = None

    @property
    def kind(self) -> str:
        if isinstance(self.payload, Unknown):
            return self.payload.raw_kind
        return self.payload.kind.value

    def to_data(self) -> dict[str, Any]:
        return self.payload.to_data()


def parse(
    kind: str, step: str | None, data: Mapping[str, Any] | None, at: datetime | None = None
) -> Event:
    """A stored event as a typed one (unknown kinds are kept as :class:`Unknown`)."""
    data = data if isinstance(data, Mapping) else {}
    try:
        k = Kind(kind)
    except ValueError:
        return Event(Unknown(str(kind), dict(data)), step, at)
    return Event(PAYLOADS[k].from_data(data), step, at)


# -- state ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitState:
    """What a visit's events say about it."""

    status: Status = Status.NEW
    step: str | None = None  # where the visit is (see the module docstring)
    outcome: str | None = None  # the recorded (or corrected) outcome once ENDED
    reason: str | None = None
    chosen: tuple[str, str | None] | None = None  # outcome picked, not yet saved
    missing: tuple[str, ...] = ()  # prerequisites missing at the last check
    problem: str | None = None  # the problem met at the current step, not yet retried/passed
    problem_step: str | None = None
    contact: bool = False  # the resident consented to be contacted
    followup: str | None = None  # open | contacted | resolved
    abandoned: bool = False  # ended by a supervisor for its absent officer
    void_reason: str | None = None
    events: int = 0

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def counted(self) -> bool:
        """Counted in reports, the target and exports (a voided visit is not)."""
        return self.status is not Status.VOIDED


OPEN_ONLY = {
    Kind.STATUS,
    Kind.PREREQ,
    Kind.STEP,
    Kind.BACK,
    Kind.PROBLEM,
    Kind.RETRY,
    Kind.CHOOSE_OUTCOME,
    Kind.QR_SHOWN,
    Kind.RESUME,
    Kind.OUTCOME,
}
ENDED_ONLY = {Kind.CORRECTION, Kind.FOLLOWUP}


def check_outcome(outcome: str, reason: str | None) -> None:
    """The outcome is a known code and carries a reason where it must (protocol-free check)."""
    if outcome not in oc.OUTCOMES:
        raise Refusal("bad_outcome", "outcome", outcome=outcome)
    if outcome in oc.NEEDS_REASON and not reason:
        raise Refusal("reason_required", "outcome", outcome=outcome)


def _guard(state: VisitState, ev: Event) -> None:
    p, kind = ev.payload, ev.kind
    if isinstance(p, Unknown):
        if state.status is Status.NEW:
            raise Refusal("not_started", kind)
        return
    k = p.kind
    if state.status is Status.NEW and k is not Kind.START:
        raise Refusal("not_started", kind)
    if k is Kind.START and state.status is not Status.NEW:
        raise Refusal("already_started", kind)
    if state.status is Status.VOIDED:
        raise Refusal("voided", kind)
    if k in OPEN_ONLY and state.status is Status.ENDED:
        raise Refusal("already_finished", kind)
    if k in ENDED_ONLY and state.status is not Status.ENDED:
        raise Refusal("not_finished", kind)
    _guard_payload(state, ev)


def _guard_payload(state: VisitState, ev: Event) -> None:
    p, kind = ev.payload, ev.kind
    if isinstance(p, StepDone) and p.done is not None and state.step not in (None, p.done):
        raise Refusal("not_at_step", kind, step=p.done, at=state.step)
    if isinstance(p, ProblemMet) and not p.problem:
        raise Refusal("problem_required", kind)
    if isinstance(p, Retry) and state.problem is None:
        raise Refusal("nothing_to_retry", kind)
    if isinstance(p, ChooseOutcome | Outcome):
        check_outcome(p.outcome, p.reason)
    if isinstance(p, Correction):
        check_outcome(p.outcome, p.reason)
        if not p.why.strip():
            raise Refusal("why_required", kind)
    if isinstance(p, Void) and not p.reason.strip():
        raise Refusal("void_reason_required", kind)
    if isinstance(p, FollowUpChange):
        _guard_followup(state, p)


def _guard_followup(state: VisitState, p: FollowUpChange) -> None:
    check_followup_change(state.followup, p.state, p.by_visit)


def check_followup_change(current: str | None, new: str, by_visit: str | None = None) -> None:
    """A follow-up moves from open/contacted to contacted or resolved. The one way back: a
    follow-up resolved by a visit that was then voided opens again (``by_visit`` = that visit)."""
    if new == FU_OPEN:
        if current != FU_RESOLVED or not by_visit:
            raise Refusal("followup_closed", "followup", state=current)
        return
    if new not in (FU_CONTACTED, FU_RESOLVED):
        raise Refusal("bad_followup_state", "followup", state=new)
    if current not in FU_OPEN_STATES:
        raise Refusal("followup_closed", "followup", state=current)


def followup_after(outcome: str | None, contact: bool, current: str | None) -> str | None:
    """The follow-up state once ``outcome`` is recorded (or corrected): PENDING/FAILED with a
    consented contact opens one; any other outcome drops an unresolved one."""
    if outcome in oc.FOLLOW_UP and contact and not current:
        return FU_OPEN
    if outcome not in oc.FOLLOW_UP and current in FU_OPEN_STATES:
        return None
    return current


def _step_of(ev: Event, state: VisitState) -> str | None:
    return ev.step if ev.step else state.step


def _fold(state: VisitState, ev: Event) -> VisitState:
    p = ev.payload
    s = replace(state, events=state.events + 1, step=_step_of(ev, state))
    match p:
        case Start():
            return replace(s, status=Status.OPEN, contact=p.consent)
        case Details():
            return replace(s, contact=p.consent)
        case Prereq():
            return replace(s, missing=p.missing, chosen=None, problem=None, problem_step=None)
        case StepDone() | Retry():
            return replace(s, problem=None, problem_step=None, chosen=None)
        case ProblemMet():
            return replace(s, problem=p.problem, problem_step=ev.step or state.step)
        case ChooseOutcome():
            return replace(s, chosen=(p.outcome, p.reason))
        case Back():
            return replace(s, chosen=None, problem=None, problem_step=None)
        case Outcome():
            fu = followup_after(p.outcome, s.contact, None)
            return replace(
                s,
                status=Status.ENDED,
                step=DONE_STEP,
                outcome=p.outcome,
                reason=p.reason,
                chosen=None,
                followup=fu,
                abandoned=p.abandoned,
            )
        case Correction():
            fu = followup_after(p.outcome, s.contact, s.followup)
            return replace(s, outcome=p.outcome, reason=p.reason, followup=fu)
        case FollowUpChange():
            return replace(s, followup=p.state)
        case Void():
            fu = None if s.followup in FU_OPEN_STATES else s.followup
            return replace(
                s,
                status=Status.VOIDED,
                step=DONE_STEP,
                void_reason=p.reason,
                followup=fu,
                chosen=None,
            )
    return s


def apply(state: VisitState, ev: Event) -> VisitState:
    """The state after ``ev``; :class:`Refusal` when ``ev`` may not follow ``state``."""
    _guard(state, ev)
    return _fold(state, ev)


def replay(events: Iterable[Event], *, strict: bool = False) -> VisitState:
    """The state a timeline leads to. ``strict``: refuse the first illegal event; otherwise an
    illegal one (a record from an older version or another device) is folded in as written,
    since nothing recorded is ever dropped."""
    state = VisitState()
    for ev in events:
        if strict:
            state = apply(state, ev)
            continue
        try:
            _guard(state, ev)
        except Refusal:
            if state.status is Status.NEW and ev.kind != Kind.START:
                state = replace(state, status=Status.OPEN)
        state = _fold(state, ev)
    return state


def outcome_from_events(events: Iterable[Event]) -> tuple[str, str | None] | None:
    """(outcome, reason) of the newest outcome or correction event in the order given (the
    caller sorts: by time, device, seq, id for merged timelines); None when none set one."""
    found: tuple[str, str | None] | None = None
    for ev in events:
        p = ev.payload
        if isinstance(p, Outcome | Correction) and p.outcome in oc.OUTCOMES:
            found = (p.outcome, p.reason)
    return found


def outcome_event_of(kind: str, data: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """The (outcome, reason) one stored event sets, if any."""
    return outcome_from_events([parse(kind, None, data)])


# -- reasons --------------------------------------------------------------------------------------


def valid_reasons(protocol: Protocol, outcome: str) -> tuple[str, ...]:
    """The reason codes ``outcome`` may carry, from the protocol (plus ``interrupted``, the
    reason for a visit its officer abandoned): NOT_ELIGIBLE a prerequisite; FAILED, PENDING and
    REFERRED a known problem (FAILED and PENDING also ``interrupted``); DECLINED only
    ``interrupted`` (or none); ACTIVATED and ALREADY_ACTIVE none."""
    problems = tuple(protocol.problems)
    if outcome == oc.NOT_ELIGIBLE:
        return tuple(p.id for p in protocol.prerequisites)
    if outcome in (oc.FAILED, oc.PENDING):
        return problems + ((INTERRUPTED,) if INTERRUPTED not in problems else ())
    if outcome == oc.REFERRED:
        return tuple(p for p in problems if p != INTERRUPTED)
    if outcome == oc.DECLINED:
        return (INTERRUPTED,)
    return ()


def check_reason(protocol: Protocol, outcome: str, reason: str | None) -> None:
    """:class:`Refusal` unless ``reason`` is one ``outcome`` may carry (or absent where allowed)."""
    check_outcome(outcome, reason)
    if reason and reason not in valid_reasons(protocol, outcome):
        raise Refusal("bad_reason", "outcome", outcome=outcome, reason=reason)


# -- follow-up resolution -------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpVisit:
    """What the resolution rule needs of a visit."""

    visit_id: str
    nik: str
    started_at: datetime
    outcome: str | None
    followup: str | None
    voided: bool = False


def resolutions(visits: Iterable[FollowUpVisit]) -> dict[str, str]:
    """Follow-up visit id -> the visit that resolves it: an open (or contacted) follow-up is
    resolved by the earliest ACTIVATED, not voided, visit of the same NIK that started after it,
    whichever device recorded either of them."""
    by_nik: dict[str, list[FollowUpVisit]] = {}
    for v in visits:
        by_nik.setdefault(v.nik, []).append(v)
    out: dict[str, str] = {}
    for group in by_nik.values():
        done = sorted(
            (v for v in group if v.outcome == oc.ACTIVATED and not v.voided),
            key=lambda v: (v.started_at, v.visit_id),
        )
        for old in group:
            if old.followup not in FU_OPEN_STATES or old.voided:
                continue
            later = next(
                (v for v in done if v.visit_id != old.visit_id and v.started_at > old.started_at),
                None,
            )
            if later is not None:
                out[old.visit_id] = later.visit_id
    return out


# -- resume ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResumePoint:
    """Where an unfinished visit continues on the counter screen.

    ``phase``: status | prereq | step | outcome. On ``step``, ``step_index`` is the protocol step
    and ``since`` the time of the last event (the step's clock carries on from there). On
    ``outcome``, the outcome and reason to confirm and ``back`` (phase, step index) where
    "back" goes. ``known`` is False when the stored step is not in this protocol (the visit then
    continues at the prerequisites)."""

    phase: str
    step: str | None
    step_index: int = 0
    outcome: str | None = None
    reason: str | None = None
    back: tuple[str, int] = (STATUS_STEP, 0)
    missing: tuple[str, ...] = ()
    since: datetime | None = None
    known: bool = True


def _outcome_point(state: VisitState, protocol: Protocol) -> ResumePoint:
    last = ("step", len(protocol.steps) - 1)
    if state.chosen is not None:
        outcome, reason = state.chosen
        back: tuple[str, int] = (STATUS_STEP, 0)
        if reason in protocol.problems:
            back = last
            if state.problem_step and protocol.has_step(state.problem_step):
                back = ("step", protocol.step_index(state.problem_step))
        return ResumePoint(OUTCOME_STEP, OUTCOME_STEP, outcome=outcome, reason=reason, back=back)
    if state.missing:
        return ResumePoint(
            OUTCOME_STEP,
            OUTCOME_STEP,
            outcome=oc.NOT_ELIGIBLE,
            reason=state.missing[0],
            back=(PREREQ_STEP, 0),
            missing=state.missing,
        )
    return ResumePoint(OUTCOME_STEP, OUTCOME_STEP, outcome=oc.ACTIVATED, back=last)


def resume_point(events: Sequence[Event], protocol: Protocol) -> ResumePoint:
    """Where the unfinished visit of ``events`` continues (:class:`Refusal` once it ended)."""
    state = replay(events)
    if state.status in (Status.ENDED, Status.VOIDED):
        raise Refusal("already_finished", "resume")
    since = next((e.at for e in reversed(events) if e.at is not None), None)
    step = state.step
    if step == OUTCOME_STEP:
        return _outcome_point(state, protocol)
    if step in (STATUS_STEP, None):
        return ResumePoint(STATUS_STEP, STATUS_STEP, since=since)
    if step == PREREQ_STEP:
        return ResumePoint(PREREQ_STEP, PREREQ_STEP, since=since)
    if protocol.has_step(step):
        return ResumePoint("step", step, protocol.step_index(step), since=since)
    return ResumePoint(PREREQ_STEP, step, since=since, known=False)
