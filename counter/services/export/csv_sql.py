"""SQLite fast path of the CSV: the cells computed by SQLite, written in chunks.

Only for SQLite and a zone whose UTC offset is fixed over the exported days (Asia/Jakarta:
always); plan.py decides. The cells are those of csv_plain.cells(): the same neutralising rule
(neutralise_sql, generated from injection.DANGER), the same local times (the UTC text shifted
by the fixed offset), the same district names (a CASE over the region table). Times outside
the window the offset was checked on come back NULL and are converted in Python.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import itemgetter
from typing import IO, Any

from sqlalchemy import String, and_, case, func, literal, null, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from counter.domain.regions import district_name
from counter.services.export.cells import Converter
from counter.services.export.contract import CHUNK, Request, headers
from counter.services.export.csv_plain import close_csv, open_csv
from counter.services.export.injection import (
    DANGER,
    neutralise,
    neutralise_phone_sql,
    neutralise_sql,
)
from counter.services.export.items import Discard
from counter.services.export.selection import correction_expr, ordered, outcome_expr, sqlite_sql
from counter.store.models import Officer, Visit


@dataclass(frozen=True)
class TimeWindow:
    """UTC bounds that surely hold the exported visits' times, and the zone's offset, fixed
    over them."""

    lo: datetime
    hi: datetime
    offset: timedelta


def fixed_offset(tz: tzinfo, lo: datetime, hi: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same at every UTC hour of [lo, hi] (the same
    whole-hour assumption as Converter.offset's cache), else None."""
    first = lo.astimezone(tz).utcoffset()
    t, step = lo + timedelta(hours=1), timedelta(hours=1)
    while t <= hi:
        if t.astimezone(tz).utcoffset() != first:
            return None
        t += step
    return first


def time_window(tz: tzinfo, first_day: date | None, last_day: date | None) -> TimeWindow | None:
    """The window of the days [first_day, last_day] (two days of margin before, three after)
    if the zone's offset is fixed over it; None when the SQL path cannot be used."""
    if first_day is None or last_day is None:
        return None
    lo = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC) - timedelta(days=2)
    hi = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC) + timedelta(days=3)
    offset = fixed_offset(tz, lo, hi)
    return TimeWindow(lo, hi, offset) if offset is not None else None


def district_case() -> Any:
    """SQL equivalent of ``district_name(code) or ""``."""
    from counter.domain.regions import _table

    names: dict[str, str] = {}
    for key in _table():
        code = key.replace(".", "")
        name = district_name(code) if len(code) == 6 else None
        if name:
            names[code] = name
    if not names:
        return literal("")
    return case(names, value=col(Visit.district_code), else_=literal(""))


def _shifted_time(offset: timedelta) -> Any:
    """SQL turning a stored UTC text into local ``HH:MM:SS`` (whole seconds, as
    Converter.local)."""
    secs = int(offset.total_seconds())
    if secs % 3600 == 0:
        # whole hours (WIB, WITA, WIT): the hour looked up in a 24-entry string, minutes and
        # seconds copied; a quarter cheaper than SQLite's time() over 100,000 rows
        lut = literal("".join(f"{(h + secs // 3600) % 24:02d}" for h in range(24)), String())

        def shifted(c: Any) -> Any:
            return func.substr(lut, func.substr(c, 12, 2) * 2 + 1, 2).op("||")(
                func.substr(c, 14, 6)
            )

        return shifted
    mod = f"{secs:+d} seconds"

    def by_time(c: Any) -> Any:
        return func.time(func.substr(c, 1, 19), mod)

    return by_time


def query(req: Request, conv: Converter, window: TimeWindow) -> Any:
    """The exact CSV cells of the request's rows, in file order (see the module's docstring)."""
    # the stored UTC text is compared as text (typed String: no datetime bind processing)
    lo_s = literal(window.lo.strftime("%Y-%m-%d %H:%M:%S"), String())
    hi_s = literal(window.hi.strftime("%Y-%m-%d %H:%M:%S"), String())
    shifted = _shifted_time(window.offset)

    def hms(c: Any) -> Any:
        return case((and_(c >= lo_s, c < hi_s), shifted(c)), else_=null())

    yes, no = literal(conv.yes), literal(conv.no)
    cols: tuple[Any, ...] = (
        Visit.id,
        neutralise_sql(Visit.office_code),
        neutralise_sql(Visit.counter_id),
        neutralise_sql(Officer.username),
        Visit.day,
        hms(Visit.started_at),
        hms(Visit.ended_at),
        neutralise_sql(Visit.nik),
        district_case(),
        case((col(Visit.in_batang), yes), else_=no),
        neutralise_sql(Visit.ikd_status_found),
        neutralise_sql(outcome_expr()),
        neutralise_sql(Visit.reason),
        Visit.handling_seconds,
        neutralise_sql(Visit.note),
        case(
            (
                and_(col(Visit.consent_contact), col(Visit.phone) != ""),
                neutralise_phone_sql(Visit.phone),
            ),
            else_=literal(""),
        ),
        case((correction_expr(), yes), else_=no),
        Visit.revision,
    )
    return ordered(select(*cols), req)


_VID, _DAY, _START, _END, _OUTCOME, _CORR, _REV = 0, 4, 5, 6, 11, 16, 17


def write(
    fh: IO[bytes],
    conn: Connection,
    q: Any,
    conv: Converter,
    side: IO[str] | Discard,
    delimiter: str,
) -> None:
    """The CSV writer for rows whose cells come ready from ``query``: chunks go straight to
    writerows; the recap, the fingerprint and the side file are built per chunk with C-level
    map/Counter calls. Same bytes as csv_plain.write. The side file holds one line per chunk
    (items comma-separated, JSON true/false), which only the SQLite item path reads."""
    tw, w = open_csv(fh, delimiter)
    w.writerow(headers())
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    cur.execute(*sqlite_sql(q, conn))
    g_vid, g_start, g_end = itemgetter(_VID), itemgetter(_START), itemgetter(_END)
    g_corr, g_rev = itemgetter(_CORR), itemgetter(_REV)
    g_day_outcome = itemgetter(_DAY, _OUTCOME)
    yes, index, dumps = conv.yes, conv.index, json.dumps
    writerows, side_write = w.writerows, side.write
    rev_sum, corrections = 0, 0
    record_items = not isinstance(side, Discard)
    try:
        while part := cur.fetchmany(CHUNK):
            if None in map(g_start, part) or None in map(g_end, part):
                part = [
                    _fix_times(conn, r, conv) if r[_START] is None or r[_END] is None else r
                    for r in part
                ]
            if set(map(_first, map(g_vid, part))) & DANGER:  # ids are UUIDs: never, unless
                writerows((neutralise(r[0]), *r[1:]) for r in part)  # the database was edited
            else:
                writerows(part)
            rev_sum += sum(map(g_rev, part))
            flags = list(map(yes.__eq__, map(g_corr, part)))
            corrections += flags.count(True)
            if record_items:
                side_write(
                    dumps(
                        list(zip(map(g_vid, part), map(g_rev, part), flags)), separators=(",", ":")
                    )[1:-1]
                    + "\n"
                )
            for (day, outcome), n in Counter(map(g_day_outcome, part)).items():
                counts = conv.day_counts(day)
                counts[index.get(outcome, -2)] += n
                counts[-1] += n
    finally:
        cur.close()
    conv.rev_sum = rev_sum
    conv.corrections += corrections
    close_csv(tw)


def _first(text: str) -> str:
    return text[:1]


def _fix_times(conn: Connection, row: tuple[Any, ...], conv: Converter) -> tuple[Any, ...]:
    """Start/end time of a row outside the query's window, converted as csv_plain does."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()  # raw stored values, as csv_plain gets them
    try:
        started, ended = cur.execute(
            "SELECT started_at, ended_at FROM visit WHERE id = ?", (row[_VID],)
        ).fetchone()
    finally:
        cur.close()
    return (*row[:_START], conv.time_text(started), conv.time_text(ended), *row[_END + 1 :])
