"""The supervisor's daily log (masked NIK) and the audited visit detail (full NIK + timeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from counter.domain import nik as nikmod
from counter.services import audit
from counter.services.context import Context
from counter.services.visits import EventView, VisitError, _day_locked, timeline
from counter.store.models import Officer, Visit

SORT_KEYS = ("time", "counter", "officer", "outcome", "handling")
UNFINISHED = "-"  # outcome filter value for visits not finished yet
VOIDED = "VOID"  # outcome filter value for voided visits (listed, marked, counted nowhere)


@dataclass(frozen=True)
class LogRow:
    visit_id: str
    started_at: datetime  # aware UTC
    local_time: str  # HH:MM in the office time zone
    counter_id: str
    officer: str
    nik_masked: str
    outcome: str | None
    reason: str | None
    handling_seconds: int | None
    revision: int
    followup_state: str | None
    voided: bool = False

    @property
    def is_open(self) -> bool:
        return self.outcome is None and not self.voided


@dataclass(frozen=True)
class VisitDetail:
    visit_id: str
    day: date
    nik: str  # full NIK: only shown here
    name: str | None
    phone: str | None
    consent_contact: bool
    counter_id: str
    officer: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    reason: str | None
    note: str | None
    handling_seconds: int | None
    followup_state: str | None
    followup_note: str | None
    revision: int
    day_closed: bool
    events: list[EventView]
    voided_at: datetime | None = None
    void_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


def _require_supervisor(officer: Officer) -> None:
    if officer is None or officer.role != "supervisor":
        raise VisitError("forbidden")


def daily_log(
    ctx: Context,
    day: date,
    *,
    officer: str | None = None,
    counter: str | None = None,
    outcome: str | None = None,
    sort: str = "time",
    descending: bool = False,
    day_to: date | None = None,
) -> list[LogRow]:
    """Every visit of ``day`` (through ``day_to``) across counters, filtered and sorted."""
    if sort not in SORT_KEYS:
        raise ValueError(f"sort must be one of {SORT_KEYS}")
    # sqlmodel.select is typed for at most 4 columns: mypy cannot check this one's 11
    q = select(  # type: ignore[call-overload,misc]
        Visit.id,
        Visit.started_at,
        Visit.counter_id,
        Officer.username,
        Visit.nik,
        Visit.outcome,
        Visit.reason,
        Visit.handling_seconds,
        Visit.revision,
        Visit.followup_state,
        Visit.voided_at,
    ).join(Officer, Officer.id == Visit.officer_id)
    if day_to and day_to != day:
        q = q.where(col(Visit.day) >= day, col(Visit.day) <= day_to)
    else:
        q = q.where(Visit.day == day)
    if officer:
        q = q.where(Officer.username == officer)
    if counter:
        q = q.where(Visit.counter_id == counter)
    if outcome == UNFINISHED:
        q = q.where(col(Visit.ended_at).is_(None))
    elif outcome == VOIDED:
        q = q.where(col(Visit.voided_at).is_not(None))
    elif outcome:
        q = q.where(Visit.outcome == outcome, col(Visit.voided_at).is_(None))
    key = {
        "time": col(Visit.started_at),
        "counter": col(Visit.counter_id),
        "officer": col(Officer.username),
        "outcome": col(Visit.outcome),
        "handling": col(Visit.handling_seconds),
    }[sort]
    q = q.order_by(key.desc() if descending else key.asc(), col(Visit.started_at))
    with ctx.db.read() as s:
        rows = s.exec(q).all()
    return [
        LogRow(
            visit_id=r[0],
            started_at=r[1],
            local_time=ctx.local(r[1]).strftime("%H:%M"),
            counter_id=r[2] or "",
            officer=r[3],
            nik_masked=nikmod.mask(r[4]),
            outcome=r[5],
            reason=r[6],
            handling_seconds=r[7],
            revision=r[8],
            followup_state=r[9],
            voided=r[10] is not None,
        )
        for r in rows
    ]


def log_choices(ctx: Context, day: date) -> dict[str, list[str]]:
    """The officers and counters that have visits on ``day`` (for filter pickers)."""
    with ctx.db.read() as s:
        officers = s.exec(
            select(Officer.username)
            .join(Visit, Officer.id == Visit.officer_id)  # type: ignore[arg-type]
            .where(Visit.day == day)
            .distinct()
            .order_by(Officer.username)
        ).all()
        counters = s.exec(
            select(Visit.counter_id).where(Visit.day == day).distinct().order_by(Visit.counter_id)
        ).all()
    return {"officers": list(officers), "counters": [c for c in counters if c]}


def open_visit(ctx: Context, visit_id: str, supervisor: Officer) -> VisitDetail:
    """The full record with its timeline; opening it is written to the audit log."""
    _require_supervisor(supervisor)
    with ctx.db.write() as s:
        v = s.get(Visit, visit_id)
        if v is None:
            raise VisitError("not_found", visit_id=visit_id)
        who = s.get(Officer, v.officer_id)
        audit.record(s, ctx, "visit_opened", supervisor, target=visit_id)
        closed = _day_locked(s, v.day)
        detail = dict(
            visit_id=v.id,
            day=v.day,
            nik=v.nik,
            name=v.name,
            phone=v.phone,
            consent_contact=v.consent_contact,
            counter_id=v.counter_id,
            officer=who.username if who else str(v.officer_id),
            started_at=v.started_at,
            ended_at=v.ended_at,
            outcome=v.outcome,
            reason=v.reason,
            note=v.note,
            handling_seconds=v.handling_seconds,
            followup_state=v.followup_state,
            followup_note=v.followup_note,
            revision=v.revision,
            day_closed=closed,
            voided_at=v.voided_at,
            void_reason=v.void_reason,
        )
    return VisitDetail(**detail, events=timeline(ctx, visit_id))  # type: ignore[arg-type]


def officer_names(ctx: Context) -> dict[int, str]:
    with ctx.db.read() as s:
        return {int(i or 0): u for i, u in s.exec(select(Officer.id, Officer.username)).all()}
