"""The follow-up list: PENDING/FAILED visits whose resident consented to contact, oldest first.

Marking one contacted or resolved is a visit event, bumps the visit's revision (so the next
"since last" export carries it) and is audited. A later ACTIVATED visit of the same NIK resolves
it by itself (``counter.services.visits.finish_visit``). Follow-up work is allowed on closed days:
it does not change the recorded outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.services import audit
from counter.services.audit import Actor
from counter.services.context import Context
from counter.services.visits import VisitError, _get, _write_event
from counter.store.models import Officer, Visit

OPEN_STATES = vm.FU_OPEN_STATES


@dataclass(frozen=True)
class FollowUp:
    visit_id: str
    day: date
    started_at: datetime
    nik_masked: str
    name: str | None
    phone: str
    outcome: str
    reason: str | None
    state: str
    note: str | None
    officer: str
    age_days: int


def _require_supervisor(officer: Actor) -> None:
    if officer is None or officer.role != "supervisor":
        raise VisitError("forbidden")


def open_followups(ctx: Context, limit: int = 500) -> list[FollowUp]:
    """Open and contacted follow-ups with a consented phone number, oldest first."""
    today = ctx.today()
    q = (
        select(Visit, Officer.username)
        .join(Officer, Officer.id == Visit.officer_id)  # type: ignore[arg-type]
        .where(
            col(Visit.followup_state).in_(OPEN_STATES),
            col(Visit.consent_contact).is_(True),
            col(Visit.phone).is_not(None),
            col(Visit.outcome).in_(oc.FOLLOW_UP),
            col(Visit.voided_at).is_(None),
        )
        .order_by(col(Visit.started_at))
        .limit(limit)
    )
    with ctx.db.read() as s:
        rows = s.exec(q).all()
    return [
        FollowUp(
            visit_id=v.id,
            day=v.day,
            started_at=v.started_at,
            nik_masked=nikmod.mask(v.nik),
            name=v.name,
            phone=v.phone or "",
            outcome=v.outcome or "",
            reason=v.reason,
            state=v.followup_state or "",
            note=v.followup_note,
            officer=u,
            age_days=(today - v.day).days,
        )
        for v, u in rows
    ]


def _change(ctx: Context, visit_id: str, supervisor: Actor, state: str, note: str) -> Visit:
    _require_supervisor(supervisor)
    with ctx.db.write() as s:
        v = _get(s, visit_id)
        if v.voided_at is not None:
            raise VisitError("followup_closed", visit_id=visit_id)
        try:  # the summary row holds the follow-up state (the consent is not in the events)
            vm.check_followup_change(v.followup_state, state)
        except vm.Refusal:
            raise VisitError("followup_closed", visit_id=visit_id) from None
        old = v.followup_state
        _write_event(s, ctx, v, vm.Event(vm.FollowUpChange(state, old, note)), supervisor.id)
        v.followup_state = state
        if note:
            v.followup_note = note if not v.followup_note else f"{v.followup_note}\n{note}"
        v.revision += 1
        audit.record(s, ctx, f"followup_{state}", supervisor, target=visit_id, old=old, note=note)
    return v


def mark_contacted(ctx: Context, visit_id: str, supervisor: Actor, note: str) -> Visit:
    """The resident was called/messaged; the note says what was agreed."""
    if not note or not note.strip():
        raise VisitError("note_required")
    return _change(ctx, visit_id, supervisor, "contacted", note.strip())


def mark_resolved(ctx: Context, visit_id: str, supervisor: Actor, note: str = "") -> Visit:
    return _change(ctx, visit_id, supervisor, "resolved", note.strip())
