"""Which visits an export holds, as SQL: the selection, its row query, its items, and a raw
cursor that streams the rows.

A row of ``visits_query`` is a plain tuple in the order of ``VisitRow``'s fields.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import case, exists, false, func, insert, literal, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from counter.domain import visit as vm
from counter.services.export.contract import CHUNK, Request
from counter.store.models import ExportItem, Officer, Visit


class VisitRow(NamedTuple):
    """One row of visits_query, as the database driver returns it (SQLite: dates and times as
    ISO text, UTC; PostgreSQL: date and aware datetime objects)."""

    id: str
    office_code: str | None
    counter_id: str | None
    officer: str | None
    day: Any
    started_at: Any
    ended_at: Any
    nik: str | None
    district_code: str
    in_batang: Any
    ikd_status: str | None
    outcome: str | None
    reason: str | None
    handling_seconds: int | None
    note: str | None
    phone: str | None
    consent_contact: Any
    revision: int
    correction: Any


def correction_expr() -> Any:
    """The visit went out before at an older revision (the central sheet holds a stale row)."""
    # Most visits were never changed (revision 0): CASE skips the subquery for them (with AND,
    # SQLite still ran it for every row: 3x slower fetch over 100k visits).
    return case(
        (
            col(Visit.revision) > 0,
            exists()
            .where(
                col(ExportItem.visit_id) == col(Visit.id),
                col(ExportItem.revision) < col(Visit.revision),
            )
            .correlate(Visit),
        ),
        else_=false(),
    )


def filters(req: Request) -> list[Any]:
    """The WHERE clauses of the request's selection."""
    where: list[Any] = [col(Visit.ended_at).is_not(None), col(Visit.outcome).is_not(None)]
    voided = col(Visit.voided_at).is_not(None)
    if req.mode == "since_last":
        where.append(
            ~exists().where(
                col(ExportItem.visit_id) == col(Visit.id),
                col(ExportItem.revision) == col(Visit.revision),
            )
        )
        # a voided visit goes once more, as VOID, only if the central sheet already has it
        where.append(or_(~voided, exists().where(col(ExportItem.visit_id) == col(Visit.id))))
    else:
        where += [col(Visit.day) >= req.date_from, col(Visit.day) <= req.date_to, ~voided]
    return where


def outcome_expr() -> Any:
    """The outcome column: VOID for a voided visit (see the export contract in the README)."""
    return case((col(Visit.voided_at).is_not(None), literal(vm.VOID)), else_=Visit.outcome)


def visits_query(req: Request) -> Any:
    """The rows to export (VisitRow), by day, start time and visit id."""
    cols: tuple[Any, ...] = (
        Visit.id,
        Visit.office_code,
        Visit.counter_id,
        Officer.username,
        Visit.day,
        Visit.started_at,
        Visit.ended_at,
        Visit.nik,
        Visit.district_code,
        Visit.in_batang,
        Visit.ikd_status_found,
        outcome_expr(),
        Visit.reason,
        Visit.handling_seconds,
        Visit.note,
        Visit.phone,
        Visit.consent_contact,
        Visit.revision,
        correction_expr(),
    )
    return ordered(select(*cols), req)


def ordered(q: Any, req: Request) -> Any:
    """A SELECT over visits (officer joined) restricted to the selection, in file order."""
    return (
        q.join(Officer, Officer.id == Visit.officer_id, isouter=True)
        .where(*filters(req))
        .order_by(Visit.day, Visit.started_at, Visit.id)
    )


def items_insert(batch_id: int, req: Request) -> Any:
    """INSERT .. SELECT of a batch's items: the export's selection, in visit id order."""
    q = (
        select(literal(batch_id), col(Visit.id), col(Visit.revision), correction_expr())
        .where(*filters(req))
        .order_by(Visit.id)
    )
    return insert(ExportItem).from_select(["batch_id", "visit_id", "revision", "correction"], q)


def items_fingerprint(batch_id: int) -> Any:
    """Count and sum of revisions of a batch's items, to check them against the rows written."""
    return select(func.count(), func.coalesce(func.sum(ExportItem.revision), 0)).where(
        col(ExportItem.batch_id) == batch_id
    )


def sqlite_sql(q: Any, conn: Connection) -> tuple[str, tuple[Any, ...]]:
    """A query compiled for the raw sqlite3 cursor: its SQL and positional parameters (dates
    as the ISO text SQLite stores)."""
    compiled = q.compile(dialect=conn.dialect)
    return str(compiled), tuple(
        v.isoformat() if isinstance(v, date) else v
        for v in (compiled.params[n] for n in compiled.positiontup or [])
    )


def stream(conn: Connection, q: Any, kind: str) -> Generator[tuple[Any, ...], None, None]:
    """Plain DB-API tuples, CHUNK at a time, never all of them in memory.

    The compiled query runs on the session's own DB-API connection (same transaction, same
    snapshot) to skip SQLAlchemy's per-row work: a named (server-side) cursor on PostgreSQL,
    SQLite's cursor, which steps through the result lazily. Close the generator while the
    connection is still the caller's.
    """
    compiled = q.compile(dialect=conn.dialect)
    raw: Any = conn.connection.dbapi_connection  # sqlite3 or psycopg: typed loosely
    assert raw is not None
    if kind == "postgresql":
        cur = raw.cursor(name="ikd_export")
        cur.itersize = CHUNK
        cur.execute(str(compiled), compiled.params)
    else:
        cur = raw.cursor()
        cur.execute(*sqlite_sql(q, conn))
    try:
        while True:
            part = cur.fetchmany(CHUNK)
            if not part:
                break
            yield from part
    finally:
        try:
            cur.close()
        except Exception:
            pass
