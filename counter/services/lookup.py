"""Lookup: a NIK's IKD status from the registry extract, plus its visit history here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from counter.domain import outcomes as oc
from counter.services.context import Context
from counter.store.models import RegistryEntry, RegistryImport, Visit, table


@dataclass
class LookupResult:
    nik: str
    ikd_status: str
    activated_on: date | None
    source: str | None
    visits: list[dict[str, Any]] = field(default_factory=list)
    # when the newest central extract was imported (None: never), so the counter can say how old
    # "not in the central data" is; not part of the JSON contract
    extract_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "nik": self.nik,
            "ikd_status": self.ikd_status,
            "activated_on": self.activated_on.isoformat() if self.activated_on else None,
            "source": self.source,
            "visits": self.visits,
        }


_reg = table(RegistryEntry).c
_vis = table(Visit).c
# Core statements (compiled once, cached by SQLAlchemy): a lookup is two indexed reads, well
# under a millisecond even in a 631,075-row registry (bench/bench_registry.py).
_imp = table(RegistryImport).c
_REGISTRY_Q = (
    select(_reg.ikd_status, _reg.activated_on, _imp.source)
    .select_from(table(RegistryEntry).outerjoin(table(RegistryImport), _imp.id == _reg.import_id))
    .where(_reg.nik == bindparam("nik"))
)
_VISITS_Q = (
    select(
        _vis.id,
        _vis.day,
        _vis.started_at,
        _vis.ended_at,
        _vis.outcome,
        _vis.reason,
        _vis.counter_id,
    )
    .where(_vis.nik == bindparam("nik"), _vis.voided_at.is_(None))  # voided: a mistake
    .order_by(_vis.started_at.desc())
    .limit(bindparam("limit"))
)


_LAST_IMPORT_Q = select(func.max(_imp.imported_at))


def last_extract(ctx: Context) -> datetime | None:
    """When the newest central extract was imported; None when none ever was."""
    with ctx.db.read() as s:
        return s.execute(_LAST_IMPORT_Q).scalar()  # a Core statement: execute, not exec


def lookup(ctx: Context, nik: str, history_limit: int = 20) -> LookupResult:
    with ctx.db.engine.connect() as conn:
        reg = conn.execute(_REGISTRY_Q, {"nik": nik}).first()
        visits = conn.execute(_VISITS_Q, {"nik": nik, "limit": history_limit}).all()
        extract_at = conn.execute(_LAST_IMPORT_Q).scalar()
    status = reg.ikd_status if reg else oc.UNKNOWN
    activated_on = reg.activated_on if reg else None
    source = reg.source if reg else None
    # An activation recorded here is newer knowledge than the imported extract.
    for v in visits:
        if v.outcome in (oc.ACTIVATED, oc.ALREADY_ACTIVE) and status != oc.ACTIVE:
            status, source = oc.ACTIVE, "visit"
            activated_on = ctx.local(v.ended_at or v.started_at).date()
            break
    hist = [
        {
            "visit_id": v.id,
            "date": v.day.isoformat(),
            "time": ctx.local(v.started_at).strftime("%H:%M"),
            "outcome": v.outcome,
            "reason": v.reason,
            "counter": v.counter_id,
        }
        for v in visits
    ]
    return LookupResult(nik, status, activated_on, source, hist, extract_at)
