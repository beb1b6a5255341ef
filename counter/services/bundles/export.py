"""Writing a bundle: the visits (all, changed since the last bundle, or of one outreach event),
their events, officers and outreach events, as one signed file written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from counter.services import audit, bundle_key, settings_store
from counter.services.audit import Actor
from counter.services.bundle_file import BundleError
from counter.services.bundles.format import (
    EVENT_FIELDS,
    FORMAT,
    VERSION,
    VEVENT_FIELDS,
    VISIT_FIELDS,
    chunks,
    iso,
    line,
    seal,
)
from counter.services.bundles.results import ExportResult
from counter.services.context import Context
from counter.store.models import BundleExport, Officer, OutreachEvent, Visit, VisitEvent


def last_high_water(ctx: Context) -> datetime | None:
    with ctx.db.read() as s:
        return s.exec(select(func.max(BundleExport.high_water))).one()


@dataclass
class _Selection:
    """What goes into the bundle (plain rows, no ORM objects for visits and their events)."""

    visits: list[Any]
    vevents: list[Any]
    officers: dict[int, Officer]
    outreach: list[OutreachEvent]
    since: datetime | None  # the previous bundle's high-water mark (since_last)

    def username(self, officer_id: int | None) -> str | None:
        o = self.officers.get(officer_id) if officer_id is not None else None
        return o.username if o else None


def export_bundle(
    ctx: Context,
    path: str | Path,
    *,
    since_last: bool = False,
    event_id: str | None = None,
    officer: Actor | None = None,
) -> ExportResult:
    """Write visits (all, or changed since the last bundle, or of one outreach event) to ``path``.

    The file is written under a temporary name and renamed, so a failed export leaves nothing.
    """
    if since_last and event_id:
        raise BundleError("modes")
    key = bundle_key.require(ctx)  # made at the office, copied to a laptop (bundle key ...)
    dev = settings_store.device_id(ctx)
    mode = "since_last" if since_last else ("event" if event_id else "all")
    now = ctx.now()
    with ctx.db.read() as s:  # plain rows (no ORM objects): 50,000 events load in a blink
        sel = _select(s, since_last, event_id)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "device_id": dev,
        "office_code": ctx.settings.office_code,
        "counter_id": ctx.settings.counter_id,
        "created_at": now.isoformat(),
        "mode": mode,
        "event": event_id,
        "since": sel.since.isoformat() if sel.since else None,
        "counts": {
            "officer": len(sel.officers),
            "event": len(sel.outreach),
            "visit": len(sel.visits),
            "vevent": len(sel.vevents),
        },
    }
    content = _content(manifest, sel)
    digest = hashlib.sha256(content).hexdigest()
    data = seal(content + line({"t": "end", "sha256": digest}), key)
    target = Path(path)
    _write_and_record(ctx, target, data, digest, mode, sel, now, officer)
    return ExportResult(
        target,
        digest,
        dev,
        mode,
        len(sel.visits),
        len(sel.vevents),
        len(sel.officers),
        len(sel.outreach),
    )


def _select(s: Session, since_last: bool, event_id: str | None) -> _Selection:
    vt, et = Visit.__table__, VisitEvent.__table__  # type: ignore[attr-defined]
    q = select(vt)
    hw_prev: datetime | None = None
    if since_last:
        hw_prev = s.exec(select(func.max(BundleExport.high_water))).one()
        if hw_prev is not None:
            q = q.where(vt.c.updated_at > hw_prev)
    if event_id:
        if s.get(OutreachEvent, event_id) is None:
            raise BundleError("no_event", ref=event_id)
        q = q.where(vt.c.event_id == event_id)
    visits = list(s.execute(q.order_by(vt.c.started_at, vt.c.id)).all())
    vevents: list[Any] = []
    for chunk in chunks([v.id for v in visits]):
        vevents.extend(s.execute(select(et).where(et.c.visit_id.in_(chunk))).all())
    vevents.sort(key=lambda e: (e.visit_id, e.at, e.device_id, e.seq))
    officer_ids = {v.officer_id for v in visits} | {
        e.officer_id for e in vevents if e.officer_id is not None
    }
    officers = (
        {o.id: o for o in s.exec(select(Officer).where(col(Officer.id).in_(officer_ids)))}
        if officer_ids
        else {}
    )
    ev_ids = sorted({v.event_id for v in visits if v.event_id})
    outreach = (
        list(s.exec(select(OutreachEvent).where(col(OutreachEvent.id).in_(ev_ids))))
        if ev_ids
        else []
    )
    return _Selection(visits, vevents, officers, outreach, hw_prev)  # type: ignore[arg-type]


def _content(manifest: dict[str, Any], sel: _Selection) -> bytes:
    """The manifest and one JSON line per record (officers carry no PIN hash)."""
    body: list[bytes] = [line(manifest)]
    for o in sorted(sel.officers.values(), key=lambda o: o.username):
        body.append(
            line({"t": "officer", "username": o.username, "full_name": o.full_name, "role": o.role})
        )
    for e in sel.outreach:
        body.append(line({"t": "event", **{k: iso(getattr(e, k)) for k in EVENT_FIELDS}}))
    for v in sel.visits:
        rec = {k: iso(getattr(v, k)) for k in VISIT_FIELDS}
        rec["officer"] = sel.username(v.officer_id)
        body.append(line({"t": "visit", **rec}))
    for e in sel.vevents:
        rec = {k: iso(getattr(e, k)) for k in VEVENT_FIELDS}
        rec["officer"] = sel.username(e.officer_id)
        body.append(line({"t": "vevent", **rec}))
    return b"".join(body)


def _write_and_record(
    ctx: Context,
    target: Path,
    data: bytes,
    digest: str,
    mode: str,
    sel: _Selection,
    now: datetime,
    officer: Actor | None,
) -> None:
    """Write under a temporary name, record the export (and its high-water mark), rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=str(target.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        high_water = max((v.updated_at for v in sel.visits), default=None)
        with ctx.db.write() as s:
            s.add(
                BundleExport(
                    created_at=now,
                    sha256=digest,
                    visits=len(sel.visits),
                    file_path=str(target.resolve()),
                    high_water=(high_water or sel.since) if mode != "event" else None,
                )
            )
            audit.record(
                s,
                ctx,
                "bundle_export",
                officer,
                target=str(target),
                mode=mode,
                visits=len(sel.visits),
                sha256=digest,
            )
            # renamed before the commit: a file without a record only means its visits go
            # again next time (imports merge by id); a record without a file would lose them
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
