"""The plain registry import: read every row, check it, upsert it. Read this module first.

1. **Read** (``read_csv`` / ``read_xlsx``): find the header row (the first of the first 20 rows
   that names a NIK column), pick the NIK, status, activation-date and desa columns by their
   names (``parsing.match_columns``), then yield one ``Cells`` per data row with its line number.
2. **Check** (``Checker``): a row is stored when its NIK is a valid Batang NIK, its status word
   is known and its date (if any) is a past date. Otherwise it goes to ``<file>.rejects.csv``
   with its line and the reason. A NIK twice: the later row wins, the earlier one is rejected.
3. **Upsert** (``write_sqlite`` / ``write_postgres``): the rows sorted by NIK, inserted or
   updated where something changed; the import's totals per kecamatan and desa are kept
   (``places.save_totals``) in the same transaction.

``fastpath`` does the same for the common clean CSV, faster; both return a ``Written``, and the
tests check that both routes store the same entries.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import counter.services.registry.places as places
from counter.domain import limits as lim
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import places as placemod
from counter.services import input_bounds
from counter.services.context import Context
from counter.services.registry.common import (
    CHUNK,
    IMPORT_COUNTS,
    NEW_IMPORT,
    Progress,
    RegistryError,
    Written,
    now_text,
)
from counter.services.registry.parsing import (
    BATANG_NIK,
    HEADER_SCAN_ROWS,
    detect_delimiter,
    find_header,
    is_empty,
    match_columns,
    numeric_nik,
    parse_date,
    status_code,
)

# one long cell (e.g. an address column we ignore) must not refuse the file: the CSV reader
# takes a cell as long as the longest line input_bounds lets through
csv.field_size_limit(max(csv.field_size_limit(), lim.REGISTRY_LINE_BYTES))


# ---- 1. read ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """Where the wanted cells are, and how the file was read."""

    headers: list[str]
    header_line: int  # 1-based line (CSV) or row (XLSX) of the header
    delimiter: str  # the CSV delimiter (XLSX: ``;`` for the rejects file)
    nik: int
    status: int
    date: int | None
    desa: int | None  # the desa/kelurahan column, when the extract has one


@dataclass(frozen=True, slots=True)
class Cells:
    """One data row as read: its line and its raw cells."""

    line: int
    nik: Any
    status: Any
    date: Any
    desa: Any


def columns_of(path: Path, headers: list[str], header_line: int, delimiter: str) -> Columns:
    ni, si, di = match_columns(headers)
    if si is None:
        raise RegistryError(
            "no_status_column", file=path.name, headers=input_bounds.shown_headers(headers)
        )
    assert ni is not None
    xi = places.desa_column(headers, [ni, si, di])
    return Columns(headers, header_line, delimiter, ni, si, di, xi)


def csv_encoding(path: Path) -> str:
    """``utf-8-sig``, or ``cp1252`` (Excel's "CSV (ANSI)") when the file is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def read_csv(path: Path, progress: Progress | None = None) -> tuple[Columns, Iterator[Cells]]:
    """The columns, and the data rows one by one (read while they are consumed)."""
    encoding = csv_encoding(path)
    errors = "replace" if encoding == "cp1252" else "strict"
    with path.open(encoding=encoding, errors=errors, newline="") as f:
        delimiter = detect_delimiter(f.read(65536))
    raw = path.open("rb")  # its position tells the progress
    f = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
    reader = csv.reader(f, delimiter=delimiter)
    head: list[list[str]] = []
    head_lines: list[int] = []
    for row in reader:
        head.append(row)
        head_lines.append(reader.line_num)
        if find_header([row]) is not None or len(head) >= HEADER_SCAN_ROWS:
            break
    found = find_header(head)
    if found is None:
        f.close()
        first = next((r for r in head if any(c.strip() for c in r)), [])
        raise RegistryError(
            "no_nik_column", file=path.name, headers=input_bounds.shown_headers(first)
        )
    hi, headers = found
    try:
        cols = columns_of(path, headers, head_lines[hi], delimiter)
    except RegistryError:
        f.close()
        raise
    size = max(1, path.stat().st_size)

    def rows() -> Iterator[Cells]:
        c = cols
        width = max(i for i in (c.nik, c.status, c.date, c.desa) if i is not None) + 1
        prev = c.header_line
        with f:
            for k, row in enumerate(reader):
                line, prev = prev + 1, reader.line_num  # a quoted cell may span lines
                if not row:
                    continue  # a blank line
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                yield Cells(
                    line,
                    row[c.nik],
                    row[c.status],
                    row[c.date] if c.date is not None else None,
                    row[c.desa] if c.desa is not None else None,
                )
                if progress and k % CHUNK == 0:
                    progress(raw.tell() * 50 // size, 100)

    return cols, rows()


def read_xlsx(path: Path, progress: Progress | None = None) -> tuple[Columns, Iterator[Cells]]:
    """As ``read_csv`` for the first sheet that has a NIK column."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise RegistryError("unreadable", file=path.name, detail=str(e) or type(e).__name__) from e
    first_headers: list[str] = []
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        head: list[tuple[Any, ...]] = []
        for row in it:
            head.append(row)
            if find_header([row]) is not None or len(head) >= HEADER_SCAN_ROWS:
                break
        found = find_header(head)
        if found is None:
            if not first_headers:
                first = next((r for r in head if any(not is_empty(c) for c in r)), ())
                first_headers = [str(c).strip() for c in first if not is_empty(c)]
            continue
        hi, headers = found
        try:
            cols = columns_of(path, headers, hi + 1, ";")
        except RegistryError:
            wb.close()
            raise
        return cols, _xlsx_rows(wb, it, cols, progress)
    wb.close()
    raise RegistryError(
        "no_nik_column", file=path.name, headers=input_bounds.shown_headers(first_headers)
    )


def _xlsx_rows(
    wb: Any, it: Iterator[Any], c: Columns, progress: Progress | None
) -> Iterator[Cells]:
    width = max(i for i in (c.nik, c.status, c.date, c.desa) if i is not None) + 1
    try:
        for r, row in enumerate(it, start=c.header_line + 1):
            if len(row) < width:
                row = tuple(row) + (None,) * (width - len(row))
            yield Cells(
                r,
                _nik_cell(row[c.nik]),
                row[c.status],
                row[c.date] if c.date is not None else None,
                row[c.desa] if c.desa is not None else None,
            )
            if progress and r % CHUNK == 0:
                progress(min(49, r // CHUNK), 100)
    finally:
        wb.close()


def _nik_cell(n: object) -> Any:
    """An XLSX NIK cell as text (a number cell as Excel shows it)."""
    if isinstance(n, bool):
        return str(n)
    if isinstance(n, (int, float)):
        return numeric_nik(n)
    return n if n is None or isinstance(n, str) else str(n)


# A valid Batang NIK (district known, birth date possible, serial not 0000) as one pattern;
# tests/test_registry_import.py checks the birth-date part against nik.birth_date
_VALID_NIK = re.compile(BATANG_NIK)


# ---- 2. check ---------------------------------------------------------------------------------


# A row to store is its SQL parameters: (NIK, status, activation date[, desa]); its raw cells
# are kept beside it: (line, NIK, status, date, desa cell), for a reject should a later row of its
# NIK supersede it. Plain tuples, not classes: a tuple of strings and numbers leaves the garbage
# collector's watch, so 630,000 of them are not scanned again and again while the file is read.
Row = tuple[Any, ...]
Raw = tuple[int, Any, Any, Any, Any]


@dataclass
class Checker:
    """Checks rows; each distinct status word and date is judged once."""

    today: date
    lang: str
    _status: dict[Any, str | None] = field(default_factory=dict)
    _dates: dict[Any, str | None | bool] = field(default_factory=dict)  # False: not a date

    def nik(self, raw: Any) -> str | None:
        """The NIK of a cell when it is a valid Batang NIK (separators dropped), else None."""
        if raw.__class__ is str and _VALID_NIK.fullmatch(raw):
            return raw  # the common case: one regular expression (district, birth, serial)
        info, _ = nikmod.check(raw, self.today)
        return info.nik if info is not None else None

    def status(self, raw: Any) -> str | None:
        if raw not in self._status:
            self._status[raw] = status_code(raw)
        return self._status[raw]

    def date(self, raw: Any) -> str | None | bool:
        """ISO date, None (empty cell) or False (not a date, or in the future)."""
        if raw not in self._dates:
            try:
                d = parse_date(raw, self.today)
                self._dates[raw] = d.isoformat() if d else None
            except (ValueError, OverflowError):
                self._dates[raw] = False
        return self._dates[raw]

    def reason(self, c: Cells) -> str:
        """Why a row is rejected (the first thing wrong with it)."""
        from counter.i18n import catalog

        t = catalog(self.lang)
        _, err = nikmod.check(c.nik, self.today)
        if err is not None:
            return "NIK: " + err.message(self.lang)
        if self.status(c.status) is None:
            return t("registry.bad_status", value="" if c.status is None else c.status)
        return t("registry.bad_date", value=c.date)


@dataclass
class Checked:
    rows: dict[str, Row]  # by NIK, the last row of each NIK
    rejects: list[tuple[int, Any, Any, Any, str]]  # (line, nik, status, date, reason)
    desa: dict[str, Any] | None  # the desa column's report (ImportResult.desa)


def check_rows(cols: Columns, cells: Iterator[Cells], today: date, lang: str) -> Checked:
    """Sort the rows into those to store and those rejected (see the module's step 2)."""
    from counter.i18n import catalog

    t = catalog(lang)
    check = Checker(today, lang)
    keep: dict[str, Row] = {}
    raw: dict[str, Raw] = {}
    rejects: list[tuple[int, Any, Any, Any, str]] = []
    desa_of: dict[tuple[str, int], int | None] = {}  # (cell, kecamatan) -> desa
    for c in cells:
        nik, status, day = check.nik(c.nik), check.status(c.status), check.date(c.date)
        if nik is None or status is None or day is False:
            if is_empty(c.nik) and is_empty(c.status) and is_empty(c.date):
                continue  # an empty row: nothing to import, nothing to report
            rejects.append((c.line, c.nik, c.status, c.date, check.reason(c)))
            continue
        earlier = raw.get(nik)
        if earlier is not None:  # a NIK twice: the later row wins
            line, n, s, d, _ = earlier
            rejects.append((line, n, s, d, t("registry.superseded", line=c.line)))
        raw[nik] = (c.line, c.nik, c.status, c.date, c.desa)
        activated = day if status == oc.ACTIVE and isinstance(day, str) else None
        if cols.desa is None:
            keep[nik] = (nik, status, activated)
            continue
        where = ("" if c.desa is None else str(c.desa), int(nik[4:6]))
        if where not in desa_of:  # an empty cell matches nothing
            desa_of[where] = placemod.match_in(where[0], where[1])
        keep[nik] = (nik, status, activated, desa_of[where])
    rejects.sort(key=lambda r: r[0])
    report = _desa_report(cols, keep, raw) if cols.desa is not None else None
    return Checked(keep, rejects, report)


def _desa_report(cols: Columns, rows: dict[str, Row], raw: dict[str, Raw]) -> dict[str, Any]:
    """The desa column's cells: matched, empty, and the names that matched nothing."""
    assert cols.desa is not None
    matched = empty = 0
    unmatched: Counter[str] = Counter()
    for nik, r in rows.items():
        cell = raw[nik][4]
        if r[3] is not None:
            matched += 1
        elif is_empty(cell):
            empty += 1
        else:
            unmatched[" ".join(str(cell).split())[:60]] += 1
    return {
        "column": cols.headers[cols.desa].strip(),
        "matched": matched,
        "empty": empty,
        "unmatched": dict(unmatched.most_common()),
    }


def write_rejects(path: Path, cols: Columns, checked: Checked, lang: str) -> Path:
    """``<file>.rejects.csv`` beside the input (0600: it holds NIKs), one row per reject."""
    from counter.i18n import catalog
    from counter.store.files import open_private

    t = catalog(lang)
    # foo.csv and foo.xlsx each get their own (foo.csv.rejects.csv, foo.xlsx.rejects.csv);
    # cells are cut short and never become formulas in Excel
    out = path.with_name(path.name + ".rejects.csv")
    with open_private(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=cols.delimiter if cols.delimiter != "\t" else ";")
        w.writerow(
            [
                t("registry.col_line"),
                "NIK",
                t("registry.col_status"),
                t("registry.col_date"),
                t("registry.col_reason"),
            ]
        )
        for line, n, s, d, reason in checked.rejects:
            w.writerow([line, *map(_reject_cell, (n, s, d, reason))])
    return out


def _reject_cell(v: object) -> str:
    from counter.services.export import neutralise

    text = "" if v is None else str(v)
    if len(text) > lim.REJECT_CELL:
        text = text[: lim.REJECT_CELL] + "…"
    return neutralise(text) or ""


# ---- 3. upsert --------------------------------------------------------------------------------


def _upsert_sql(p: str, import_id: int, with_desa: bool, differs: str) -> str:
    cols = "nik, ikd_status, activated_on, import_id" + (", desa" if with_desa else "")
    values = f"{p}, {p}, {p}, {int(import_id)}" + (f", {p}" if with_desa else "")
    sets = ["ikd_status", "activated_on", "import_id"] + (["desa"] if with_desa else [])
    changed = ["ikd_status", "activated_on"] + (["desa"] if with_desa else [])
    return (
        f"INSERT INTO registry_entry ({cols}) VALUES ({values}) ON CONFLICT (nik) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in sets)
        + " WHERE "
        + " OR ".join(f"registry_entry.{c} {differs} excluded.{c}" for c in changed)
    )


def _params(checked: Checked) -> list[Row]:
    """The rows sorted by NIK (the primary-key index is filled in order)."""
    return sorted(checked.rows.values())  # the NIK first: each compares on it alone


def write_sqlite(
    raw: Any, checked: Checked, import_id: int, with_desa: bool, progress: Progress | None
) -> tuple[int, int]:
    """(inserted, updated), in the caller's transaction."""
    params = _params(checked)
    before = raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0]
    sql = _upsert_sql("?", import_id, with_desa, "IS NOT")
    changed = 0
    for k in range(0, len(params), CHUNK):
        changed += max(0, raw.executemany(sql, params[k : k + CHUNK]).rowcount)
        if progress:
            progress(60 + 35 * (k + CHUNK) // max(1, len(params)), 100)
    inserted = raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0] - before
    return inserted, changed - inserted


def write_postgres(
    raw: Any, checked: Checked, import_id: int, with_desa: bool, progress: Progress | None
) -> tuple[int, int]:
    """(inserted, updated): the rows copied into a staging table, then one upsert."""
    params = _params(checked)
    desa = ", desa" if with_desa else ""
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE ikd_registry_stage (nik varchar(16), ikd_status varchar(12), "
            "activated_on date, desa integer) ON COMMIT DROP"
        )
        with cur.copy(
            f"COPY ikd_registry_stage (nik, ikd_status, activated_on{desa}) FROM STDIN"
        ) as cp:
            for k, row in enumerate(params):
                cp.write_row(row)
                if progress and k % CHUNK == 0:
                    progress(60 + 30 * k // max(1, len(params)), 100)
        sets = ["ikd_status", "activated_on", "import_id"] + (["desa"] if with_desa else [])
        changed = ["ikd_status", "activated_on"] + (["desa"] if with_desa else [])
        cur.execute(
            "WITH up AS ("
            f" INSERT INTO registry_entry (nik, ikd_status, activated_on, import_id{desa})"
            f" SELECT nik, ikd_status, activated_on, %s{desa} FROM ikd_registry_stage"
            " ON CONFLICT (nik) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in sets)
            + " WHERE "
            + " OR ".join(f"registry_entry.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in changed)
            + " RETURNING (xmax = 0) AS inserted)"
            " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
            " FROM up",
            (import_id,),
        )
        row = cur.fetchone()
        assert row is not None
    return int(row[0]), int(row[1])


def import_plain(ctx: Context, path: Path, progress: Progress | None, lang: str) -> Written:
    """Read, check and upsert the whole file (any CSV or XLSX the import accepts)."""
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    try:
        cols, cells = read_xlsx(path, progress) if xlsx else read_csv(path, progress)
        checked = check_rows(cols, cells, ctx.today(), lang)
    except (OSError, csv.Error, UnicodeDecodeError) as e:
        raise RegistryError("unreadable", file=path.name, detail=str(e)) from e
    rejects_file = str(write_rejects(path, cols, checked, lang)) if checked.rejects else None
    if progress:
        progress(60, 100)
    stored, rejected = len(checked.rows), len(checked.rejects)
    with_desa = cols.desa is not None
    sqlite = ctx.db.kind == "sqlite"
    p = "?" if sqlite else "%s"
    ts: Any = now_text(ctx.now()) if sqlite else ctx.now()
    with ctx.db.translating(), ctx.db.write_engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        cur.execute(
            NEW_IMPORT.format(p=p) + ("" if sqlite else " RETURNING id"),
            (path.name[:200], ts, stored + rejected, rejected),
        )
        import_id = int(cur.lastrowid if sqlite else cur.fetchone()[0])
        write = write_sqlite if sqlite else write_postgres
        inserted, updated = write(raw, checked, import_id, with_desa, progress)
        places.save_totals(raw, "sqlite" if sqlite else "postgresql", import_id, None)
        cur.execute(IMPORT_COUNTS.format(p=p), (inserted, updated, import_id))
    if progress:
        progress(100, 100)
    return Written(stored, rejected, rejects_file, inserted, updated, checked.desa)
