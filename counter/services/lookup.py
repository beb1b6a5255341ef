"""Lookup: a NIK's IKD status from the registry extract, plus its visit history here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select

from counter.domain import outcomes as oc
from counter.services.context import Context
from counter.store.models import RegistryEntry, Visit


@dataclass
class LookupResult:
    nik: str
    ikd_status: str
    activated_on: date | None
    source: str | None
    visits: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"nik": self.nik, "ikd_status": self.ikd_status,
                "activated_on": self.activated_on.isoformat() if self.activated_on else None,
                "source": self.source, "visits": self.visits}


def lookup(ctx: Context, nik: str, history_limit: int = 20) -> LookupResult:
    with ctx.db.read() as s:
        reg = s.get(RegistryEntry, nik)
        visits = s.exec(select(Visit).where(Visit.nik == nik)
                        .order_by(col(Visit.started_at).desc()).limit(history_limit)).all()
    status = reg.ikd_status if reg else oc.UNKNOWN
    activated_on = reg.activated_on if reg else None
    source = reg.source if reg else None
    # An activation recorded here is newer knowledge than the imported extract.
    for v in visits:
        if v.outcome in (oc.ACTIVATED, oc.ALREADY_ACTIVE) and status != oc.ACTIVE:
            status, source = oc.ACTIVE, "visit"
            activated_on = ctx.local(v.ended_at or v.started_at).date()
            break
    hist = [{"visit_id": v.id, "date": v.day.isoformat(),
             "time": ctx.local(v.started_at).strftime("%H:%M"), "outcome": v.outcome,
             "reason": v.reason, "counter": v.counter_id} for v in visits]
    return LookupResult(nik, status, activated_on, source, hist)
