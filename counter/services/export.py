"""Export of visits to the district's central sheet (XLSX or CSV), as recorded batches.

The contract (columns, formats, batches) is documented in the README ("Export to the central sheet"). In short:

* One row per finished visit, fixed columns with Indonesian headers, ordered by day, start time
  and visit id, so exporting the same date range twice gives the same rows in the same order.
* XLSX: NIK and phone are text cells (number format ``@``), date and times are real date/time
  cells; a second sheet holds the recap per outcome per day. CSV: UTF-8 with BOM, ``;`` or ``,``,
  RFC 4180 quoting, the recap in a second file ``NAME-rekap.csv``.
* Free-text cells that start with ``= + - @``, tab or CR get a leading single quote (OWASP CSV
  injection); NIK and phone are validated digits and stay as they are.
* Every export is an ``ExportBatch`` with one ``ExportItem`` per row (visit id, revision,
  correction flag). ``since_last`` exports exactly the finished visits whose current revision is
  in no batch yet; a visit corrected after it was exported goes again, flagged as a correction.

How it stays correct and light:

1. Phase 1 runs in ONE read transaction (a consistent snapshot; no write lock, so the counters
   keep working): rows are streamed from the database (server-side cursor on PostgreSQL, SQLite's
   lazy cursor) straight into a temporary file next to the target, and the (visit id, revision,
   correction) of every row goes to an anonymous temporary side file. Nothing grows with the row
   count in memory.
2. The file is flushed and fsynced.
3. Phase 2 is ONE write transaction: it checks no other export was recorded since the snapshot,
   inserts the batch and its items (read back from the side file in chunks), writes the audit
   event, and renames the temporary file onto its final name just before the commit. Any failure
   rolls the transaction back and removes the temporary file: no file, no batch.

CSV on SQLite with at most LOCKED_MAX_ROWS visits in range (see _export_locked) turns this
around: the write transaction comes first, the file is streamed from a snapshot that then equals
what it sees, and the items are recorded in a second thread meanwhile (one INSERT .. SELECT that
SQLite runs without the GIL), checked against the file before the commit.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlmodel import col

from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.domain.regions import district_name
from counter.errors import UserError
from counter.services import audit
from counter.services.context import Context
from counter.store.files import private_dir
from counter.store.models import ExportBatch, ExportItem, Officer, Visit

MODES = ("date", "range", "since_last")
FORMATS = ("xlsx", "csv")
DELIMITERS = (";", ",")

# Column keys in file order. Headers come from the Indonesian catalog (export.col.*) whatever the
# UI language: they are a data contract with the central sheet, not UI text.
COLUMNS = (
    "visit_id",
    "office_code",
    "counter",
    "officer",
    "date",
    "start",
    "end",
    "nik",
    "district",
    "in_batang",
    "ikd_status",
    "outcome",
    "reason",
    "handling_seconds",
    "note",
    "phone",
    "correction",
    "revision",
)
RECAP_COLUMNS = ("date", *oc.OUTCOMES, "total")

SHEET_VISITS = "Kunjungan"
SHEET_RECAP = "Rekap"
CHUNK = 500
_DANGER = frozenset("=+-@\t\r")
BOM = b"\xef\xbb\xbf"


class ExportError(UserError, RuntimeError):
    """A user-facing export problem; ``code`` selects the message (export.error.<code>)."""

    prefix = "export.error"


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None when since_last found nothing new (no file, no batch)
    rows: int
    batch_id: int | None
    sha256: str
    recap_path: Path | None  # CSV only: the second file with the recap
    corrections: int = 0
    mode: str = "date"
    fmt: str = "xlsx"
    date_from: date | None = None
    date_to: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "rows": self.rows,
            "batch_id": self.batch_id,
            "sha256": self.sha256,
            "recap_path": str(self.recap_path) if self.recap_path else None,
            "corrections": self.corrections,
            "mode": self.mode,
            "format": self.fmt,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


@dataclass(frozen=True)
class BatchView:
    id: int
    created_at: datetime
    officer_id: int | None
    mode: str
    date_from: date | None
    date_to: date | None
    format: str
    rows: int
    file_path: str
    sha256: str


def neutralise(value: str | None) -> str | None:
    """OWASP CSV injection: a text starting with = + - @ tab or CR gets a leading quote."""
    if value and value[0] in _DANGER:
        return "'" + value
    return value


def neutralise_phone(value: str | None) -> str | None:
    """A phone number keeps its leading + (``+6281...``); anything else is neutralised."""
    if (
        value
        and value[0] in _DANGER
        and not (value[0] == "+" and value[1:].isdigit() and value[1:].isascii())
    ):
        return "'" + value
    return value


def headers() -> list[str]:
    from counter.i18n import catalog

    t = catalog("id")
    return [t(f"export.col.{k}") for k in COLUMNS]


def recap_headers() -> list[str]:
    from counter.i18n import catalog

    t = catalog("id")
    return [t("export.col.date"), *oc.OUTCOMES, t("export.recap.total")]


# --------------------------------------------------------------------------------------------
# Selection


def _correction_expr() -> Any:
    """The visit went out before at an older revision (the central sheet holds a stale row)."""
    # Most visits were never changed (revision 0): CASE skips the subquery for them (with AND,
    # SQLite still ran it for every row: 3x slower fetch over 100k visits).
    return case(
        (
            Visit.revision > 0,
            exists()
            .where(ExportItem.visit_id == Visit.id, ExportItem.revision < Visit.revision)
            .correlate(Visit),
        ),
        else_=false(),
    )


def _filters(mode: str, date_from: date | None, date_to: date | None) -> list[Any]:
    where = [col(Visit.ended_at).is_not(None), col(Visit.outcome).is_not(None)]
    voided = col(Visit.voided_at).is_not(None)
    if mode == "since_last":
        where.append(
            ~exists().where(ExportItem.visit_id == Visit.id, ExportItem.revision == Visit.revision)
        )
        # a voided visit goes once more, as VOID, only if the central sheet already has it
        where.append(or_(~voided, exists().where(ExportItem.visit_id == Visit.id)))
    else:
        where += [Visit.day >= date_from, Visit.day <= date_to, ~voided]
    return where


def _outcome_expr() -> Any:
    """The outcome column: VOID for a voided visit (see the export contract in the README)."""
    return case((col(Visit.voided_at).is_not(None), literal(vm.VOID)), else_=Visit.outcome)


def _query(mode: str, date_from: date | None, date_to: date | None) -> Any:
    cols = (
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
        _outcome_expr(),
        Visit.reason,
        Visit.handling_seconds,
        Visit.note,
        Visit.phone,
        Visit.consent_contact,
        Visit.revision,
        _correction_expr(),
    )
    return (
        select(*cols)
        .join(Officer, Officer.id == Visit.officer_id, isouter=True)
        .where(*_filters(mode, date_from, date_to))
        .order_by(Visit.day, Visit.started_at, Visit.id)
    )


def _sqlite_sql(q: Any, conn: Connection) -> tuple[str, tuple[Any, ...]]:
    """A query compiled for the raw sqlite3 cursor: its SQL and positional parameters (dates
    as the ISO text SQLite stores)."""
    compiled = q.compile(dialect=conn.dialect)
    return str(compiled), tuple(
        v.isoformat() if isinstance(v, date) else v
        for v in (compiled.params[n] for n in compiled.positiontup or [])
    )


def _items_insert(batch_id: int, mode: str, date_from: date | None, date_to: date | None) -> Any:
    """INSERT .. SELECT of a batch's items: the export's selection, in visit id order."""
    q = (
        select(literal(batch_id), Visit.id, Visit.revision, _correction_expr())
        .where(*_filters(mode, date_from, date_to))
        .order_by(Visit.id)
    )
    return insert(ExportItem).from_select(["batch_id", "visit_id", "revision", "correction"], q)


def _items_fingerprint(batch_id: int) -> Any:
    """Count and sum of revisions of a batch's items, to check them against the rows written."""
    return select(func.count(), func.coalesce(func.sum(ExportItem.revision), 0)).where(
        ExportItem.batch_id == batch_id
    )


def _stream(conn: Connection, q: Any, kind: str) -> Generator[tuple[Any, ...], None, None]:
    """Plain DB-API tuples, CHUNK at a time, never all of them in memory.

    The compiled query runs on the session's own DB-API connection (same transaction, same
    snapshot) to skip SQLAlchemy's per-row work: a named (server-side) cursor on PostgreSQL,
    SQLite's cursor, which steps through the result lazily.
    """
    compiled = q.compile(dialect=conn.dialect)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if kind == "postgresql":
        cur = raw.cursor(name="ikd_export")
        cur.itersize = CHUNK
        cur.execute(str(compiled), compiled.params)
    else:
        cur = raw.cursor()
        cur.execute(*_sqlite_sql(q, conn))
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


# --------------------------------------------------------------------------------------------
# Row conversion


class _Conv:
    """Turns a raw database row into cell values; caches what repeats (districts)."""

    def __init__(self, ctx: Context) -> None:
        from counter.i18n import catalog

        t = catalog("id")
        self.tz = ctx.tz
        self.yes, self.no = t("export.value.yes"), t("export.value.no")
        self._districts: dict[str, str] = {}
        self._offsets: dict[str, Any] = {}
        self.recap: dict[Any, list[int]] = {}
        self.corrections = 0
        self.rev_sum = 0  # sum of the exported revisions: with the row count, a fingerprint
        self.first_day: Any = None
        self.last_day: Any = None
        self.index = {o: i for i, o in enumerate(oc.OUTCOMES)}

    def district(self, code: str) -> str:
        name = self._districts.get(code)
        if name is None:
            name = self._districts[code] = district_name(code) or ""
        return name

    def local(self, raw: Any) -> datetime | None:
        """Local wall time (naive, whole seconds) of a stored UTC timestamp."""
        if raw is None:
            return None
        if isinstance(raw, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
            return datetime.fromisoformat(raw[:19]) + (
                self._offsets.get(raw[:13]) or self.offset(raw)
            )
        return raw.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def offset(self, raw: str) -> timedelta:
        """The zone's UTC offset at a stored UTC time; cached per UTC hour (DST changes on
        whole hours), the cache kept small."""
        key = raw[:13]
        off = self._offsets.get(key)
        if off is None:
            if len(self._offsets) > 256:
                self._offsets.clear()
            dt = datetime.fromisoformat(raw[:19]).replace(tzinfo=UTC)
            off = self._offsets[key] = dt.astimezone(self.tz).utcoffset() or timedelta(0)
        return off

    def count(self, day_key: Any, outcome: str | None, correction: bool) -> None:
        if correction:
            self.corrections += 1
        counts = self.day_counts(day_key)
        counts[self.index.get(outcome, -2)] += 1
        counts[-1] += 1

    def day_counts(self, day_key: Any) -> list[int]:
        """The recap counters of a day: one per outcome, a spare for unknown codes, the total."""
        r = self.recap.get(day_key)
        if r is None:
            r = self.recap[day_key] = [0] * (len(oc.OUTCOMES) + 2)
            if self.first_day is None:
                self.first_day = day_key
            self.last_day = day_key
        return r

    @property
    def rows(self) -> int:
        return sum(r[-1] for r in self.recap.values())


def _recap_row(counts: list[int]) -> list[int]:
    """Per-outcome counts and the total (the spare slot of unknown codes only in the total)."""
    return [*counts[: len(oc.OUTCOMES)], counts[-1]]


def _as_date(raw: Any) -> date:
    return date.fromisoformat(raw) if isinstance(raw, str) else raw


# --------------------------------------------------------------------------------------------
# Writers. Each consumes the row stream, writes to an open binary file and a side file of items.


class _Discard:
    """A side file that keeps nothing (the items are recorded by SQL, see _export_locked)."""

    @staticmethod
    def write(_text: str) -> int:
        return 0


@dataclass(frozen=True)
class _SqlCells:
    """A query whose rows are the finished CSV cells (see _csv_query), for _write_csv."""

    conn: Connection
    query: Any

    def close(self) -> None:  # the cursor is _write_csv_sql's own
        pass


def _write_csv(
    fh: IO[bytes], rows: Iterator[Any] | _SqlCells, conv: _Conv, side: IO[str], delimiter: str
) -> None:
    if isinstance(rows, _SqlCells):
        _write_csv_sql(fh, rows.conn, rows.query, conv, side, delimiter)
        return
    fh.write(BOM)  # then plain UTF-8: the "utf-8-sig" encoder is slow Python code per write
    tw = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
    w = csv.writer(tw, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(headers())
    yes, no = conv.yes, conv.no
    local, offsets, offset, fromiso = conv.local, conv._offsets, conv.offset, datetime.fromisoformat
    districts = conv._districts
    danger = _DANGER
    side_write = side.write
    writerow = w.writerow
    # this loop is the hot path: everything is inlined (see neutralise(), _Conv.count())
    day_s, counts, rev_sum = None, None, 0
    for (
        vid,
        office,
        counter,
        officer,
        day,
        started,
        ended,
        nik,
        dcode,
        in_batang,
        status,
        outcome,
        reason,
        secs,
        note,
        phone,
        consent,
        rev,
        corr,
    ) in rows:
        if day != day_s:
            day_s = day if isinstance(day, str) else day.isoformat()
            counts = conv.day_counts(day_s)
        if type(started) is str and type(ended) is str:  # SQLite: naive UTC text
            off = offsets.get(started[:13]) or offset(started)
            s = str(fromiso(started[:19]) + off)[11:]
            off = offsets.get(ended[:13]) or offset(ended)
            e = str(fromiso(ended[:19]) + off)[11:]
        else:
            s = str(local(started))[11:] if started else ""
            e = str(local(ended))[11:] if ended else ""
        dname = districts.get(dcode)
        if dname is None:
            dname = conv.district(dcode)
        writerow(
            (
                "'" + vid if vid and vid[0] in danger else vid,
                "'" + office if office and office[0] in danger else office,
                "'" + counter if counter and counter[0] in danger else counter,
                "'" + officer if officer and officer[0] in danger else officer,
                day_s,
                s,
                e,
                "'" + nik if nik and nik[0] in danger else nik,
                dname,
                yes if in_batang else no,
                "'" + status if status and status[0] in danger else status,
                "'" + outcome if outcome and outcome[0] in danger else outcome,
                "'" + reason if reason and reason[0] in danger else reason,
                secs,
                "'" + note if note and note[0] in danger else note,
                neutralise_phone(phone) if (consent and phone) else "",
                yes if corr else no,
                rev,
            )
        )
        rev_sum += rev
        if '"' in vid or "\\" in vid:  # visit ids are UUIDs; anything else stays valid JSON
            vid = json.dumps(vid)[1:-1]
        if corr:
            side_write(f'["{vid}",{rev},1]\n')
            conv.corrections += 1
        else:
            side_write(f'["{vid}",{rev},0]\n')
        counts[conv.index.get(outcome, -2)] += 1  # type: ignore[index]
        counts[-1] += 1  # type: ignore[index]
    conv.rev_sum = rev_sum
    tw.flush()
    tw.detach()


def _fixed_offset(tz: Any, lo: datetime, hi: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same at every UTC hour of [lo, hi] (the same
    whole-hour assumption as _Conv.offset's cache), else None."""
    first = lo.astimezone(tz).utcoffset()
    t, step = lo + timedelta(hours=1), timedelta(hours=1)
    while t <= hi:
        if t.astimezone(tz).utcoffset() != first:
            return None
        t += step
    return first


def _csv_window(
    conn: Connection, mode: str, date_from: date | None, date_to: date | None
) -> tuple[datetime, datetime] | None:
    """UTC bounds that surely hold the start/end times of the exported visits (rows outside
    them are converted in Python, see _write_csv_sql)."""
    if mode == "since_last":
        lo_d, hi_d = conn.execute(select(func.min(Visit.day), func.max(Visit.day))).one()
        if lo_d is None:
            return None
        date_from, date_to = _as_date(lo_d), _as_date(hi_d)
    assert date_from is not None and date_to is not None
    lo = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC) - timedelta(days=2)
    hi = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=3)
    return lo, hi


def _district_case() -> Any:
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
    return case(names, value=Visit.district_code, else_=literal(""))


def _neutralise_sql(expr: Any) -> Any:
    """SQL equivalent of neutralise(): a leading quote when the first character is dangerous."""
    # unicode() of the first character: one call, compared with integers
    return case(
        (func.unicode(expr).in_([literal(ord(c)) for c in sorted(_DANGER)]), literal("'") + expr),
        else_=expr,
    )


def _neutralise_phone_sql() -> Any:
    """SQL equivalent of neutralise_phone() (SQLite's GLOB: this path is SQLite's)."""
    p = Visit.phone
    plain = and_(
        func.substr(p, 1, 1) == literal("+"),
        func.length(p) > 1,
        func.substr(p, 2).op("NOT GLOB")(literal("*[^0-9]*")),
    )
    return case(
        (
            and_(func.unicode(p).in_([literal(ord(c)) for c in sorted(_DANGER)]), ~plain),
            literal("'") + p,
        ),
        else_=p,
    )


def _csv_query(
    mode: str,
    date_from: date | None,
    date_to: date | None,
    conv: _Conv,
    offset: timedelta,
    lo: datetime,
    hi: datetime,
) -> Any:
    """SQLite, zone with a fixed offset over [lo, hi): the exact CSV cells, computed in SQL.

    Times are the UTC text's first 19 characters (whole seconds, as _Conv.local) shifted by the
    offset; outside [lo, hi) they come back NULL and are converted in Python."""
    mod = f"{int(offset.total_seconds()):+d} seconds"
    # the stored UTC text is compared as text (typed String: no datetime bind processing)
    lo_s = literal(lo.strftime("%Y-%m-%d %H:%M:%S"), String())
    hi_s = literal(hi.strftime("%Y-%m-%d %H:%M:%S"), String())

    secs = int(offset.total_seconds())
    if secs % 3600 == 0:
        # whole hours (WIB, WITA, WIT): the hour looked up in a 24-entry string, minutes and
        # seconds copied; a quarter cheaper than SQLite's time() over 100,000 rows
        lut = literal("".join(f"{(h + secs // 3600) % 24:02d}" for h in range(24)), String())

        def shifted(c: Any) -> Any:
            return func.substr(lut, func.substr(c, 12, 2) * 2 + 1, 2).op("||")(
                func.substr(c, 14, 6)
            )
    else:

        def shifted(c: Any) -> Any:
            return func.time(func.substr(c, 1, 19), mod)

    def hms(c: Any) -> Any:
        return case((and_(c >= lo_s, c < hi_s), shifted(c)), else_=null())

    yes, no = literal(conv.yes), literal(conv.no)
    cols = (
        Visit.id,
        _neutralise_sql(Visit.office_code),
        _neutralise_sql(Visit.counter_id),
        _neutralise_sql(Officer.username),
        Visit.day,
        hms(Visit.started_at),
        hms(Visit.ended_at),
        _neutralise_sql(Visit.nik),
        _district_case(),
        case((Visit.in_batang, yes), else_=no),
        _neutralise_sql(Visit.ikd_status_found),
        _neutralise_sql(_outcome_expr()),
        _neutralise_sql(Visit.reason),
        Visit.handling_seconds,
        _neutralise_sql(Visit.note),
        case(
            (and_(Visit.consent_contact, Visit.phone != ""), _neutralise_phone_sql()),
            else_=literal(""),
        ),
        case((_correction_expr(), yes), else_=no),
        Visit.revision,
    )
    return (
        select(*cols)
        .join(Officer, Officer.id == Visit.officer_id, isouter=True)
        .where(*_filters(mode, date_from, date_to))
        .order_by(Visit.day, Visit.started_at, Visit.id)
    )


def _write_csv_sql(
    fh: IO[bytes], conn: Connection, q: Any, conv: _Conv, side: IO[str], delimiter: str
) -> None:
    """The CSV writer for rows whose cells come ready from _csv_query: chunks go straight to
    writerows; the recap, the fingerprint and the side file are built per chunk with C-level
    map/Counter calls. Same bytes as _write_csv. The side file holds one line per chunk
    (items comma-separated, JSON true/false), which only the SQLite item path reads."""
    from collections import Counter
    from operator import itemgetter

    fh.write(BOM)
    tw = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
    w = csv.writer(tw, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(headers())
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    cur.execute(*_sqlite_sql(q, conn))
    g_vid, g_start, g_end, g_corr, g_rev = (
        itemgetter(0),
        itemgetter(5),
        itemgetter(6),
        itemgetter(16),
        itemgetter(17),
    )
    g_day_outcome = itemgetter(4, 11)
    yes, index, dumps = conv.yes, conv.index, json.dumps
    writerows, side_write = w.writerows, side.write
    rev_sum, corrections = 0, 0
    record_items = not isinstance(side, _Discard)
    try:
        while part := cur.fetchmany(CHUNK):
            if None in map(g_start, part) or None in map(g_end, part):
                part = [
                    _fix_times(conn, r, conv) if r[5] is None or r[6] is None else r for r in part
                ]
            if set(map(_first, map(g_vid, part))) & _DANGER:  # ids are UUIDs: never, unless
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
    tw.flush()
    tw.detach()


def _first(text: str) -> str:
    return text[:1]


def _fix_times(conn: Connection, row: tuple[Any, ...], conv: _Conv) -> tuple[Any, ...]:
    """Start/end time of a row outside _csv_query's window, converted as _write_csv does."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()  # raw stored values, as _write_csv gets them
    try:
        started, ended = cur.execute(
            "SELECT started_at, ended_at FROM visit WHERE id = ?", (row[0],)
        ).fetchone()
    finally:
        cur.close()
    s = str(conv.local(started))[11:] if started else ""
    e = str(conv.local(ended))[11:] if ended else ""
    return (*row[:5], s, e, *row[7:])


def _write_csv_recap(fh: IO[bytes], conv: _Conv, delimiter: str) -> None:
    from counter.i18n import catalog

    fh.write(BOM)
    tw = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    w = csv.writer(tw, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(recap_headers())
    totals = [0] * (len(oc.OUTCOMES) + 1)
    for day_key in sorted(conv.recap):
        counts = _recap_row(conv.recap[day_key])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        w.writerow((str(day_key), *counts))
    w.writerow((catalog("id").t("export.recap.total"), *totals))
    tw.flush()
    tw.detach()


def _illegal_cleaner(
    neutral: Callable[[str | None], str | None] = neutralise,
) -> Callable[[Any], Any]:
    """Cell text as it may go into the XLSX: neutralised (never a formula: openpyxl makes one
    of any text starting with "="), without the characters XML cannot hold, within Excel's
    length. Non-text values (numbers from an edited database) pass as text too."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sub = ILLEGAL_CHARACTERS_RE.sub

    def clean(v: Any) -> Any:
        if not v:
            return v
        if not isinstance(v, str):
            v = str(v)
        v = neutral(v)
        if ILLEGAL_CHARACTERS_RE.search(v):  # type: ignore[arg-type]
            v = sub("", v)  # type: ignore[arg-type]
        return v[:32767]  # type: ignore[index]  # Excel's limit for one cell

    return clean


# Column widths (characters) of the visits sheet: at least the Indonesian header, so nothing is cut.
_WIDTHS = {
    "visit_id": 14,
    "office_code": 12,
    "counter": 10,
    "officer": 14,
    "date": 12,
    "start": 11,
    "end": 12,
    "nik": 19,
    "district": 16,
    "in_batang": 11,
    "ikd_status": 14,
    "outcome": 15,
    "reason": 22,
    "handling_seconds": 12,
    "note": 40,
    "phone": 16,
    "correction": 9,
    "revision": 8,
}
_WRAPPED = frozenset(
    {"note", "reason", "district", "phone", "handling_seconds", "ikd_status", "in_batang", "end"}
)


def _page_setup(ws: Any) -> None:
    """A sheet a Kasi can print: landscape A4, fit to the page width, the header row on every
    page. Set before the first row (a write-only sheet writes its properties then)."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def _ranges(ws: Any, first_col: str, last_col: str, rows: int) -> None:
    """Filter on the header; the print area starts at ``first_col`` (the visits sheet leaves out
    its visit_id, which the central import reads but nobody reads on paper)."""
    ws.auto_filter.ref = f"A1:{last_col}{max(rows, 1)}"
    ws.print_area = f"{first_col}1:{last_col}{max(rows, 1)}"


def _write_xlsx(fh: IO[bytes], rows: Iterator[Any], conv: _Conv, side: IO[str]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        _fill_xlsx(wb, fh, rows, conv, side)
    except BaseException:
        # close the sheets' row writers now, not in the garbage collector after the file is gone
        for sheet in wb.worksheets:
            gen = getattr(sheet, "_rows", None)
            try:
                if gen is not None:
                    gen.close()
            except Exception:
                pass
        raise


def _fill_xlsx(wb: Any, fh: IO[bytes], rows: Iterator[Any], conv: _Conv, side: IO[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(SHEET_VISITS)
    for i, k in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS[k]
    ws.freeze_panes = "A2"
    _page_setup(ws)
    ws.append(_header_cells(ws, headers(), [k in _WRAPPED for k in COLUMNS]))

    # Prepared cells, re-used row after row (write-only rows are serialised on append): the
    # style is looked up once instead of once per cell.
    def styled(fmt: str) -> Any:
        c = WriteOnlyCell(ws)
        c.number_format = fmt
        return c

    nik_c, phone_c = styled("@"), styled("@")
    note_c = styled("@")
    note_c.alignment = Alignment(wrap_text=True, vertical="top")
    uuid_c = WriteOnlyCell(ws)
    uuid_c.font = Font(color="808080", size=8)
    day_c, start_c, end_c = styled("yyyy-mm-dd"), styled("hh:mm:ss"), styled("hh:mm:ss")
    yes, no = conv.yes, conv.no
    district, local, count = conv.district, conv.local, conv.count
    clean = _illegal_cleaner()
    clean_phone = _illegal_cleaner(neutralise_phone)
    side_write = side.write
    append = ws.append
    for (
        vid,
        office,
        counter,
        officer,
        day,
        started,
        ended,
        nik,
        dcode,
        in_batang,
        status,
        outcome,
        reason,
        secs,
        note,
        phone,
        consent,
        rev,
        corr,
    ) in rows:
        d = _as_date(day)
        s = local(started)
        e = local(ended)
        corr = bool(corr)
        day_c.value = d
        nik_c.value = clean(nik)
        if s:
            start_c.value = s.time()
        if e:
            end_c.value = e.time()
        if consent and phone:
            phone_c.value = clean_phone(phone)
        uuid_c.value = clean(vid)
        note_c.value = clean(note)
        append(
            (
                uuid_c,
                clean(office),
                clean(counter),
                clean(officer),
                day_c,
                start_c if s else None,
                end_c if e else None,
                nik_c,
                district(dcode),
                yes if in_batang else no,
                clean(status),
                clean(outcome),
                clean(reason),
                secs,
                note_c if note else None,
                phone_c if (consent and phone) else None,
                yes if corr else no,
                rev,
            )
        )
        side_write(f"[{json.dumps(vid)},{rev},{1 if corr else 0}]\n")
        conv.rev_sum += rev
        count(d, outcome, corr)

    _ranges(ws, "B", get_column_letter(len(COLUMNS)), conv.rows + 1)

    rs = wb.create_sheet(SHEET_RECAP)
    rs.column_dimensions["A"].width = 12
    for i, h in enumerate(recap_headers()[1:], 2):
        rs.column_dimensions[get_column_letter(i)].width = max(10, len(h) + 2)
    rs.freeze_panes = "B2"
    _page_setup(rs)
    rs.append(_header_cells(rs, recap_headers(), [False] * len(recap_headers())))
    totals = [0] * (len(oc.OUTCOMES) + 1)
    for day_key in sorted(conv.recap):
        counts = _recap_row(conv.recap[day_key])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rd = WriteOnlyCell(rs, day_key)
        rd.number_format = "yyyy-mm-dd"
        rs.append((rd, *counts))
    from counter.i18n import catalog

    total_label = WriteOnlyCell(rs, catalog("id").t("export.recap.total"))
    total_label.font = Font(bold=True)
    rs.append((total_label, *totals))
    _ranges(rs, "A", get_column_letter(len(recap_headers())), len(conv.recap) + 2)
    _save(wb, fh)


def _header_cells(ws: Any, names: list[str], wrapped: list[bool]) -> list[Any]:
    """Bold header cells; long headers of narrow columns wrap instead of being cut."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    cells = []
    for name, wrap in zip(names, wrapped, strict=True):
        c = WriteOnlyCell(ws, name)
        c.font = bold
        c.alignment = Alignment(wrap_text=wrap, vertical="top")
        cells.append(c)
    return cells


def _save(wb: Any, fh: IO[bytes]) -> None:
    """openpyxl's save_workbook, but a failed save does not leave a ZipFile for the collector."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).save()
    except BaseException:
        try:
            archive.close()
        except Exception:
            pass
        archive.fp = None  # nothing left for ZipFile.__del__ to write
        raise


# --------------------------------------------------------------------------------------------
# Files


def _io_error(e: OSError, path: Path) -> ExportError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError("disk_full", path=str(path))
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError("no_permission", path=str(path))
    if e.errno == errno.ENOENT:
        return ExportError("no_folder", path=str(path.parent))
    return ExportError("io", path=str(path), detail=e.strerror or str(e))


def _open_temp(final: Path) -> tuple[IO[bytes], Path]:
    """A new temporary file in the target's folder (same file system, so rename is atomic)."""
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    return os.fdopen(fd, "wb", buffering=1 << 16), Path(name)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _range_label(mode: str, date_from: date | None, date_to: date | None) -> str:
    if mode == "since_last":
        return "sejak-terakhir"
    assert date_from and date_to
    if date_from == date_to:
        return date_from.isoformat()
    return f"{date_from.isoformat()}_{date_to.isoformat()}"


def default_path(
    ctx: Context, mode: str, date_from: date | None, date_to: date | None, fmt: str
) -> Path:
    stamp = ctx.local_now().strftime("%Y%m%d-%H%M%S")
    office = "".join(c for c in ctx.settings.office_code if c.isalnum() or c in "-_") or "kantor"
    return ctx.settings.exports_dir / (
        f"ikd-{office}-{_range_label(mode, date_from, date_to)}-{stamp}.{fmt}"
    )


def recap_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}-rekap{path.suffix}")


# --------------------------------------------------------------------------------------------
# The use case


def _check_args(
    mode: str, date_from: date | None, date_to: date | None, fmt: str, delimiter: str
) -> tuple[date | None, date | None]:
    if mode not in MODES:
        raise ExportError("bad_mode", mode=mode)
    if fmt not in FORMATS:
        raise ExportError("bad_format", format=fmt)
    if delimiter not in DELIMITERS:
        raise ExportError("bad_delimiter", delimiter=delimiter)
    if mode == "date":
        if date_from is None:
            raise ExportError("dates_required")
        if date_to is not None and date_to != date_from:
            raise ExportError("bad_range", date_from=date_from, date_to=date_to)
        return date_from, date_from
    if mode == "range":
        if date_from is None or date_to is None:
            raise ExportError("dates_required")
        if date_from > date_to:
            raise ExportError("bad_range", date_from=date_from, date_to=date_to)
        return date_from, date_to
    if date_from is not None or date_to is not None:
        raise ExportError("since_last_no_dates")
    return None, None


def _refuse(ctx: Context, officer: Officer | None, why: str, **detail: Any) -> ExportError:
    """Audit the refused attempt and return the error to raise."""
    audit.log(
        ctx,
        "export_refused",
        officer,
        target=officer.username if officer else "",
        why=why,
        **detail,
    )
    return ExportError("forbidden")


def _destination(
    ctx: Context,
    officer: Officer,
    mode: str,
    date_from: date | None,
    date_to: date | None,
    fmt: str,
    out: str | Path | None,
) -> Path:
    """Where the file goes. ``out`` None: the exports folder. A folder (existing, or a path
    ending in a separator, or without an .xlsx/.csv name): created if needed (0700), the dated
    default name inside it. A file name: refused when it exists (never overwritten silently)."""
    default = default_path(ctx, mode, date_from, date_to, fmt)
    if out is None:
        final = default
    else:
        raw = str(out)
        final = Path(raw).expanduser()
        if (
            final.is_dir()
            or raw.endswith(("/", os.sep))
            or final.suffix.lower() not in (".xlsx", ".csv")
        ):
            final = final / default.name
        elif final.exists():
            raise _fail(ctx, officer, mode, ExportError("exists", path=str(final.absolute())))
    try:
        private_dir(final.parent, tighten=out is None)  # 0700 whatever the umask
    except OSError as e:
        raise _fail(ctx, officer, mode, _io_error(e, final)) from e
    return final.absolute()


def export_visits(
    ctx: Context,
    officer: Officer,
    mode: str = "date",
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    fmt: str = "xlsx",
    delimiter: str = ";",
    out: str | Path | None = None,
) -> ExportResult:
    """Export finished visits to the central-sheet format and record the batch.

    ``mode``: ``date`` (date_from), ``range`` (date_from..date_to inclusive) or ``since_last``.
    ``out``: a file path, a folder (the default name is used inside it) or None (exports folder).
    Raises ExportError with a catalog message on refusal or I/O failure; nothing is recorded then.
    """
    date_from, date_to = _check_args(mode, date_from, date_to, fmt, delimiter)
    if officer is None or officer.role != "supervisor" or not officer.active:
        raise _refuse(ctx, officer, "role", role=getattr(officer, "role", None), mode=mode)

    final = _destination(ctx, officer, mode, date_from, date_to, fmt, out)
    recap_final = recap_path_for(final) if fmt == "csv" else None

    temps: list[Path] = []
    if (
        fmt == "csv"
        and ctx.db.kind == "sqlite"
        and _estimated_rows(ctx, mode, date_from, date_to) <= LOCKED_MAX_ROWS
    ):
        return _export_locked(ctx, officer, mode, date_from, date_to, delimiter, final, recap_final)
    side = tempfile.TemporaryFile("w+", encoding="ascii", newline="\n")
    try:
        conv = _Conv(ctx)
        # ---- phase 1: stream a consistent snapshot into temporary files --------------------
        try:
            fh, tmp = _open_temp(final)
            temps.append(tmp)
            seen_batch = _write_file(ctx, fh, fmt, mode, date_from, date_to, conv, side, delimiter)
            if mode == "since_last" and conv.rows == 0:
                _cleanup(temps)
                return _nothing_new(ctx, officer, fmt)
            recap_digest = _write_recap(recap_final, conv, delimiter, temps)
            digest = _sha256(tmp)
        except OSError as e:
            raise _fail(ctx, officer, mode, _io_error(e, final)) from e

        args_from, args_to = date_from, date_to
        if mode == "since_last":
            date_from, date_to = _span(conv)

        # ---- phase 2: record the batch and rename, in one write transaction ---------------
        replaced: list[Path] = []
        with _failures_recorded(ctx, officer, mode, final, replaced):
            with ctx.db.write() as s:
                if ctx.db.kind == "postgresql":
                    s.execute(text("LOCK TABLE export_batch IN SHARE ROW EXCLUSIVE MODE"))
                latest = s.execute(select(func.max(ExportBatch.id))).scalar()
                if latest != seen_batch:
                    raise ExportError("concurrent")
                batch = ExportBatch(
                    created_at=ctx.now(),
                    officer_id=officer.id,
                    mode=mode,
                    date_from=date_from,
                    date_to=date_to,
                    format=fmt,
                    rows=conv.rows,
                    file_path=str(final),
                    sha256=digest,
                )
                s.add(batch)
                s.flush()
                assert batch.id is not None
                # PostgreSQL: one INSERT .. SELECT, checked; SQLite: from the side file, which
                # measured 3x faster there than SQLite's INSERT .. SELECT of the same query.
                if ctx.db.kind == "sqlite" or not _insert_items_fast(
                    s, batch.id, mode, args_from, args_to, conv
                ):
                    _insert_items(s, batch.id, side)
                _finish(
                    s,
                    ctx,
                    officer,
                    batch,
                    conv,
                    final,
                    recap_final,
                    digest,
                    recap_digest,
                    temps,
                    replaced,
                )
                batch_id = batch.id
        return ExportResult(
            final,
            conv.rows,
            batch_id,
            digest,
            recap_final,
            conv.corrections,
            mode,
            fmt,
            date_from,
            date_to,
        )
    finally:
        side.close()
        _cleanup(temps)


# Exports of at most this many visits (CSV on SQLite) hold the write lock while the file is
# written (see _export_locked); ~1 s at 100,000 rows, well inside the 10 s busy timeout that the
# counters wait. Larger ones take the two-phase route, which holds it only to record the batch.
LOCKED_MAX_ROWS = 250_000


def _estimated_rows(ctx: Context, mode: str, date_from: date | None, date_to: date | None) -> int:
    """An upper bound of the rows to export: the visits of the range (all visits for
    since-last), counted on the day index alone."""
    q = select(func.count()).select_from(Visit)
    if mode != "since_last":
        q = q.where(Visit.day >= date_from, Visit.day <= date_to)
    with ctx.db.read() as s:
        return int(s.execute(q).scalar() or 0)


def _write_file(
    ctx: Context,
    fh: IO[bytes],
    fmt: str,
    mode: str,
    date_from: date | None,
    date_to: date | None,
    conv: _Conv,
    side: IO[str] | _Discard,
    delimiter: str,
) -> int | None:
    """Phase 1: in ONE read transaction (one snapshot), the rows into ``fh`` (closed, flushed
    and fsynced on return) and their items into ``side``. Returns the newest batch id seen."""
    with fh, ctx.db.read() as s:
        if ctx.db.kind == "postgresql":
            conn = s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        else:
            conn = s.connection()
        seen_batch = conn.execute(select(func.max(ExportBatch.id))).scalar()
        window = (
            _csv_window(conn, mode, date_from, date_to)
            if fmt == "csv" and ctx.db.kind == "sqlite"
            else None
        )
        offset = _fixed_offset(ctx.tz, *window) if window is not None else None
        rows: Any
        if window is not None and offset is not None:
            # SQLite, fixed-offset zone (Asia/Jakarta): the cells are computed in SQL
            rows = _SqlCells(conn, _csv_query(mode, date_from, date_to, conv, offset, *window))
        else:
            rows = _stream(conn, _query(mode, date_from, date_to), ctx.db.kind)
        try:
            if fmt == "csv":
                _write_csv(fh, rows, conv, side, delimiter)  # type: ignore[arg-type]
            else:
                _write_xlsx(fh, rows, conv, side)  # type: ignore[arg-type]
        finally:
            rows.close()  # the cursor goes now, while its connection is still ours
        fh.flush()
        os.fsync(fh.fileno())
    return seen_batch  # type: ignore[no-any-return]


def _write_recap(
    recap_final: Path | None, conv: _Conv, delimiter: str, temps: list[Path]
) -> str | None:
    """CSV: the recap file under a temporary name (appended to ``temps``); its SHA-256."""
    if recap_final is None:
        return None
    rfh, rtmp = _open_temp(recap_final)
    temps.append(rtmp)
    with rfh:
        _write_csv_recap(rfh, conv, delimiter)
        rfh.flush()
        os.fsync(rfh.fileno())
    return _sha256(rtmp)


def _span(conv: _Conv) -> tuple[date | None, date | None]:
    """First and last day of the exported rows (a since-last batch records them)."""
    first = _as_date(conv.first_day) if conv.first_day is not None else None
    last = _as_date(conv.last_day) if conv.last_day is not None else None
    return first, last


def _nothing_new(ctx: Context, officer: Officer, fmt: str) -> ExportResult:
    audit.log(ctx, "export", officer, target="", mode="since_last", format=fmt, rows=0, batch=None)
    return ExportResult(None, 0, None, "", None, 0, "since_last", fmt, None, None)


def _finish(
    s: Any,
    ctx: Context,
    officer: Officer,
    batch: ExportBatch,
    conv: _Conv,
    final: Path,
    recap_final: Path | None,
    digest: str,
    recap_digest: str | None,
    temps: list[Path],
    replaced: list[Path],
) -> None:
    """Inside the batch's write transaction: the audit event, then the temporary files renamed
    onto their final names (``replaced`` lists them, to remove should the commit fail)."""
    audit.record(
        s,
        ctx,
        "export",
        officer,
        target=f"batch:{batch.id}",
        mode=batch.mode,
        format=batch.format,
        rows=conv.rows,
        corrections=conv.corrections,
        date_from=batch.date_from,
        date_to=batch.date_to,
        file=str(final),
        sha256=digest,
        recap_file=str(recap_final or ""),
        recap_sha256=recap_digest,
    )
    if recap_final is not None:
        os.replace(temps[1], recap_final)
        replaced.append(recap_final)
    os.replace(temps[0], final)
    replaced.append(final)
    _fsync_dir(final.parent)


@contextmanager
def _failures_recorded(
    ctx: Context, officer: Officer, mode: str, final: Path, replaced: list[Path]
) -> Iterator[None]:
    """Around a batch's write transaction: on any failure the files already renamed onto their
    final names (``replaced``) are removed; an I/O error or a refusal is audited
    (``export_failed``) and raised as the ExportError that says why."""
    try:
        yield
    except OSError as e:
        _cleanup(replaced)
        raise _fail(ctx, officer, mode, _io_error(e, final)) from e
    except ExportError as e:
        _cleanup(replaced)
        raise _fail(ctx, officer, mode, e) from None
    except BaseException:
        _cleanup(replaced)
        raise


class _NothingNew(Exception):
    """A since-last export found nothing: roll the batch back."""


def _export_locked(
    ctx: Context,
    officer: Officer,
    mode: str,
    date_from: date | None,
    date_to: date | None,
    delimiter: str,
    final: Path,
    recap_final: Path | None,
) -> ExportResult:
    """CSV on SQLite: the batch's write transaction is opened FIRST (BEGIN IMMEDIATE), so no
    one can commit until it ends; the file is then streamed from a read snapshot that is
    therefore exactly what the write transaction sees, while a second thread records the items
    with one INSERT .. SELECT of the same selection (SQLite runs it without the GIL, on the
    other core). The items are checked against the rows written (count and sum of revisions)
    before the commit; any failure rolls everything back and removes the file."""
    conv = _Conv(ctx)
    temps: list[Path] = []
    replaced: list[Path] = []
    try:
        with _failures_recorded(ctx, officer, mode, final, replaced), ctx.db.write() as s:
            conn = s.connection()  # BEGIN IMMEDIATE: the write lock, from here to the commit
            batch = ExportBatch(
                created_at=ctx.now(),
                officer_id=officer.id,
                mode=mode,
                date_from=date_from,
                date_to=date_to,
                format="csv",
                rows=0,
                file_path=str(final),
                sha256="",
            )
            s.add(batch)
            s.flush()
            assert batch.id is not None
            worker = _ItemsWorker(conn, batch.id, mode, date_from, date_to)
            worker.start()
            try:
                fh, tmp = _open_temp(final)
                temps.append(tmp)
                _write_file(ctx, fh, "csv", mode, date_from, date_to, conv, _Discard(), delimiter)
            finally:
                worker.join()
            n, rev_sum = worker.result()  # its sqlite3 errors: translated by ctx.db.write()
            if mode == "since_last" and conv.rows == 0:
                raise _NothingNew
            if (n, rev_sum) != (conv.rows, conv.rev_sum):  # cannot happen: same snapshot
                raise ExportError("concurrent")
            recap_digest = _write_recap(recap_final, conv, delimiter, temps)
            digest = _sha256(tmp)
            if mode == "since_last":
                batch.date_from, batch.date_to = _span(conv)
            batch.rows, batch.sha256 = conv.rows, digest
            s.add(batch)
            _finish(
                s,
                ctx,
                officer,
                batch,
                conv,
                final,
                recap_final,
                digest,
                recap_digest,
                temps,
                replaced,
            )
            batch_id = batch.id
            span = batch.date_from, batch.date_to
    except _NothingNew:  # the temporary file goes in the finally clause
        return _nothing_new(ctx, officer, "csv")
    finally:
        _cleanup(temps)
    return ExportResult(
        final, conv.rows, batch_id, digest, recap_final, conv.corrections, mode, "csv", *span
    )


class _ItemsWorker:
    """Records a batch's items on the write transaction's own connection, in a thread:
    one INSERT .. SELECT (the export's selection, in visit id order), then its count and sum of
    revisions, read back for the check."""

    def __init__(
        self,
        conn: Connection,
        batch_id: int,
        mode: str,
        date_from: date | None,
        date_to: date | None,
    ) -> None:
        self.sql, self.params = _sqlite_sql(_items_insert(batch_id, mode, date_from, date_to), conn)
        self.check = _sqlite_sql(_items_fingerprint(batch_id), conn)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        self.raw = raw
        self._out: tuple[int, int] | None = None
        self._error: BaseException | None = None
        import threading

        self._thread = threading.Thread(target=self._run, name="ikd-export-items", daemon=True)

    def _run(self) -> None:
        try:
            cur = self.raw.cursor()
            try:
                cur.execute(self.sql, self.params)
                n, total = cur.execute(*self.check).fetchone()
                self._out = (int(n), int(total))
            finally:
                cur.close()
        except BaseException as e:  # handed to the caller by result()
            self._error = e

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> tuple[int, int]:
        if self._error is not None:
            raise self._error
        assert self._out is not None
        return self._out


def _insert_items_fast(
    s: Any, batch_id: int, mode: str, date_from: date | None, date_to: date | None, conv: _Conv
) -> bool:
    """Record the items with one INSERT .. SELECT of the export's own query, then check that they
    are exactly the rows written: same count and same sum of revisions. That check is exact
    because, between the snapshot and now, the selection can only grow (visits finish, are
    never deleted) and revisions only go up; a since-last export by someone else (which could
    shrink it) is ruled out by the batch check. False (and nothing kept) when they differ."""
    s.execute(_items_insert(batch_id, mode, date_from, date_to))
    n, total = s.execute(_items_fingerprint(batch_id)).one()
    if int(n) == conv.rows and int(total) == conv.rev_sum:
        return True
    s.execute(delete(ExportItem).where(col(ExportItem.batch_id) == batch_id))
    return False


def _insert_items(s: Any, batch_id: int, side: IO[str]) -> None:
    """Insert the batch's items from the side file (one JSON array ``[visit_id, revision,
    correction]`` per line), a chunk at a time: no list of all items in memory.

    SQLite: chunks go through json_each() into a TEMP table, then one INSERT .. SELECT ordered
    by visit id: 100k inserts in random UUID order into export_item's indexes are several times
    slower, and json_each() is about twice as fast as executemany().
    """
    side.flush()
    side.seek(0)
    conn = s.connection()
    raw = conn.connection.dbapi_connection
    cur = raw.cursor()
    try:
        if conn.dialect.name == "sqlite":
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS ikd_export_items "
                "(visit_id TEXT NOT NULL, revision INTEGER NOT NULL, "
                "correction INTEGER NOT NULL)"
            )
            cur.execute("DELETE FROM temp.ikd_export_items")
            while lines := side.readlines(1 << 18):
                cur.execute(
                    "INSERT INTO temp.ikd_export_items SELECT "
                    "json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
                    "json_extract(value, '$[2]') FROM json_each(?)",
                    ("[" + ",".join(lines) + "]",),
                )
            cur.execute(
                "INSERT INTO export_item (batch_id, visit_id, revision, correction) "
                "SELECT ?, visit_id, revision, correction FROM temp.ikd_export_items "
                "ORDER BY visit_id",
                (batch_id,),
            )
            cur.execute("DELETE FROM temp.ikd_export_items")
        else:
            cur.executemany(
                "INSERT INTO export_item (batch_id, visit_id, revision, correction) "
                "VALUES (%s, %s, %s, %s)",
                (
                    (batch_id, vid, rev, bool(corr))
                    for vid, rev, corr in (json.loads(line) for line in side)
                ),
            )
    finally:
        cur.close()


def _cleanup(paths: list[Path]) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def _fail(ctx: Context, officer: Officer, mode: str, err: ExportError) -> ExportError:
    """Audit a failed export (best effort: the disk may be what failed) and return the error."""
    try:
        audit.log(
            ctx,
            "export_failed",
            officer,
            target="",
            mode=mode,
            error=err.code,
            **{k: str(v) for k, v in err.params.items()},
        )
    except Exception:
        pass
    return err


# --------------------------------------------------------------------------------------------
# Read side (supervisor screen, tests)


def batches(ctx: Context, limit: int = 50) -> list[BatchView]:
    with ctx.db.read() as s:
        rows = (
            s.execute(select(ExportBatch).order_by(col(ExportBatch.id).desc()).limit(limit))
            .scalars()
            .all()
        )
        return [
            BatchView(
                b.id or 0,
                b.created_at,
                b.officer_id,
                b.mode,
                b.date_from,
                b.date_to,
                b.format,
                b.rows,
                b.file_path,
                b.sha256,
            )
            for b in rows
        ]


def batch_items(ctx: Context, batch_id: int) -> list[tuple[str, int, bool]]:
    """(visit id, revision, correction) of one batch, in visit id order."""
    with ctx.db.read() as s:
        rows = s.execute(
            select(ExportItem.visit_id, ExportItem.revision, ExportItem.correction)
            .where(ExportItem.batch_id == batch_id)
            .order_by(ExportItem.visit_id)
        ).all()
        return [(r[0], int(r[1]), bool(r[2])) for r in rows]


def pending_count(ctx: Context) -> int:
    """Finished visits whose current revision is in no batch yet (what since-last would export)."""
    with ctx.db.read() as s:
        q = (
            select(func.count())
            .select_from(Visit)
            .where(
                col(Visit.ended_at).is_not(None),
                col(Visit.outcome).is_not(None),
                ~exists().where(
                    ExportItem.visit_id == Visit.id, ExportItem.revision == Visit.revision
                ),
            )
        )
        return int(s.execute(q).scalar() or 0)
