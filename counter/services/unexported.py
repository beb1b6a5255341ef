"""The lost-laptop warning: visits on this outreach laptop not yet sent to the office by bundle.

An outreach laptop is the likeliest thing to be lost, with every visit it holds. This database
counts as one once an outreach event was created on it (``outreach start``). A visit recorded here
(``Visit.device_id`` is this device's) is *not yet exported* while it would go into the next
``bundle export --since-last``: it changed after the high-water mark of the last full or
since-last bundle written here (``bundle_export.high_water``; an ``--event`` bundle does not move
the mark, so it does not count). It has been waiting since its first change after that mark (its
first event after it; with no bundle yet, its start). The warning lists the visits that have been
waiting longer than ``[outreach] unexported_warning_days`` (default 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from counter.services import settings_store
from counter.services.context import Context
from counter.store.models import BundleExport, OutreachEvent, Visit, VisitEvent


@dataclass(frozen=True)
class Unexported:
    visits: int  # waiting longer than ``days``
    oldest: date  # local date the longest-waiting one started waiting
    days: int

    def to_json(self) -> dict[str, Any]:
        return {"visits": self.visits, "oldest": self.oldest.isoformat(), "days": self.days}

    def message(self, ctx: Context) -> str:
        return ctx.msg.t(
            "retention.laptop.warning",
            n=self.visits,
            oldest=self.oldest.isoformat(),
            days=self.days,
        )


def is_outreach_laptop(ctx: Context) -> bool:
    dev = settings_store.device_id(ctx)
    with ctx.db.read() as s:
        return (
            s.exec(select(OutreachEvent.id).where(OutreachEvent.device_id == dev).limit(1)).first()
            is not None
        )


def _waiting_since(s: Session, dev: str, mark: datetime | None) -> list[datetime]:
    """When each not-yet-exported visit of this device started waiting."""
    ev = select(VisitEvent.visit_id, func.min(VisitEvent.at).label("first_at"))
    visits = select(Visit.id, Visit.started_at, Visit.updated_at).where(Visit.device_id == dev)
    if mark is not None:
        ev = ev.where(VisitEvent.at > mark)
        visits = visits.where(Visit.updated_at > mark)
    first = ev.group_by(VisitEvent.visit_id).subquery()
    vs = visits.subquery()
    rows = s.exec(
        select(vs.c.started_at, vs.c.updated_at, first.c.first_at).outerjoin(
            first, first.c.visit_id == vs.c.id
        )
    ).all()
    out = []
    for started, updated, first_at in rows:
        out.append(first_at or (started if mark is None else updated))
    return out


def unexported(ctx: Context) -> Unexported | None:
    """The warning to show on this database, or None (not a laptop, or nothing waits too long)."""
    if not is_outreach_laptop(ctx):
        return None
    days = ctx.settings.outreach.unexported_warning_days
    dev = settings_store.device_id(ctx)
    cutoff = ctx.now() - timedelta(days=days)
    with ctx.db.read() as s:
        mark = s.exec(select(func.max(BundleExport.high_water))).one()
        since = [t for t in _waiting_since(s, dev, mark) if t < cutoff]
    if not since:
        return None
    return Unexported(len(since), ctx.local(min(since)).date(), days)
