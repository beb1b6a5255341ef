"""Visits: start, append events as each step changes, finish with an outcome, correct, resume.

Every change is its own committed write, so a crash loses at most the keystroke in flight.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.errors import UserError
from counter.services import audit
from counter.services.context import Context
from counter.services.settings_store import device_id
from counter.store.models import DayClose, Officer, RegistryEntry, Visit, VisitEvent


class VisitError(UserError, ValueError):
    prefix = "visit.error"


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    kind: str
    step: str | None
    data: dict[str, Any]
    officer_id: int | None


def _day_locked(s: Session, day: date) -> bool:
    dc = s.get(DayClose, day)
    return bool(dc and dc.status == "closed")


def is_day_closed(ctx: Context, day: date) -> bool:
    with ctx.db.read() as s:
        return _day_locked(s, day)


def _append(s: Session, ctx: Context, visit: Visit, kind: str, step: str | None,
            data: dict[str, Any] | None, officer_id: int | None) -> VisitEvent:
    visit.last_seq += 1
    ev = VisitEvent(id=str(uuid.uuid4()), visit_id=visit.id, seq=visit.last_seq,
                    device_id=ctx_device(ctx), at=ctx.now(), officer_id=officer_id, kind=kind,
                    step=step, data=json.dumps(data or {}, ensure_ascii=False, default=str))
    s.add(ev)
    visit.updated_at = ev.at
    return ev


def ctx_device(ctx: Context) -> str:
    dev = ctx.device_id
    if not dev:
        raise RuntimeError("device id not initialised: build the Context with make_context()")
    return dev


def registry_status(s: Session, nik: str) -> RegistryEntry | None:
    return s.get(RegistryEntry, nik)


def start_visit(ctx: Context, officer: Officer, nik: str, *, name: str | None = None,
                phone: str | None = None, consent: bool = False, purpose: str | None = None,
                event_id: str | None = None, step: str = "status") -> Visit:
    """Create the visit (UUID, local day) and its first event. The NIK must be valid."""
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
    with ctx.db.write() as s:
        reg = registry_status(s, info.nik)
        v = Visit(id=str(uuid.uuid4()), office_code=ctx.settings.office_code,
                  counter_id=ctx.settings.counter_id, officer_id=officer.id or 0,
                  device_id=dev, event_id=event_id, nik=info.nik,
                  district_code=info.nik[:6], in_batang=info.in_batang,
                  ikd_status_found=reg.ikd_status if reg else oc.UNKNOWN,
                  name=(name or None), phone=phone or None, consent_contact=bool(consent),
                  purpose=purpose or None, day=ctx.local(now).date(), started_at=now,
                  current_step=step, updated_at=now)
        s.add(v)
        s.flush()
        _append(s, ctx, v, "start", step, {"ikd_status": v.ikd_status_found,
                                           "purpose": purpose, "consent": bool(consent)},
                officer.id)
    return v


def _clean_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        digits = "+" + digits
    if not (8 <= len(digits.lstrip("+")) <= 15):
        raise VisitError("phone_bad", phone=phone)
    return digits


def record_event(ctx: Context, visit_id: str, kind: str, step: str | None = None,
                 data: dict[str, Any] | None = None, officer_id: int | None = None) -> VisitEvent:
    """Append an event to an open visit and move its current step."""
    with ctx.db.write() as s:
        v = s.get(Visit, visit_id)
        if v is None:
            raise VisitError("not_found", visit_id=visit_id)
        if v.ended_at is not None:
            raise VisitError("already_finished", visit_id=visit_id)
        ev = _append(s, ctx, v, kind, step, data, officer_id)
        if step:
            v.current_step = step
    return ev


def update_details(ctx: Context, visit_id: str, *, name: str | None = None,
                   phone: str | None = None, consent: bool | None = None,
                   purpose: str | None = None, officer_id: int | None = None) -> None:
    if phone and not consent:
        raise VisitError("phone_without_consent")
    with ctx.db.write() as s:
        v = s.get(Visit, visit_id)
        if v is None:
            raise VisitError("not_found", visit_id=visit_id)
        v.name = name or None
        v.consent_contact = bool(consent)
        v.phone = _clean_phone(phone) if phone and consent else None
        v.purpose = purpose or None
        _append(s, ctx, v, "details", None, {"consent": bool(consent), "purpose": purpose},
                officer_id)


def finish_visit(ctx: Context, visit_id: str, outcome: str, reason: str | None = None,
                 note: str | None = None, officer_id: int | None = None) -> Visit:
    if outcome not in oc.OUTCOMES:
        raise VisitError("bad_outcome", outcome=outcome)
    if outcome in oc.NEEDS_REASON and not reason:
        raise VisitError("reason_required", outcome=outcome)
    now = ctx.now()
    with ctx.db.write() as s:
        v = s.get(Visit, visit_id)
        if v is None:
            raise VisitError("not_found", visit_id=visit_id)
        if v.ended_at is not None:
            raise VisitError("already_finished", visit_id=visit_id)
        if _day_locked(s, v.day):
            raise VisitError("day_closed", day=v.day.isoformat())
        v.outcome, v.reason, v.note = outcome, reason or None, (note or None)
        v.ended_at = now
        v.current_step = "done"
        v.handling_seconds = max(0, int((now - v.started_at).total_seconds()))
        if outcome in oc.FOLLOW_UP and v.consent_contact and v.phone:
            v.followup_state = "open"
        _append(s, ctx, v, "outcome", "done", {"outcome": outcome, "reason": reason,
                                              "note": note}, officer_id)
        if outcome == oc.ACTIVATED:
            _resolve_followups(s, ctx, v, officer_id)
    return v


def _resolve_followups(s: Session, ctx: Context, v: Visit, officer_id: int | None) -> None:
    """A later ACTIVATED visit of the same NIK resolves its open follow-ups by itself."""
    rows = s.exec(select(Visit).where(Visit.nik == v.nik, Visit.id != v.id,
                                      col(Visit.followup_state).in_(("open", "contacted")))).all()
    for old in rows:
        old.followup_state = "resolved"
        old.resolved_by_visit_id = v.id
        old.revision += 1
        _append(s, ctx, old, "followup", None, {"state": "resolved", "by_visit": v.id},
                officer_id)


def correct_visit(ctx: Context, visit_id: str, supervisor: Officer, outcome: str,
                  reason: str | None, why: str) -> Visit:
    """A supervisor's correction: a new event; the original stays in the timeline and audit."""
    if supervisor.role != "supervisor":
        raise VisitError("forbidden")
    if not why or not why.strip():
        raise VisitError("why_required")
    if outcome not in oc.OUTCOMES:
        raise VisitError("bad_outcome", outcome=outcome)
    if outcome in oc.NEEDS_REASON and not reason:
        raise VisitError("reason_required", outcome=outcome)
    with ctx.db.write() as s:
        v = s.get(Visit, visit_id)
        if v is None:
            raise VisitError("not_found", visit_id=visit_id)
        if v.ended_at is None:
            raise VisitError("not_finished", visit_id=visit_id)
        if _day_locked(s, v.day):
            raise VisitError("day_closed", day=v.day.isoformat())
        old = {"outcome": v.outcome, "reason": v.reason}
        v.outcome, v.reason = outcome, reason or None
        v.revision += 1
        if outcome in oc.FOLLOW_UP and v.consent_contact and v.phone and not v.followup_state:
            v.followup_state = "open"
        if outcome not in oc.FOLLOW_UP and v.followup_state in ("open", "contacted"):
            v.followup_state = None
        _append(s, ctx, v, "correction", None, {"from": old, "to": {"outcome": outcome,
                                                                    "reason": reason},
                                                "why": why}, supervisor.id)
        audit.record(s, ctx, "correction", supervisor, target=visit_id, old=old,
                     new={"outcome": outcome, "reason": reason}, why=why)
        if outcome == oc.ACTIVATED:
            _resolve_followups(s, ctx, v, supervisor.id)
    return v


def get_visit(ctx: Context, visit_id: str) -> Visit | None:
    with ctx.db.read() as s:
        return s.get(Visit, visit_id)


def timeline(ctx: Context, visit_id: str) -> list[EventView]:
    with ctx.db.read() as s:
        rows = s.exec(select(VisitEvent).where(VisitEvent.visit_id == visit_id)
                      .order_by(VisitEvent.at, VisitEvent.seq)).all()
        return [EventView(e.seq, e.at, e.kind, e.step, json.loads(e.data or "{}"), e.officer_id)
                for e in rows]


def unfinished(ctx: Context, officer_id: int | None = None) -> list[Visit]:
    """Visits started but not ended (after a crash), oldest first."""
    with ctx.db.read() as s:
        q = select(Visit).where(col(Visit.ended_at).is_(None))
        if officer_id is not None:
            q = q.where(Visit.officer_id == officer_id)
        return list(s.exec(q.order_by(Visit.started_at)))


def history(ctx: Context, nik: str, limit: int = 20) -> list[Visit]:
    """Earlier visits of this NIK, newest first."""
    with ctx.db.read() as s:
        return list(s.exec(select(Visit).where(Visit.nik == nik)
                           .order_by(col(Visit.started_at).desc()).limit(limit)))


def visits_of_day(ctx: Context, day: date, officer_id: int | None = None) -> list[Visit]:
    with ctx.db.read() as s:
        q = select(Visit).where(Visit.day == day)
        if officer_id is not None:
            q = q.where(Visit.officer_id == officer_id)
        return list(s.exec(q.order_by(Visit.started_at)))
