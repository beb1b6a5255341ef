"""Outreach ("jemput bola") events: create, list, the laptop's active event, splits by event/place.

An event is a place (a desa/kelurahan from the region table, or a school) on a date. While an event
is active on a device (``settings_store`` key ``outreach_event``) every visit started there carries
its id (``visits.start_visit`` stamps it), so reports can be split by event and by place.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select

from counter.domain import outcomes as oc
from counter.domain import regions
from counter.errors import UserError
from counter.services import audit, settings_store
from counter.services.context import Context
from counter.store.models import Officer, OutreachEvent, Visit

ACTIVE_KEY = "outreach_event"
KINDS = ("village", "school", "other")


class OutreachError(UserError, ValueError):
    prefix = "outreach.error"


@dataclass(frozen=True)
class EventInfo:
    id: str
    name: str
    place_code: str | None
    place_name: str
    place_kind: str
    day: date
    device_id: str

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        return d


@dataclass(frozen=True)
class Split:
    """Visit counts of one event or place over a date range."""

    key: str  # event id, or place code/name ("" = visits at the office, no event)
    label: str
    place_kind: str
    visits: int
    already_active: int
    attempted: int
    activated: int
    pending: int
    failed: int
    other: int
    open: int  # started, not finished

    @property
    def conversion(self) -> float | None:
        return self.activated / self.attempted if self.attempted else None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["conversion"] = self.conversion
        return d


def _info(e: OutreachEvent) -> EventInfo:
    return EventInfo(e.id, e.name, e.place_code, e.place_name, e.place_kind, e.day, e.device_id)


def village(code: str) -> regions.Region:
    """A desa/kelurahan by dotted (33.25.01.2001) or plain (3325012001) code."""
    c = (code or "").strip()
    if "." not in c and len(c) == 10 and c.isdigit():
        c = f"{c[:2]}.{c[2:4]}.{c[4:6]}.{c[6:]}"
    r = regions.region(c)
    if r is None or r.level != "village":
        raise OutreachError("bad_village", value=code)
    return r


def find_villages(text: str, limit: int = 20) -> list[regions.Region]:
    """Villages whose name contains ``text`` (case-insensitive), for pickers and the CLI."""
    t = text.strip().lower()
    return [r for r in regions.villages() if t in r.name.lower()][:limit]


def create_event(
    ctx: Context,
    *,
    village_code: str | None = None,
    school: str | None = None,
    day: date | None = None,
    name: str | None = None,
    by: Officer | None = None,
) -> EventInfo:
    """Create an outreach event at a desa/kelurahan (region code) or a school, on ``day``."""
    if bool(village_code) == bool(school and school.strip()):
        raise OutreachError("place_required")
    if village_code:
        r = village(village_code)
        code: str | None = r.code
        place_name, kind = r.name, "village"
        district = regions.region(r.code.rsplit(".", 1)[0])
        default_name = f"{r.name}" + (f", {district.name}" if district else "")
    else:
        code, place_name, kind = None, " ".join((school or "").split()), "school"
        default_name = place_name
    if len(place_name) > 120:
        raise OutreachError("name_long")
    label = " ".join((name or "").split()) or default_name
    ev = OutreachEvent(
        id=str(uuid.uuid4()),
        name=label[:120],
        place_code=code,
        place_name=place_name,
        place_kind=kind,
        day=day or ctx.today(),
        device_id=settings_store.device_id(ctx),
        created_at=ctx.now(),
    )
    with ctx.db.write() as s:
        s.add(ev)
        audit.record(
            s, ctx, "outreach_created", by, target=ev.id, place=place_name, day=ev.day.isoformat()
        )
    return _info(ev)


def list_events(
    ctx: Context, date_from: date | None = None, date_to: date | None = None
) -> list[EventInfo]:
    """Events, newest day first."""
    with ctx.db.read() as s:
        q = select(OutreachEvent)
        if date_from:
            q = q.where(OutreachEvent.day >= date_from)
        if date_to:
            q = q.where(OutreachEvent.day <= date_to)
        rows = s.exec(q.order_by(col(OutreachEvent.day).desc(), OutreachEvent.name)).all()
        return [_info(e) for e in rows]


def get_event(ctx: Context, ref: str) -> EventInfo:
    """An event by id or by an unambiguous id prefix (at least 4 characters)."""
    ref = (ref or "").strip()
    with ctx.db.read() as s:
        e = s.get(OutreachEvent, ref)
        if e is None and len(ref) >= 4:
            rows = s.exec(
                select(OutreachEvent).where(col(OutreachEvent.id).startswith(ref)).limit(2)
            ).all()
            if len(rows) == 1:
                e = rows[0]
            elif rows:
                raise OutreachError("ambiguous", ref=ref)
        if e is None:
            raise OutreachError("not_found", ref=ref)
        return _info(e)


def set_active(ctx: Context, ref: str, by: Officer | None = None) -> EventInfo:
    """Make ``ref`` this device's active event: visits started from now on carry it."""
    ev = get_event(ctx, ref)
    with ctx.db.write() as s:
        from counter.store.models import AppSetting

        row = s.get(AppSetting, ACTIVE_KEY)
        if row:
            row.value = ev.id
        else:
            s.add(AppSetting(key=ACTIVE_KEY, value=ev.id))
        audit.record(s, ctx, "outreach_started", by, target=ev.id, place=ev.place_name)
    return ev


def start(
    ctx: Context,
    *,
    village_code: str | None = None,
    school: str | None = None,
    day: date | None = None,
    name: str | None = None,
    by: Officer | None = None,
) -> EventInfo:
    """Create an event and make it active in one go (what ``outreach start`` does)."""
    ev = create_event(ctx, village_code=village_code, school=school, day=day, name=name, by=by)
    return set_active(ctx, ev.id, by=by)


def active_event(ctx: Context) -> EventInfo | None:
    ref = settings_store.get(ctx, ACTIVE_KEY)
    if not ref:
        return None
    try:
        return get_event(ctx, ref)
    except OutreachError:
        return None


def stop(ctx: Context, by: Officer | None = None) -> EventInfo | None:
    """Back to office mode; returns the event that was active (None if there was none)."""
    ev = active_event(ctx)
    with ctx.db.write() as s:
        from counter.store.models import AppSetting

        row = s.get(AppSetting, ACTIVE_KEY)
        if row and row.value:
            row.value = ""
            audit.record(s, ctx, "outreach_stopped", by, target=ev.id if ev else "")
    return ev


# -- reports -------------------------------------------------------------------------------------


def _count_columns() -> list[Any]:
    done = col(Visit.ended_at).is_not(None)
    attempted = done & (Visit.outcome != oc.ALREADY_ACTIVE) & (Visit.outcome != oc.DECLINED)

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    return [
        func.count(col(Visit.id)),
        n(Visit.outcome == oc.ALREADY_ACTIVE),
        n(attempted),
        n(Visit.outcome == oc.ACTIVATED),
        n(Visit.outcome == oc.PENDING),
        n(Visit.outcome == oc.FAILED),
        n(done & col(Visit.outcome).in_((oc.NOT_ELIGIBLE, oc.REFERRED, oc.DECLINED))),
        n(col(Visit.ended_at).is_(None)),
    ]


def by_event(ctx: Context, date_from: date, date_to: date) -> list[Split]:
    """Visits per outreach event between two local dates (inclusive), by visit day.

    Visits without an event (at the office) come last with key "" and the label from the catalog.
    "Attempted" counts finished visits other than ALREADY_ACTIVE and DECLINED.
    """
    with ctx.db.read() as s:
        q = (
            select(Visit.event_id, *_count_columns())
            .where(Visit.day >= date_from, Visit.day <= date_to, col(Visit.voided_at).is_(None))
            .group_by(Visit.event_id)
        )
        rows = s.exec(q).all()
        ids = [r[0] for r in rows if r[0]]
        events = (
            {e.id: e for e in s.exec(select(OutreachEvent).where(col(OutreachEvent.id).in_(ids)))}
            if ids
            else {}
        )
    out: list[Split] = []
    office: Split | None = None
    for r in rows:
        ev = events.get(r[0]) if r[0] else None
        nums = [int(x) for x in r[1:]]
        if ev is None:
            label = ctx.msg.t("outreach.office") if not r[0] else r[0]
            sp = Split(r[0] or "", label, "office" if not r[0] else "other", *nums)
            if not r[0]:
                office = sp
                continue
        else:
            sp = Split(ev.id, f"{ev.name} ({ev.day.isoformat()})", ev.place_kind, *nums)
        out.append(sp)
    out.sort(key=lambda x: (x.label, x.key))
    if office:
        out.append(office)
    return out


def by_place(ctx: Context, date_from: date, date_to: date) -> list[Split]:
    """Visits per outreach place (desa/kelurahan code or school name) over a date range.

    Several events at the same place add up; office visits come last with key "".
    """
    merged: dict[tuple[str, str], list[int]] = {}
    labels: dict[tuple[str, str], str] = {}
    with ctx.db.read() as s:
        q = (
            select(
                OutreachEvent.place_code,
                OutreachEvent.place_name,
                OutreachEvent.place_kind,
                *_count_columns(),
            )
            .select_from(Visit)
            .join(OutreachEvent, col(Visit.event_id) == col(OutreachEvent.id), isouter=True)
            .where(Visit.day >= date_from, Visit.day <= date_to, col(Visit.voided_at).is_(None))
            .group_by(OutreachEvent.place_code, OutreachEvent.place_name, OutreachEvent.place_kind)
        )
        rows = s.exec(q).all()
    for code, name, kind, *nums in rows:
        if kind is None:
            key = ("office", "")
            labels[key] = ctx.msg.t("outreach.office")
        elif code:
            key = ("village", code)
            labels[key] = name
        else:
            key = (kind, (name or "").strip().lower())
            labels.setdefault(key, name)
        acc = merged.setdefault(key, [0] * 8)
        for i in range(len(acc)):
            acc[i] += int(nums[i] or 0)
    out = [
        Split(k[1] if k[0] == "village" else labels[k], labels[k], k[0], *v)
        for k, v in merged.items()
        if k[0] != "office"
    ]
    out.sort(key=lambda x: (x.place_kind, x.label.lower()))
    if ("office", "") in merged:
        out.append(Split("", labels[("office", "")], "office", *merged[("office", "")]))
    return out
