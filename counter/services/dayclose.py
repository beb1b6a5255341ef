"""Closing a day: lock its visits, record who closed it and the day's totals, back up the database.

While a day is closed no visit of it can start, change, end, be corrected or voided
(``visits`` refuses with ``DayClosed``). A day with open visits is not closed until they are
ended: the refusal lists them, and ``close_day(close_open_as=...)`` ends them first. A supervisor may reopen it with a reason (audited). The stored totals also carry the
cumulative ACTIVATED count through that day, so the target figure of later reports starts there
instead of counting the whole table (valid while every earlier day with visits is closed too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists
from sqlmodel import Session, col, func, select

from counter.domain import outcomes as oc
from counter.errors import UserError
from counter.services import audit, retention, visits
from counter.services.context import Context
from counter.services.report import Report, _anchor_closed, summary
from counter.services.visits import OpenVisit
from counter.store.models import DayClose, Officer, Visit


class DayCloseError(UserError, ValueError):
    prefix = "supervisor.dayclose.error"

    @property
    def open_visits(self) -> list[OpenVisit]:
        """For ``unfinished``: the visits still open, so the refusal can offer to close them."""
        return list(self.params.get("visits") or [])  # type: ignore[call-overload]


@dataclass(frozen=True)
class DayStatus:
    day: date
    status: str  # open | closed | reopened
    closed_at: datetime | None = None
    closed_by: str | None = None
    backup_path: str = ""
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None
    totals: dict[str, Any] | None = None

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


@dataclass(frozen=True)
class CloseResult:
    day: date
    report: Report
    backup_path: Path | None  # None on PostgreSQL (use pg_dump) or when backup=False
    backup_error: str | None = None
    postgres: bool = False


def _require_supervisor(officer: Officer) -> None:
    if officer is None or officer.role != "supervisor":
        raise DayCloseError("forbidden")


def _cumulative(s: Session, day: date) -> tuple[int, bool]:
    """(ACTIVATED visits with Visit.day <= day, every earlier day with visits is closed)."""
    anchor, base = _anchor_closed(s, day, inclusive=False)
    counted = (
        select(func.count())
        .select_from(Visit)
        .where(Visit.outcome == oc.ACTIVATED, col(Visit.day) <= day, col(Visit.voided_at).is_(None))
    )
    gap = select(Visit.id).where(
        col(Visit.day) < day,
        ~exists().where(col(DayClose.day) == col(Visit.day), col(DayClose.status) == "closed"),
    )
    if anchor is not None:
        counted = counted.where(col(Visit.day) > anchor)
        gap = gap.where(col(Visit.day) > anchor)
    cum = base + int(s.exec(counted).one())
    prefix = s.exec(gap.limit(1)).first() is None
    return cum, prefix


def status(ctx: Context, day: date) -> DayStatus:
    with ctx.db.read() as s:
        dc = s.get(DayClose, day)
        if dc is None:
            return DayStatus(day, "open")
        names = {
            o.id: o.username
            for o in s.exec(
                select(Officer).where(
                    col(Officer.id).in_([i for i in (dc.closed_by, dc.reopened_by) if i])
                )
            ).all()
        }
        try:
            totals = json.loads(dc.totals or "{}").get("report")
        except ValueError:
            totals = None
        return DayStatus(
            day,
            dc.status,
            dc.closed_at,
            names.get(dc.closed_by or -1),
            dc.backup_path,
            dc.reopened_at,
            names.get(dc.reopened_by or -1),
            dc.reopen_reason,
            totals,
        )


def close_day(
    ctx: Context,
    day: date,
    supervisor: Officer,
    *,
    backup: bool = True,
    close_open_as: tuple[str, str] | None = None,
) -> CloseResult:
    """Lock ``day``, store its totals, then write a verified backup (SQLite).

    A day with visits still open (an officer left one, or is serving one) is refused with
    ``unfinished``, the error carrying those visits (:attr:`DayCloseError.open_visits`).
    ``close_open_as=(outcome, reason)`` is the one-step answer: in the same transaction each
    open visit is first ended by this supervisor as abandoned (``visits.close_abandoned``'s
    rule: PENDING/FAILED/DECLINED, a protocol reason, ``interrupted`` by default), audited."""
    _require_supervisor(supervisor)
    if close_open_as is not None:
        visits.check_abandoned(ctx, supervisor, *close_open_as)
    with ctx.db.write() as s:  # holds the write lock: no visit can start or finish meanwhile
        dc = s.get(DayClose, day)
        if dc is not None and dc.status == "closed":
            raise DayCloseError("already_closed", day=day.isoformat())
        if close_open_as is not None:
            visits.close_open_visits(s, ctx, supervisor, day, *close_open_as)
        open_n = int(
            s.exec(
                select(func.count())
                .select_from(Visit)
                .where(Visit.day == day, col(Visit.ended_at).is_(None))
            ).one()
        )
        if open_n:
            raise DayCloseError(
                "unfinished",
                day=day.isoformat(),
                count=open_n,
                visits=visits.open_visits_in(s, ctx, day),
            )
        report = summary(ctx, day, use_cache=False)  # we hold the write lock
        cum, prefix = _cumulative(s, day)
        totals = json.dumps(
            {"report": report.to_json(), "cum_activated": cum, "prefix_closed": prefix},
            ensure_ascii=False,
        )
        now = ctx.now()
        if dc is None:
            dc = DayClose(day=day)
            s.add(dc)
        dc.status, dc.closed_at, dc.closed_by, dc.totals = "closed", now, supervisor.id, totals
        dc.backup_path = ""
        audit.record(
            s,
            ctx,
            "day_closed",
            supervisor,
            target=day.isoformat(),
            visits=report.visits,
            outcomes=report.outcomes,
        )
    retention.run_at_close(ctx, supervisor)  # expired phone numbers, old backups (audited)
    result = CloseResult(day, report, None, postgres=ctx.db.kind != "sqlite")
    if backup and ctx.db.kind == "sqlite":
        from counter.services.backup import BackupError
        from counter.services.backup import backup as do_backup

        try:
            b = do_backup(ctx, label=day.isoformat())
        except BackupError as e:
            audit.log(ctx, "backup_failed", supervisor, target=day.isoformat(), code=e.code)
            return CloseResult(day, report, None, backup_error=e.message(ctx.settings.lang))
        with ctx.db.write() as s:
            row = s.get(DayClose, day)
            if row is not None:
                row.backup_path = str(b.path)
            audit.record(s, ctx, "backup", supervisor, target=str(b.path), size=b.size)
        result = CloseResult(day, report, b.path)
    return result


def reopen_day(ctx: Context, day: date, supervisor: Officer, reason: str) -> None:
    """Unlock a closed day; the reason is mandatory and audited."""
    _require_supervisor(supervisor)
    if not reason or not reason.strip():
        raise DayCloseError("reason_required")
    with ctx.db.write() as s:
        dc = s.get(DayClose, day)
        if dc is None or dc.status != "closed":
            raise DayCloseError("not_closed", day=day.isoformat())
        dc.status = "reopened"
        dc.reopened_at = ctx.now()
        dc.reopened_by = supervisor.id
        dc.reopen_reason = reason.strip()
        # later closed days counted this day as closed: their cumulative counts are now stale
        for later in s.exec(
            select(DayClose).where(col(DayClose.day) > day, DayClose.status == "closed")
        ).all():
            try:
                t = json.loads(later.totals or "{}")
            except ValueError:
                t = {}
            if t.get("prefix_closed"):
                t["prefix_closed"] = False
                later.totals = json.dumps(t, ensure_ascii=False)
        audit.record(
            s, ctx, "day_reopened", supervisor, target=day.isoformat(), reason=reason.strip()
        )
