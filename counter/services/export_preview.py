"""What an export would write, said before it is written (the TUI export dialog's summary), and
the export folder each supervisor last chose on this machine.

The counts follow the export contract (README, "Export to the central sheet") and the day
report (``services.report.summary``) so that the dialog agrees with both:

* ``visits``: the visits of the range the dashboard tiles count (a voided visit is counted
  nowhere), finished or not;
* ``open``: of those, the ones not finished yet (no outcome: the tiles' "unfinished");
* ``rows``: what ``export.export_visits`` writes: finished visits of the range (date/range), or
  the finished visits whose current revision is in no batch yet (since-last, including the VOID
  row of a visit voided after it went out).

For a date range ``rows == visits - open``. A test checks ``rows`` against the rows the export
really writes, so the two selections cannot drift apart unnoticed.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlmodel import col

from counter.services import settings_store
from counter.services.context import Context
from counter.services.export.cells import as_date
from counter.services.export.contract import request
from counter.services.export.selection import filters
from counter.store.models import ExportBatch, Officer, Visit

FOLDER_KEY = "export_dialog.folder"
FORMAT_KEY = "export_dialog.format"


@dataclass(frozen=True)
class Preview:
    mode: str
    date_from: date | None  # the range asked (None for since-last)
    date_to: date | None
    visits: int  # the dashboard's count for the range (0 for since-last: no range)
    open: int  # visits not finished (in the range; since-last: on any day)
    rows: int  # rows the export writes
    first_day: date | None  # the days of those rows
    last_day: date | None
    last_export_at: datetime | None  # the newest recorded batch (None: never exported)
    last_export_rows: int = 0


def preview(
    ctx: Context, mode: str, date_from: date | None = None, date_to: date | None = None
) -> Preview:
    """The summary of an export of ``mode`` (``date``, ``range``, ``since_last``), in one read."""
    not_voided = col(Visit.voided_at).is_(None)
    unfinished = col(Visit.outcome).is_(None)
    with ctx.db.read() as s:
        last = s.execute(
            select(col(ExportBatch.created_at), col(ExportBatch.rows))
            .order_by(col(ExportBatch.id).desc())
            .limit(1)
        ).first()
        if mode == "since_last":
            date_from = date_to = None
            visits = 0
            open_ = int(
                s.execute(
                    select(func.count()).select_from(Visit).where(not_voided, unfinished)
                ).scalar()
                or 0
            )
        else:
            if date_from is None:
                raise ValueError("date_from")
            date_to = date_to or date_from
            in_range = and_(col(Visit.day) >= date_from, col(Visit.day) <= date_to, not_voided)
            visits, open_ = s.execute(
                select(func.count(), func.count().filter(unfinished))
                .select_from(Visit)
                .where(in_range)
            ).one()
            visits, open_ = int(visits), int(open_ or 0)
        # the rows the export will write: its own selection, not a copy of it
        where = filters(request(mode, date_from, date_to))
        rows, first, last_day = s.execute(
            select(func.count(), func.min(Visit.day), func.max(Visit.day))
            .select_from(Visit)
            .where(*where)
        ).one()
    return Preview(
        mode=mode,
        date_from=date_from,
        date_to=date_to,
        visits=visits,
        open=open_,
        rows=int(rows),
        first_day=as_date(first) if first is not None else None,
        last_day=as_date(last_day) if last_day is not None else None,
        last_export_at=ctx.local(last[0]) if last else None,
        last_export_rows=int(last[1]) if last else 0,
    )


def _key(base: str, officer: Officer) -> str:
    """One setting per machine and supervisor: a folder is a path on this computer. The key is
    hashed to fit the settings table's 60 characters whatever the host name."""
    who = hashlib.sha256(f"{socket.gethostname()}\0{officer.username}".encode()).hexdigest()
    return f"{base}.{who[:20]}"


def remembered_folder(ctx: Context, officer: Officer) -> Path:
    """The folder this supervisor exported to last on this machine, else the exports folder."""
    value = settings_store.get(ctx, _key(FOLDER_KEY, officer))
    return Path(value) if value else ctx.settings.exports_dir


def remembered_format(ctx: Context, officer: Officer) -> str:
    value = settings_store.get(ctx, _key(FORMAT_KEY, officer))
    return value if value in ("xlsx", "csv") else "xlsx"


def remember(ctx: Context, officer: Officer, folder: Path, fmt: str) -> None:
    """Keep the folder and format of a written export for the next time."""
    settings_store.put(ctx, _key(FOLDER_KEY, officer), str(folder))
    settings_store.put(ctx, _key(FORMAT_KEY, officer), fmt)


__all__ = ["Preview", "preview", "remember", "remembered_folder", "remembered_format"]
