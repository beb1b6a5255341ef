"""Visits: start, append events as each step changes, finish with an outcome, correct, void,
close an abandoned one, resume.

Every change is its own committed write, so a crash loses at most the keystroke in flight. The
rules (which event may follow which, outcome and follow-up state, reasons) are the domain's
(``counter.domain.visit``); this module loads, checks with it, and writes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, text
from sqlmodel import Session, col, select

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.domain.protocol import Protocol
from counter.errors import UserError
from counter.services import audit
from counter.services.context import Context
from counter.services.settings_store import device_id
from counter.store.models import DayClose, Officer, RegistryEntry, Visit, VisitEvent


class VisitError(UserError, ValueError):
    prefix = "visit.error"


class VisitRefused(VisitError):
    """A visit rule refused the change (``counter.domain.visit``); texts under lifecycle.error."""

    prefix = "lifecycle.error"


class DayClosed(VisitRefused):
    """The day is closed: no new visit, no change to its visits, until a supervisor reopens it."""

    def __init__(self, day: date, closed_by: str | None) -> None:
        super().__init__("day_closed", day=day.isoformat(), closed_by=closed_by or "?")
        self.day, self.closed_by = day, closed_by


class AlreadyOpen(VisitRefused):
    """This resident already has an open visit today: resume it (or a supervisor closes it)."""

    def __init__(self, visit: OpenVisit) -> None:
        super().__init__(
            "already_open", visit_id=visit.visit_id, officer=visit.officer, time=visit.local_time
        )
        self.visit = visit
        self.visit_id, self.officer = visit.visit_id, visit.officer


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    kind: str
    step: str | None
    data: dict[str, Any]
    officer_id: int | None

    @property
    def event(self) -> vm.Event:
        """The typed domain event."""
        return vm.parse(self.kind, self.step, self.data, self.at)


@dataclass(frozen=True)
class OpenVisit:
    """An unfinished visit, as the counter and the supervisor see it."""

    visit_id: str
    nik: str
    day: date
    officer_id: int
    officer: str
    counter_id: str
    started_at: datetime
    local_time: str  # HH:MM in the office time zone
    step: str

    @property
    def nik_masked(self) -> str:
        return nikmod.mask(self.nik)


def protocol_of(ctx: Context) -> Protocol:
    """The configured protocol (its reason codes are the only ones a correction may use)."""
    from counter.domain.protocol import cached_protocol

    return cached_protocol(getattr(ctx.settings, "protocol_file", "") or None)


def _day_locked(s: Session, day: date) -> bool:
    dc = s.get(DayClose, day)
    return bool(dc and dc.status == "closed")


def _check_day_open(s: Session, day: date) -> None:
    dc = s.get(DayClose, day)
    if dc is not None and dc.status == "closed":
        who = s.get(Officer, dc.closed_by) if dc.closed_by else None
        raise DayClosed(day, who.username if who else None)


def is_day_closed(ctx: Context, day: date) -> bool:
    with ctx.db.read() as s:
        return _day_locked(s, day)


def _refused(r: vm.Refusal) -> VisitRefused:
    return VisitRefused(r.code, **{k: str(v) for k, v in r.detail.items()})


def _events(s: Session, visit_id: str) -> list[vm.Event]:
    rows = s.exec(
        select(VisitEvent)
        .where(VisitEvent.visit_id == visit_id)
        .order_by(col(VisitEvent.at), col(VisitEvent.seq))
    ).all()
    return [vm.parse(e.kind, e.step, json.loads(e.data or "{}"), e.at) for e in rows]


def _state(s: Session, visit: Visit) -> vm.VisitState:
    """The domain state of the stored visit. The summary row has the last word where the events
    cannot tell (a seeded visit without events; the follow-up state, which depends on the phone)."""
    st = vm.replay(_events(s, visit.id))
    if visit.voided_at is not None:
        st = replace(st, status=vm.Status.VOIDED)
    elif visit.ended_at is not None and st.status is not vm.Status.ENDED:
        st = replace(
            st,
            status=vm.Status.ENDED,
            outcome=visit.outcome,
            reason=visit.reason,
            step=vm.DONE_STEP,
        )
    elif visit.ended_at is None and st.status is not vm.Status.OPEN:
        st = replace(st, status=vm.Status.OPEN, step=visit.current_step)
    return replace(st, followup=visit.followup_state)


def _write_event(
    s: Session, ctx: Context, visit: Visit, ev: vm.Event, officer_id: int | None
) -> VisitEvent:
    """Add one event row (no rule check: the caller checked it with the domain)."""
    visit.last_seq += 1
    row = VisitEvent(
        id=str(uuid.uuid4()),
        visit_id=visit.id,
        seq=visit.last_seq,
        device_id=ctx_device(ctx),
        at=ctx.now(),
        officer_id=officer_id,
        kind=ev.kind,
        step=ev.step,
        data=json.dumps(ev.to_data(), ensure_ascii=False, default=str),
    )
    s.add(row)
    visit.updated_at = row.at
    return row


def _checked(
    s: Session, ctx: Context, visit: Visit, ev: vm.Event, officer_id: int | None
) -> tuple[VisitEvent, vm.VisitState]:
    """Check ``ev`` against the visit's state (domain rules), then write it."""
    try:
        state = vm.apply(_state(s, visit), ev)
    except vm.Refusal as r:
        raise _refused(r) from None
    return _write_event(s, ctx, visit, ev, officer_id), state


def _append(
    s: Session,
    ctx: Context,
    visit: Visit,
    kind: str,
    step: str | None,
    data: dict[str, Any] | None,
    officer_id: int | None,
) -> VisitEvent:
    """Compatibility: write an event given as (kind, step, data), checked by the domain."""
    return _checked(s, ctx, visit, vm.parse(kind, step, data or {}), officer_id)[0]


def ctx_device(ctx: Context) -> str:
    dev = ctx.device_id
    if not dev:
        raise RuntimeError("device id not initialised: build the Context with make_context()")
    return dev


def registry_status(s: Session, nik: str) -> RegistryEntry | None:
    return s.get(RegistryEntry, nik)


def _open_query(day: date) -> Any:
    return (
        select(Visit, Officer.username)
        .join(Officer, Officer.id == Visit.officer_id)  # type: ignore[arg-type]
        .where(Visit.day == day, col(Visit.ended_at).is_(None))
        .order_by(col(Visit.started_at))
    )


def _open_view(ctx: Context, v: Visit, username: str | None) -> OpenVisit:
    return OpenVisit(
        visit_id=v.id,
        nik=v.nik,
        day=v.day,
        officer_id=v.officer_id,
        officer=username or str(v.officer_id),
        counter_id=v.counter_id or "",
        started_at=v.started_at,
        local_time=ctx.local(v.started_at).strftime("%H:%M"),
        step=v.current_step,
    )


def _open_of_nik(s: Session, ctx: Context, nik: str, day: date) -> OpenVisit | None:
    row = s.exec(_open_query(day).where(Visit.nik == nik)).first()
    return _open_view(ctx, row[0], row[1]) if row else None


def open_visit_for_nik(ctx: Context, nik: str) -> OpenVisit | None:
    """The open visit of this resident today (whichever officer started it), else None."""
    clean = "".join(c for c in str(nik) if c.isdigit())
    with ctx.db.read() as s:
        return _open_of_nik(s, ctx, clean, ctx.today())


def open_visits_in(s: Session, ctx: Context, day: date) -> list[OpenVisit]:
    """Inside the caller's transaction: the visits of ``day`` still open."""
    return [_open_view(ctx, v, u) for v, u in s.exec(_open_query(day)).all()]


def open_visits(ctx: Context, day: date) -> list[OpenVisit]:
    """Every visit of ``day`` still open (e.g. abandoned: its officer pressed F8 and left)."""
    with ctx.db.read() as s:
        return open_visits_in(s, ctx, day)


def _lock_nik(s: Session, ctx: Context, nik: str) -> None:
    """Serialise "open a visit for this NIK" across connections (SQLite: the write lock)."""
    if ctx.db.kind == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"visit:{nik}"})


def start_visit(
    ctx: Context,
    officer: Officer,
    nik: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    consent: bool = False,
    purpose: str | None = None,
    event_id: str | None = None,
    step: str = vm.STATUS_STEP,
) -> Visit:
    """Create the visit (UUID, local day) and its first event. The NIK must be valid; the day
    must be open (:class:`DayClosed`) and the resident must have no open visit today
    (:class:`AlreadyOpen`, carrying that visit: resume it instead)."""
    info = nikmod.parse(nik, ctx.today())
    if phone and not consent:
        raise VisitError("phone_without_consent")
    if phone:
        phone = _clean_phone(phone)
    if event_id is None:
        from counter.services.settings_store import get

        event_id = get(ctx, "outreach_event") or None
    now = ctx.now()
    dev = device_id(ctx)
    day = ctx.local(now).date()
    with ctx.db.write() as s:
        _check_day_open(s, day)
        _lock_nik(s, ctx, info.nik)
        already = _open_of_nik(s, ctx, info.nik, day)
        if already is not None:
            raise AlreadyOpen(already)
        reg = registry_status(s, info.nik)
        v = Visit(
            id=str(uuid.uuid4()),
            office_code=ctx.settings.office_code,
            counter_id=ctx.settings.counter_id,
            officer_id=officer.id or 0,
            device_id=dev,
            event_id=event_id,
            nik=info.nik,
            district_code=info.nik[:6],
            in_batang=info.in_batang,
            ikd_status_found=reg.ikd_status if reg else oc.UNKNOWN,
            name=(name or None),
            phone=phone or None,
            consent_contact=bool(consent),
            purpose=purpose or None,
            day=day,
            started_at=now,
            current_step=step,
            updated_at=now,
        )
        s.add(v)
        s.flush()
        start = vm.Start(v.ikd_status_found, purpose or None, bool(consent))
        _write_event(s, ctx, v, vm.Event(start, step), officer.id)
    return v


def _clean_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        digits = "+" + digits
    if not (8 <= len(digits.lstrip("+")) <= 15):
        raise VisitError("phone_bad", phone=phone)
    return digits


def _get(s: Session, visit_id: str) -> Visit:
    v = s.get(Visit, visit_id)
    if v is None:
        raise VisitError("not_found", visit_id=visit_id)
    return v


def append_event(
    ctx: Context, visit_id: str, event: vm.Event, officer_id: int | None = None
) -> VisitEvent:
    """Append a typed event to an open visit (checked by the domain's state machine) and move
    its current step. Refused on a closed day and once the visit ended or was voided."""
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        if v.voided_at is not None:
            raise VisitRefused("voided", kind=event.kind)
        if v.ended_at is not None and event.kind in {k.value for k in vm.OPEN_ONLY}:
            raise VisitError("already_finished", visit_id=visit_id)
        _check_day_open(s, v.day)
        row, _state_after = _checked(s, ctx, v, event, officer_id)
        if event.step:
            v.current_step = event.step
    return row


def record_event(
    ctx: Context,
    visit_id: str,
    kind: str,
    step: str | None = None,
    data: dict[str, Any] | None = None,
    officer_id: int | None = None,
) -> VisitEvent:
    """Append an event given as (kind, step, data): see :func:`append_event`."""
    return append_event(ctx, visit_id, vm.parse(kind, step, data or {}), officer_id)


def update_details(
    ctx: Context,
    visit_id: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    consent: bool | None = None,
    purpose: str | None = None,
    officer_id: int | None = None,
) -> None:
    if phone and not consent:
        raise VisitError("phone_without_consent")
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        _check_day_open(s, v.day)
        _checked(s, ctx, v, vm.Event(vm.Details(bool(consent), purpose or None)), officer_id)
        v.name = name or None
        v.consent_contact = bool(consent)
        v.phone = _clean_phone(phone) if phone and consent else None
        v.purpose = purpose or None


def _has_contact(v: Visit) -> bool:
    return bool(v.consent_contact and v.phone)


def _end(
    s: Session,
    ctx: Context,
    v: Visit,
    ev: vm.Event,
    officer_id: int | None,
    handling_until: datetime,
) -> None:
    """Write the outcome event and the visit's summary."""
    p = ev.payload
    assert isinstance(p, vm.Outcome)
    _checked(s, ctx, v, ev, officer_id)
    v.outcome, v.reason, v.note = p.outcome, p.reason, p.note
    v.ended_at = ctx.now()
    v.current_step = vm.DONE_STEP
    v.handling_seconds = max(0, int((handling_until - v.started_at).total_seconds()))
    v.followup_state = vm.followup_after(p.outcome, _has_contact(v), v.followup_state)


def finish_visit(
    ctx: Context,
    visit_id: str,
    outcome: str,
    reason: str | None = None,
    note: str | None = None,
    officer_id: int | None = None,
) -> Visit:
    try:
        vm.check_outcome(outcome, reason)
    except vm.Refusal as r:
        raise VisitError(r.code, **r.detail) from None
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        if v.ended_at is not None:
            raise VisitError("already_finished", visit_id=visit_id)
        _check_day_open(s, v.day)
        _end(
            s,
            ctx,
            v,
            vm.Event(vm.Outcome(outcome, reason or None, note or None), vm.DONE_STEP),
            officer_id,
            ctx.now(),
        )
        if outcome == oc.ACTIVATED:
            resolve_followups(s, ctx, {v.nik}, officer_id)
    return v


def resolve_followups(s: Session, ctx: Context, niks: Iterable[str], officer_id: int | None) -> int:
    """Resolve the open follow-ups of these residents that a later ACTIVATED visit settles
    (the domain's rule, :func:`counter.domain.visit.resolutions`); returns how many."""
    n = 0
    niks = sorted(set(niks))
    for i in range(0, len(niks), 500):
        chunk = niks[i : i + 500]
        rows = list(
            s.exec(
                select(Visit)
                .where(col(Visit.nik).in_(chunk))
                .where(
                    or_(
                        col(Visit.outcome) == oc.ACTIVATED,
                        col(Visit.followup_state).in_(vm.FU_OPEN_STATES),
                    )
                )
            )
        )
        by_id = {v.id: v for v in rows}
        found = vm.resolutions(
            vm.FollowUpVisit(
                v.id, v.nik, v.started_at, v.outcome, v.followup_state, v.voided_at is not None
            )
            for v in rows
        )
        for old_id, by_visit in sorted(found.items()):
            old = by_id[old_id]  # the rule was the domain's; the row holds the follow-up state
            _write_event(
                s,
                ctx,
                old,
                vm.Event(vm.FollowUpChange(vm.FU_RESOLVED, by_visit=by_visit)),
                officer_id,
            )
            old.followup_state = vm.FU_RESOLVED
            old.resolved_by_visit_id = by_visit
            old.revision += 1
            n += 1
    return n


def _require_supervisor(officer: Officer | None) -> None:
    if officer is None or officer.role != "supervisor":
        raise VisitError("forbidden")


def check_reason(ctx: Context, outcome: str, reason: str | None) -> None:
    """Refuse a reason the protocol does not list for ``outcome``."""
    try:
        vm.check_reason(protocol_of(ctx), outcome, reason or None)
    except vm.Refusal as r:
        if r.code in ("bad_outcome", "reason_required"):
            raise VisitError(r.code, **r.detail) from None
        raise _refused(r) from None


def correct_visit(
    ctx: Context, visit_id: str, supervisor: Officer, outcome: str, reason: str | None, why: str
) -> Visit:
    """A supervisor's correction: a new event; the original stays in the timeline and audit.
    The reason must be one the protocol lists for the new outcome."""
    _require_supervisor(supervisor)
    if not why or not why.strip():
        raise VisitError("why_required")
    check_reason(ctx, outcome, reason)
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        if v.voided_at is not None:
            raise VisitRefused("voided", kind="correction")
        if v.ended_at is None:
            raise VisitError("not_finished", visit_id=visit_id)
        _check_day_open(s, v.day)
        old = {"outcome": v.outcome, "reason": v.reason}
        ev = vm.Correction(v.outcome, v.reason, outcome, reason or None, why)
        _checked(s, ctx, v, vm.Event(ev), supervisor.id)
        v.outcome, v.reason = outcome, reason or None
        v.revision += 1
        v.followup_state = vm.followup_after(outcome, _has_contact(v), v.followup_state)
        audit.record(
            s,
            ctx,
            "correction",
            supervisor,
            target=visit_id,
            old=old,
            new={"outcome": outcome, "reason": reason},
            why=why,
        )
        if outcome == oc.ACTIVATED:
            resolve_followups(s, ctx, {v.nik}, supervisor.id)
    return v


def _close_abandoned_in(
    s: Session,
    ctx: Context,
    supervisor: Officer,
    v: Visit,
    outcome: str,
    reason: str,
    note: str | None,
) -> None:
    if v.ended_at is not None:
        raise VisitError("already_finished", visit_id=v.id)
    last = (
        s.exec(
            select(VisitEvent.at)
            .where(VisitEvent.visit_id == v.id)
            .order_by(col(VisitEvent.at).desc())
        ).first()
        or v.started_at
    )
    ev = vm.Event(vm.Outcome(outcome, reason, note or None, abandoned=True), vm.DONE_STEP)
    _end(s, ctx, v, ev, supervisor.id, last)
    audit.record(
        s,
        ctx,
        "visit_closed_abandoned",
        supervisor,
        target=v.id,
        officer_id=v.officer_id,
        outcome=outcome,
        reason=reason,
        note=note,
    )


def check_abandoned(ctx: Context, supervisor: Officer, outcome: str, reason: str) -> None:
    """The supervisor may end an abandoned visit as PENDING, FAILED or DECLINED with a reason
    the protocol lists for that outcome (``interrupted`` always)."""
    _require_supervisor(supervisor)
    if outcome not in vm.ABANDONED_OUTCOMES:
        raise VisitRefused("abandoned_outcome", outcome=outcome)
    if not reason:
        raise VisitError("reason_required", outcome=outcome)
    check_reason(ctx, outcome, reason)


def close_abandoned(
    ctx: Context,
    supervisor: Officer,
    visit_id: str,
    outcome: str = oc.PENDING,
    reason: str = vm.INTERRUPTED,
    note: str | None = None,
) -> Visit:
    """A supervisor ends another officer's open visit (audited): its handling time stops at its
    last event, its outcome event is marked ``abandoned``."""
    check_abandoned(ctx, supervisor, outcome, reason)
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        _check_day_open(s, v.day)
        _close_abandoned_in(s, ctx, supervisor, v, outcome, reason, note)
    return v


def close_open_visits(
    s: Session, ctx: Context, supervisor: Officer, day: date, outcome: str, reason: str
) -> int:
    """Inside the caller's write transaction: end every open visit of ``day`` as abandoned
    (the day close's one step; the caller checked the outcome and reason)."""
    rows = s.exec(
        select(Visit)
        .where(Visit.day == day, col(Visit.ended_at).is_(None))
        .order_by(col(Visit.started_at))
    ).all()
    for v in rows:
        _close_abandoned_in(s, ctx, supervisor, v, outcome, reason, None)
    return len(rows)


def void_visit(ctx: Context, by: Officer, visit_id: str, reason: str) -> Visit:
    """Cancel a mistaken visit (wrong resident, a valid-looking typo) with a mandatory reason.

    Kept with its whole timeline and audited; excluded from counts, the report, the target and
    the follow-up list. Allowed to a supervisor, and to the visit's own officer on its day;
    refused on a closed day."""
    reason = (reason or "").strip()
    if not reason:
        raise VisitRefused("void_reason_required")
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        if by is None or (
            by.role != "supervisor" and (v.officer_id != by.id or v.day != ctx.today())
        ):
            raise VisitRefused("void_forbidden")
        _check_day_open(s, v.day)
        ev = vm.Event(vm.Void(reason[:500], v.outcome, v.reason), vm.DONE_STEP)
        _checked(s, ctx, v, ev, by.id)
        now = ctx.now()
        if v.ended_at is None:
            v.ended_at = now
        else:
            v.revision += 1  # the next "since last" export carries the VOID row
        v.current_step = vm.DONE_STEP
        v.voided_at, v.voided_by, v.void_reason = now, by.id, reason[:500]
        if v.followup_state in vm.FU_OPEN_STATES:
            v.followup_state = None
        audit.record(
            s, ctx, "visit_voided", by, target=visit_id, reason=reason[:500], outcome=v.outcome
        )
        _reopen_followups(s, ctx, v, by.id)
    return v


def _reopen_followups(s: Session, ctx: Context, voided: Visit, officer_id: int | None) -> None:
    """Follow-ups this (now voided) visit had resolved open again, unless another ACTIVATED
    visit of the resident settles them."""
    rows = s.exec(
        select(Visit).where(
            Visit.resolved_by_visit_id == voided.id, Visit.followup_state == vm.FU_RESOLVED
        )
    ).all()
    for old in rows:
        vm.check_followup_change(old.followup_state, vm.FU_OPEN, voided.id)
        _write_event(
            s,
            ctx,
            old,
            vm.Event(vm.FollowUpChange(vm.FU_OPEN, vm.FU_RESOLVED, by_visit=voided.id)),
            officer_id,
        )
        old.followup_state, old.resolved_by_visit_id = vm.FU_OPEN, None
        old.revision += 1
    if rows:
        s.flush()
        resolve_followups(s, ctx, {voided.nik}, officer_id)


def get_visit(ctx: Context, visit_id: str) -> Visit | None:
    with ctx.db.read() as s:
        return s.get(Visit, visit_id)


def timeline(ctx: Context, visit_id: str) -> list[EventView]:
    with ctx.db.read() as s:
        rows = s.exec(
            select(VisitEvent)
            .where(VisitEvent.visit_id == visit_id)
            .order_by(col(VisitEvent.at), col(VisitEvent.seq))
        ).all()
        return [
            EventView(e.seq, e.at, e.kind, e.step, json.loads(e.data or "{}"), e.officer_id)
            for e in rows
        ]


def unfinished(ctx: Context, officer_id: int | None = None) -> list[Visit]:
    """Visits started but not ended (after a crash), oldest first."""
    with ctx.db.read() as s:
        q = select(Visit).where(col(Visit.ended_at).is_(None))
        if officer_id is not None:
            q = q.where(Visit.officer_id == officer_id)
        return list(s.exec(q.order_by(col(Visit.started_at))))


def history(ctx: Context, nik: str, limit: int = 20) -> list[Visit]:
    """Earlier visits of this NIK, newest first."""
    with ctx.db.read() as s:
        return list(
            s.exec(
                select(Visit)
                .where(Visit.nik == nik)
                .order_by(col(Visit.started_at).desc())
                .limit(limit)
            )
        )


def visits_of_day(ctx: Context, day: date, officer_id: int | None = None) -> list[Visit]:
    with ctx.db.read() as s:
        q = select(Visit).where(Visit.day == day)
        if officer_id is not None:
            q = q.where(Visit.officer_id == officer_id)
        return list(s.exec(q.order_by(col(Visit.started_at))))
