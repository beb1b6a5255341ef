"""The route an export takes, chosen in ONE place from its inputs.

Three choices, each a trade of speed against simplicity, all giving the same file and batch:

* the writer: ``csv_plain`` (the reference, plain), ``csv_fast`` (the same loop inlined),
  ``csv_sql`` (SQLite computes the cells; needs a zone with a fixed offset over the days),
  ``xlsx``;
* one or two phases: two-phase reads a snapshot into a temporary file, then records the batch
  in a short write transaction (checking no other export came between); one-phase (CSV on
  SQLite, at most LOCKED_MAX_ROWS visits) takes the write lock first, so the snapshot is what
  the batch sees, and records the items in parallel;
* the items route: from the side file the writer fills (plain), one checked INSERT .. SELECT
  (PostgreSQL), or that INSERT .. SELECT in a second thread (one-phase).

``plan(request, facts)`` is a pure function: tests call it to check the choice, and ``run`` takes
any valid plan (``Plan.check``), which is how the equal-result tests run every route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum

from sqlalchemy import func, select
from sqlmodel import col

from counter.services.context import Context
from counter.services.export.cells import as_date
from counter.services.export.contract import Request
from counter.services.export.csv_sql import TimeWindow, time_window
from counter.store.models import Visit

# Exports of at most this many visits (CSV on SQLite) hold the write lock while the file is
# written (the one-phase route); ~1 s at 100,000 rows, well inside the 10 s busy timeout that
# the counters wait. Larger ones take the two-phase route, which holds it only to record the
# batch.
LOCKED_MAX_ROWS = 250_000


class Writer(StrEnum):
    CSV_PLAIN = "csv_plain"
    CSV_FAST = "csv_fast"
    CSV_SQL = "csv_sql"
    XLSX = "xlsx"


class Items(StrEnum):
    SIDE_FILE = "side_file"  # read back from the writer's side file
    CHECKED_SQL = "checked_sql"  # INSERT .. SELECT, checked; the side file if the check fails
    PARALLEL_SQL = "parallel_sql"  # INSERT .. SELECT in a second thread (one-phase only)


@dataclass(frozen=True)
class Facts:
    """What the choice depends on besides the request: the database, the zone, an upper bound
    of the rows, and the days the rows can be on (see ``survey``)."""

    db_kind: str
    tz: tzinfo
    rows: int
    first_day: date | None
    last_day: date | None


@dataclass(frozen=True)
class Plan:
    writer: Writer
    one_phase: bool
    items: Items
    window: TimeWindow | None = None  # csv_sql: where its fixed offset holds

    def check(self, req: Request, db_kind: str) -> None:
        """ValueError when this plan cannot run the request on this database."""
        wants_xlsx = req.fmt == "xlsx"
        problems = [
            (self.writer is Writer.XLSX) != wants_xlsx and "writer does not match the format",
            self.writer is Writer.CSV_SQL and db_kind != "sqlite" and "csv_sql needs SQLite",
            self.writer is Writer.CSV_SQL and self.window is None and "csv_sql needs a window",
            self.one_phase != (self.items is Items.PARALLEL_SQL)
            and "parallel items go with one phase, and only they",
            self.one_phase and db_kind != "sqlite" and "one phase needs SQLite",
            self.one_phase and wants_xlsx and "one phase is for CSV",
        ]
        wrong = [p for p in problems if p]
        if wrong:
            raise ValueError(f"export plan {self}: {'; '.join(wrong)}")


def survey(ctx: Context, req: Request) -> Facts:
    """The facts ``plan`` needs, in one read: an upper bound of the rows (the visits of the
    range, all visits for since-last, counted on the day index alone) and their days."""
    with ctx.db.read() as s:
        if req.mode == "since_last":
            n, lo, hi = s.execute(
                select(func.count(), func.min(Visit.day), func.max(Visit.day)).select_from(Visit)
            ).one()
            first = as_date(lo) if lo is not None else None
            last = as_date(hi) if hi is not None else None
        else:
            n = s.execute(
                select(func.count())
                .select_from(Visit)
                .where(col(Visit.day) >= req.date_from, col(Visit.day) <= req.date_to)
            ).scalar()
            first, last = req.date_from, req.date_to
    return Facts(ctx.db.kind, ctx.tz, int(n or 0), first, last)


def plan(req: Request, facts: Facts, *, fast: bool = True) -> Plan:
    """The route for ``req``; ``fast=False`` gives the plain reference route (plain writer,
    two phases, items from the side file)."""
    sqlite = facts.db_kind == "sqlite"
    sql_items = Items.SIDE_FILE if sqlite else Items.CHECKED_SQL
    if req.fmt == "xlsx":
        return Plan(Writer.XLSX, one_phase=False, items=sql_items)
    if not fast:
        return Plan(Writer.CSV_PLAIN, one_phase=False, items=Items.SIDE_FILE)
    window = time_window(facts.tz, facts.first_day, facts.last_day) if sqlite else None
    writer = Writer.CSV_SQL if window is not None else Writer.CSV_FAST
    if sqlite and facts.rows <= LOCKED_MAX_ROWS:
        return Plan(writer, one_phase=True, items=Items.PARALLEL_SQL, window=window)
    return Plan(writer, one_phase=False, items=sql_items, window=window)
