"""Registry import: the central IKD status extract (CSV or XLSX), upserted by NIK.

Fast by design, because the extract holds every wajib-KTP resident (631,075 rows in Batang):

* CSV cells are pulled out by the C ``csv`` reader and ``operator.itemgetter`` (no Python work per
  cell); the cyclic garbage collector is paused while the row tuples are built.
* Status words and dates are mapped once per *distinct* raw value, NIK region and birth-date parts
  are validated once per distinct prefix / date (full ``nik.parse`` only on a cache miss).
* Fastest path (SQLite; an unquoted CSV whose NIK column comes before the status and date
  columns, every NIK a valid Batang NIK): one regular expression returns, per line, the NIK and
  ONE string of the status/date cells; the distinct tails (about 1,400) are checked once each
  and packed (``N``, ``A``, ``A2025-03-15``); each row becomes one string, NIK + packed tail,
  built in file order (memory order) and then sorted (so by NIK): one parameter per row. A row
  that needs a reason (bad status or date, a NIK twice) sends the file down the general path,
  which writes the rejects with line numbers. Into an empty registry (POSIX, no other threads,
  4 MB and more) a forked child does the second half of the lines while this process does the
  first (_keys_in_two_processes); a NIK twice is then left to the primary key.
* SQLite: the raw sqlite3 connection runs one prepared statement over NIK-sorted rows with
  ``executemany`` in a single ``BEGIN IMMEDIATE`` transaction (plain INSERT into an empty registry,
  ``INSERT .. ON CONFLICT DO UPDATE .. WHERE changed`` otherwise); counts are set-based.
  ``registry_entry`` is a WITHOUT ROWID table there (migration 0002): one B-tree to fill; the
  file name and time live once in ``registry_import`` (migration 0004), not on every row.
  PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT .. ON CONFLICT`` statement.

Names and every other column of the extract are ignored and never stored. Every rejected row goes
to ``<file>.rejects.csv`` next to the input with its line number and the reason.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import chain, islice, repeat
from operator import add, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from counter.domain import limits as lim
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.errors import UserError
from counter.services import input_bounds
from counter.services.context import Context

if TYPE_CHECKING:
    from counter.store.models import Officer

Progress = Callable[[int, int], None]
HEADER_SCAN_ROWS = 20  # title rows above the header are common in office sheets
CHUNK = 65536
# one long cell (e.g. an address column we ignore) must not refuse the file: the CSV reader
# takes a cell as long as the longest line input_bounds lets through
csv.field_size_limit(max(csv.field_size_limit(), lim.REGISTRY_LINE_BYTES))


class RegistryError(UserError, ValueError):
    """The whole file is refused; ``code`` selects the message (registry.<code>)."""

    prefix = "registry"


@dataclass
class ImportResult:
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejects_file: str | None
    seconds: float
    desa: dict[str, Any] | None = None  # the desa column: matched / empty / unmatched cells

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["desa"] is None:  # only an extract with a desa column adds the key
            del out["desa"]
        return out


# ---- headers ----------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DATE_WORDS = {"tgl", "tanggal", "date", "waktu", "tglaktivasi", "on"}
_ACT_WORDS = {"aktivasi", "aktif", "activation", "activated", "ikd", "diaktifkan"}
_NOT_STATUS = {
    "kawin",
    "perkawinan",
    "hubungan",
    "keluarga",
    "hidup",
    "pekerjaan",
    "rekam",
    "perekaman",
    "ktp",
    "kk",
}


def norm_header(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").lower()
    return _NON_ALNUM.sub(" ", text).strip()


def _nik_score(h: str) -> int:
    tokens = h.split()
    compact = h.replace(" ", "")
    if compact == "nik":  # NIK, N.I.K, N I K
        return 4
    if compact in ("nonik", "nomornik", "niknumber", "nikktp", "nikpenduduk"):
        return 3
    if "kk" in tokens or "kepala" in tokens or "nama" in tokens:
        return 0
    if "nik" in tokens:
        return 3
    if "nomor induk kependudukan" in h or h in ("id number", "national id", "nik number"):
        return 2
    return 0


def _status_score(h: str) -> int:
    tokens = set(h.split())
    if not tokens or tokens & _DATE_WORDS or "tgl" in h:
        return 0
    if "ikd" in tokens and ("status" in tokens or "aktivasi" in tokens or "aktif" in tokens):
        return 4
    if "ikd" in tokens and not tokens & _NOT_STATUS:
        return 3
    if h in (
        "status",
        "status aktivasi",
        "aktivasi",
        "activation status",
        "activated",
        "active",
        "status aktif",
        "sudah aktivasi",
        "keterangan aktivasi",
    ):
        return 2
    if "status" in tokens and not tokens & _NOT_STATUS:
        return 1
    return 0


def _date_score(h: str) -> int:
    tokens = set(h.split())
    if h in ("activated on", "activation date", "activated at", "tglaktivasi"):
        return 4
    if "lahir" in tokens or "birth" in tokens:
        return 0
    has_date = bool(tokens & _DATE_WORDS) or h.startswith("tgl")
    if has_date and tokens & _ACT_WORDS:
        return 3
    if h in ("tanggal", "tgl", "date"):
        return 1
    return 0


def match_columns(headers: Sequence[object]) -> tuple[int | None, int | None, int | None]:
    """(nik, status, activation date) column indexes, matched loosely (Indonesian or English)."""
    normed = [norm_header(h) for h in headers]

    def best(score: Callable[[str], int], taken: set[int]) -> int | None:
        pick, top = None, 0
        for i, h in enumerate(normed):
            s = score(h)
            if s > top and i not in taken:
                pick, top = i, s
        return pick

    ni = best(_nik_score, set())
    di = best(_date_score, {ni} if ni is not None else set())
    si = best(_status_score, {i for i in (ni, di) if i is not None})
    return ni, si, di


# ---- values -----------------------------------------------------------------------------------

_ACTIVE_WORDS = {
    "SUDAH",
    "YA",
    "Y",
    "YES",
    "AKTIF",
    "ACTIVE",
    "1",
    "TRUE",
    "SUDAH AKTIF",
    "SUDAH AKTIVASI",
    "SUDAH AKTIVASI IKD",
    "TELAH AKTIVASI",
    "TERAKTIVASI",
    "ACTIVATED",
    "IKD AKTIF",
    "SUDAH IKD",
}
_NOT_ACTIVE_WORDS = {
    "BELUM",
    "TIDAK",
    "N",
    "NO",
    "TIDAK AKTIF",
    "BELUM AKTIF",
    "BELUM AKTIVASI",
    "BELUM AKTIVASI IKD",
    "TIDAK AKTIVASI",
    "NON AKTIF",
    "NONAKTIF",
    "INACTIVE",
    "NOT ACTIVE",
    "0",
    "FALSE",
    "BELUM IKD",
}
_WS = re.compile(r"[\s_\-]+")


def status_code(raw: object) -> str | None:
    """``active`` / ``not_active`` from a status word (case-insensitive), None if unknown."""
    if isinstance(raw, bool):
        return oc.ACTIVE if raw else oc.NOT_ACTIVE
    if isinstance(raw, (int, float)):
        return {1: oc.ACTIVE, 0: oc.NOT_ACTIVE}.get(raw)  # type: ignore[call-overload]
    if raw is None:
        return None
    word = _WS.sub(" ", str(raw)).strip().upper()
    if word in _ACTIVE_WORDS:
        return oc.ACTIVE
    if word in _NOT_ACTIVE_WORDS:
        return oc.NOT_ACTIVE
    return None


_DMY = re.compile(
    r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}"
    r"(?:\.\d+)?)?)?$"
)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_BAD = object()
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw: object, today: date) -> date | None:
    """An activation date (dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd, XLSX date cells); None when the
    cell is empty; ValueError when it is not a date or lies in the future."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        d = raw.date()
    elif isinstance(raw, date):
        d = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not 20000 <= raw <= 80000:  # an Excel serial day number, not formatted as a date
            raise ValueError(raw)
        d = _EXCEL_EPOCH + timedelta(days=int(raw))
    else:
        text = str(raw).strip()
        if not text:
            return None
        m = _DMY.match(text)
        if m:
            d = date(int(m[3]), int(m[2]), int(m[1]))
        else:
            m = _YMD.match(text)
            if not m:
                raise ValueError(text)
            d = date(int(m[1]), int(m[2]), int(m[3]))
    if d > today or d.year < 2000:
        raise ValueError(raw)
    return d


# ---- reading ----------------------------------------------------------------------------------


@dataclass
class _Table:
    headers: list[str]
    header_line: int  # 1-based line (CSV) or row (XLSX) of the header
    rows: list[tuple[Any, Any, Any]]  # (nik, status, date) raw cells of each data row
    lines: list[int] | None  # line of each row; None: header_line + 1 + index
    delimiter: str
    niks_valid: bool = False  # the reader already matched every NIK as a valid Batang NIK
    # Fastest path (SQLite, unquoted CSV, NIK before the status and date columns): each line's
    # cells from the NIK to the last wanted one, as one string, NIK valid; ``rows`` is then empty
    spans: list[tuple[str, str]] | None = None  # (NIK, "status,date" or "status") per line
    span_dated: bool = False  # the tails are the status and the date cell (else the status)
    keys: list[str] | None = None  # or already the sorted keys (see _keys_in_two_processes)
    # the tails start at the desa cell, this many cells before the status (0: no desa); the
    # keys then carry the desa and ``desa_counts`` its rows (registry_places.desa_keys)
    span_desa: int = 0
    desa_counts: dict[str, int] | None = None


def _with_dates(rows: list[tuple[Any, ...]]) -> list[tuple[Any, Any, Any]]:
    """(nik, status) rows of a file without an activation-date column, as 3-tuples (in C)."""
    return list(zip(map(itemgetter(0), rows), map(itemgetter(1), rows), repeat(None)))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel "CSV (ANSI)"


def detect_delimiter(text: str) -> str:
    """`,` `;` or tab, judged on the header line (the first line naming a NIK column)."""
    lines = [ln for ln in text[:65536].splitlines()[:HEADER_SCAN_ROWS] if ln.strip()]
    if not lines:
        return ","
    probe = next((ln for ln in lines if "nik" in ln.lower()), lines[0])
    counts = {d: probe.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, list[str]] | None:
    for i, row in enumerate(rows):
        ni, _, _ = match_columns(row)
        if ni is not None:
            return i, ["" if c is None else str(c) for c in row]
    return None


def _read_csv(
    path: Path,
    progress: Progress | None,
    spans_ok: bool = False,
    two_processes_for: date | None = None,
) -> _Table:
    """``spans_ok``: the fastest path's (NIK, tail) pairs may be returned. With
    ``two_processes_for`` (today; only for an empty registry), already their sorted keys, half
    of them made by a forked child (see _keys_in_two_processes)."""
    text = _decode(path.read_bytes())
    delim = detect_delimiter(text)
    # the header is looked for in the first lines only: a StringIO over the whole text would
    # copy it into a 4-bytes-per-character buffer on the first read (0.1 s and 180 MB for
    # 45 MB); quoting there (multi-line cells) keeps the whole text
    cut = -1
    for _ in range(HEADER_SCAN_ROWS):
        cut = text.find("\n", cut + 1)
        if cut == -1:
            break
    head_text = text[: cut + 1] if cut != -1 and text.find('"', 0, cut) == -1 else text
    buf = io.StringIO(head_text, newline="")
    reader = csv.reader(buf, delimiter=delim)
    head: list[list[str]] = []
    head_lines: list[int] = []
    for row in reader:
        head.append(row)
        head_lines.append(reader.line_num)
        if _find_header([row]) is not None or len(head) >= HEADER_SCAN_ROWS:
            break
    found = _find_header(head)
    if found is None:
        first = next((r for r in head if any(c.strip() for c in r)), [])
        raise RegistryError(
            "no_nik_column", file=path.name, headers=input_bounds.shown_headers(first)
        )
    hi, headers = found
    header_line = head_lines[hi]
    ni, si, di = match_columns(headers)
    if si is None:
        raise RegistryError(
            "no_status_column", file=path.name, headers=input_bounds.shown_headers(headers)
        )
    assert ni is not None
    total = len(text)
    start_pos = buf.tell()
    body_lines = text.count("\n", start_pos)
    if len(text) > start_pos and not text.endswith("\n"):
        body_lines += 1
    wanted = [i for i in (ni, si, di) if i is not None]
    # Fastest paths: no quoting anywhere, so one regular expression pulls the wanted cells of
    # every line (in C). Lines that do not fit make the count differ: then the csv reader.
    from counter.services.registry_places import desa_column

    xi = desa_column(headers, [ni, si, di])
    if spans_ok and text.find('"', start_pos) == -1 and ni < si and (di is None or di == si + 1):
        # one string per line from the NIK cell to the status (and date) cell: one object per
        # row instead of a tuple and three strings; the NIK matched as a valid Batang NIK.
        # A desa column just before the status (or one cell more) starts the tail instead.
        last = si if di is None else di
        first = xi if xi is not None and ni < xi < si and si - xi <= 2 else si
        pattern = _span_pattern(delim, ni, first, last)
        if two_processes_for is not None:
            counts: dict[str, int] = {}
            keys = _keys_in_two_processes(
                pattern,
                text,
                start_pos,
                delim,
                di is not None,
                two_processes_for,
                si - first,
                counts,
            )
            if keys is not None and len(keys) == body_lines:
                if progress:
                    progress(50, 100)
                return _Table(
                    headers,
                    header_line,
                    [],
                    None,
                    delim,
                    True,
                    None,
                    di is not None,
                    keys,
                    span_desa=si - first,
                    desa_counts=counts,
                )
            del keys
        spans = pattern.findall(text, start_pos)
        if len(spans) == body_lines:
            if progress:
                progress(50, 100)
            return _Table(
                headers,
                header_line,
                [],
                None,
                delim,
                True,
                spans,
                di is not None,
                span_desa=si - first,
            )
        del spans
    if text.find('"', start_pos) == -1:
        # first with the NIK cell matched as a valid Batang NIK (saves a pass over the column);
        # when some line does not fit that, again with any NIK cell
        niks_valid = True
        rows = _line_pattern(delim, wanted, ni).findall(text, start_pos)
        if len(rows) != body_lines:
            niks_valid = False
            rows = _line_pattern(delim, wanted).findall(text, start_pos)
        if len(rows) == body_lines:
            if progress:
                progress(50, 100)
            in_file_order = sorted(wanted)
            if wanted != in_file_order:  # e.g. STATUS before NIK: put the cells in our order
                rows = list(map(itemgetter(*[in_file_order.index(i) for i in wanted]), rows))
            if di is None:
                rows = _with_dates(rows)
            return _Table(headers, header_line, rows, None, delim, niks_valid)
    if head_text is not text:
        buf = io.StringIO(text, newline="")
        buf.seek(start_pos)
        reader = csv.reader(buf, delimiter=delim)
    # Fast path: rows straight from the C reader through itemgetter, in chunks (for progress).
    getter = itemgetter(*wanted)
    rows = []
    try:
        while True:
            chunk = list(map(getter, islice(reader, CHUNK)))
            if not chunk:
                break
            rows.extend(chunk)
            if progress:
                progress(buf.tell() * 50 // max(1, total), 100)
        # line numbers are implicit unless a quoted cell spans lines (or lines end in a bare CR)
        if body_lines == len(rows):
            return _Table(
                headers, header_line, rows if di is not None else _with_dates(rows), None, delim
            )
    except IndexError:  # a blank or short line
        pass
    # Slow path: short rows, blank lines or multi-line cells; keep exact line numbers.
    buf.seek(start_pos)
    reader = csv.reader(buf, delimiter=delim)
    rows, lines = [], []
    width = max(ni, si, di if di is not None else 0) + 1
    prev = 0
    for row in reader:
        first_line = header_line + prev + 1
        prev = reader.line_num
        if not row:
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rows.append((row[ni], row[si], row[di] if di is not None else None))
        lines.append(first_line)
    return _Table(headers, header_line, rows, lines, delim)


def _line_pattern(
    delim: str, wanted: list[int], valid_nik_at: int | None = None
) -> re.Pattern[str]:
    """One data line: the wanted cells captured; with ``valid_nik_at`` that cell must be a
    valid Batang NIK."""
    d = re.escape(delim)
    cell = f"[^{d}\\r\\n]*"
    parts = [
        (f"({_BATANG_NIK})" if k == valid_nik_at else f"({cell})") if k in wanted else cell
        for k in range(max(wanted) + 1)
    ]
    return re.compile("^" + d.join(parts) + f"(?:{d}[^\\r\\n]*)?\\r?$", re.M)


def _span_pattern(delim: str, nik: int, status: int, last: int) -> re.Pattern[str]:
    """One data line; captured: the cell ``nik`` (a valid Batang NIK), and the cells
    ``status`` to ``last`` as ONE string (the status, or the status and the date)."""
    d = re.escape(delim)
    cell = f"[^{d}\\r\\n]*"
    head = "".join(cell + d for _ in range(nik))
    between = "".join(d + cell for _ in range(status - nik - 1))
    tail = d.join([cell] * (last - status + 1))
    return re.compile(
        "^" + head + f"({_BATANG_NIK})" + between + d + f"({tail})" + f"(?:{d}[^\\r\\n]*)?\\r?$",
        re.M,
    )


def _read_xlsx(path: Path, progress: Progress | None) -> _Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise RegistryError("unreadable", file=path.name, detail=str(e) or type(e).__name__) from e
    try:
        first_headers: list[str] = []
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            head: list[tuple[Any, ...]] = []
            for row in it:
                head.append(row)
                if _find_header([row]) is not None or len(head) >= HEADER_SCAN_ROWS:
                    break
            found = _find_header(head)
            if found is None:
                if not first_headers:
                    first = next((r for r in head if any(not _empty(c) for c in r)), ())
                    first_headers = [str(c).strip() for c in first if not _empty(c)]
                continue
            hi, headers = found
            ni, si, di = match_columns(headers)
            if si is None:
                raise RegistryError(
                    "no_status_column", file=path.name, headers=input_bounds.shown_headers(headers)
                )
            assert ni is not None
            header_line = hi + 1
            rows: list[tuple[Any, ...]] = []
            lines: list[int] = []
            width = max(ni, si, di if di is not None else 0) + 1
            for r, row in enumerate(it, start=header_line + 1):
                if len(row) < width:
                    row = tuple(row) + (None,) * (width - len(row))
                n = row[ni]
                if isinstance(n, bool):
                    n = str(n)
                elif isinstance(n, (int, float)):
                    n = _numeric_nik(n)
                elif n is not None and not isinstance(n, str):
                    n = str(n)
                rows.append((n, row[si], row[di] if di is not None else None))
                lines.append(r)
                if progress and r % CHUNK == 0:
                    progress(min(49, r // CHUNK), 100)
            return _Table(headers, header_line, rows, lines, ";")
        raise RegistryError(
            "no_nik_column", file=path.name, headers=input_bounds.shown_headers(first_headers)
        )
    finally:
        wb.close()


def _numeric_nik(v: float) -> str:
    """A NIK stored as a number. Excel keeps 15 significant digits, so a 16-digit number cell
    ending in 0 may have lost its last digit: it is shown as Excel shows it, and rejected."""
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    i = int(v)
    if len(str(i)) == 16 and i % 10 != 0:
        return str(i)  # all 16 digits survived (the file was not saved by Excel)
    return f"{i}.0" if len(str(i)) >= 15 else str(i)


# ---- validation -------------------------------------------------------------------------------


# Birth-date digits (ddmmyy, women +40) that nik.birth_date accepts: with the 19yy/20yy choice
# every day/month pair is a date except 29 February of a year that is not a leap year in either
# century (yy % 4 != 0). tests/test_registry_import.py checks this against nik.birth_date.
BIRTH_DIGITS_RE = (
    r"(?:(?:0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(?:0[1-9]|1[0-2])[0-9]{2}"
    r"|(?:29|69)(?:0[13-9]|1[0-2])[0-9]{2}"
    r"|(?:29|69)02(?:[02468][048]|[13579][26])"
    r"|(?:30|70)(?:0[13-9]|1[0-2])[0-9]{2}"
    r"|(?:31|71)(?:0[13578]|1[02])[0-9]{2})"
)


def _batang_nik_pattern() -> str:
    """A valid Batang NIK: district known, birth date possible, serial not 0000."""
    from counter.domain import regions

    prefixes = "|".join(r.code.replace(".", "") for r in regions.districts())
    return f"(?:{prefixes}){BIRTH_DIGITS_RE}(?!0000)[0-9]{{4}}"


_BATANG_NIK = _batang_nik_pattern()


@lru_cache(maxsize=1)
def _batang_niks_re() -> re.Pattern[str]:
    """Newline-separated valid Batang NIKs."""
    return re.compile(f"(?:{_BATANG_NIK}\n)*{_BATANG_NIK}")


class _Lazy(dict):  # type: ignore[type-arg]
    """A cache filled on first use of a key; lookups of known keys stay in C."""

    def __init__(self, fn: Callable[[str], bool]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> bool:
        value = self[key] = self.fn(key)
        return value


@dataclass
class _Checked:
    rows: list[tuple[Any, Any, Any]]  # rows to store (nik cleaned), file order; [] with all_rows
    all_rows: bool  # every row of the table is stored as it is (no reject, no duplicate)
    status: dict[Any, str | None]  # raw status cell -> status code
    dates: dict[Any, Any]  # raw date cell -> ISO date or None
    rejects: list[tuple[int, Any, Any, Any, str]]  # (index, nik, status, date, reason)


def _validate(table: _Table, today: date, lang: str) -> _Checked:
    """Check every row. Work per row stays in C where it can: status words and dates are mapped
    once per distinct value, NIK regions and birth dates once per distinct prefix / date, and the
    per-row checks are C-level passes over the NIK column; rows found wrong are then examined one
    by one for the reason."""
    from counter.i18n import catalog

    t = catalog(lang)
    rows = table.rows
    n_rows = len(rows)
    smap = {raw: status_code(raw) for raw in set(map(itemgetter(1), rows))}
    dmap: dict[Any, Any] = {}
    for raw in set(map(itemgetter(2), rows)):
        try:
            d = parse_date(raw, today)
            dmap[raw] = d.isoformat() if d else None
        except (ValueError, OverflowError):
            dmap[raw] = _BAD
    if not n_rows:
        return _Checked([], True, smap, dmap, [])
    niks = list(map(itemgetter(0), rows))

    def prefix_ok(prefix: str) -> bool:
        return nikmod.check(prefix + "0101900001", today)[0] is not None

    def born_ok(ddmmyy: str) -> bool:
        try:
            nikmod.birth_date(ddmmyy, today)
            return True
        except nikmod.NikError:
            return False

    bad: set[int] = set()
    all_str = table.niks_valid or set(map(type, niks)) == {str}
    if table.niks_valid or (all_str and _batang_niks_re().fullmatch("\n".join(niks))):
        pass  # every NIK is a valid Batang NIK: one C pass over the column
    elif (
        all_str
        and set(map(len, niks)) == {16}
        and all(map(str.isascii, niks))
        and all(map(str.isdigit, niks))
    ):
        bad_pref = {p for p in set(map(itemgetter(slice(0, 6)), niks)) if not prefix_ok(p)}
        bad_born = {b for b in set(map(itemgetter(slice(6, 12)), niks)) if not born_ok(b)}
        if bad_pref or bad_born or "0000" in set(map(itemgetter(slice(12, 16)), niks)):
            bad = {
                i
                for i, n in enumerate(niks)
                if n[:6] in bad_pref or n[6:12] in bad_born or n[12:] == "0000"
            }
    else:
        okp, okb = _Lazy(prefix_ok), _Lazy(born_ok)
        bad = {
            i
            for i, n in enumerate(niks)
            if n.__class__ is not str
            or len(n) != 16
            or not n.isascii()
            or not n.isdigit()
            or n[12:] == "0000"
            or not okp[n[:6]]
            or not okb[n[6:12]]
        }
    if None in smap.values():
        bad.update(
            i for i, s in enumerate(map(smap.__getitem__, map(itemgetter(1), rows))) if s is None
        )
    if _BAD in dmap.values():
        bad.update(
            i for i, d in enumerate(map(dmap.__getitem__, map(itemgetter(2), rows))) if d is _BAD
        )
    rejects: list[tuple[int, Any, Any, Any, str]] = []
    excluded: set[int] = set()
    cleaned = False
    for i in sorted(bad):
        n, s, d = rows[i]
        if _empty(n) and _empty(s) and _empty(d):
            excluded.add(i)  # an empty row: nothing to import, nothing to report
            continue
        info, err = nikmod.check(n, today)
        reason = None
        if err is not None:
            reason = "NIK: " + err.message(lang)
        elif smap[s] is None:
            reason = t("registry.bad_status", value="" if s is None else s)
        elif dmap[d] is _BAD:
            reason = t("registry.bad_date", value=d)
        if reason:
            rejects.append((i, n, s, d, reason))
            excluded.add(i)
        else:
            assert info is not None
            niks[i] = info.nik  # valid once the separators are gone
            cleaned = True
    if len(set(niks)) == n_rows:  # no NIK twice: the common case
        if not excluded and not cleaned:
            return _Checked([], True, smap, dmap, [])
        keep = [i for i in range(n_rows) if i not in excluded]
    else:
        seen: dict[str, int] = {}
        for i, n in enumerate(niks):
            if i in excluded:
                continue
            j = seen.get(n)
            if j is not None:
                rn, rs, rd = rows[j]
                rejects.append((j, rn, rs, rd, t("registry.superseded", line=_line(table, i))))
            seen[n] = i
        keep = sorted(seen.values())
    rejects.sort(key=itemgetter(0))
    return _Checked([(niks[i], rows[i][1], rows[i][2]) for i in keep], False, smap, dmap, rejects)


def _span_params(table: _Table, today: date, check_dups: bool = True) -> list[str] | None:
    """One string per row, sorted: the NIK followed by the packed status (``N`` not active,
    ``A`` active, ``A2025-03-15`` active since that date), from the (NIK, tail) pairs of a
    table whose NIKs are all valid; None when some row needs the general path (a status or
    date that is not valid, or a NIK twice: those rows are rejected with their line numbers
    there). ``check_dups=False``: the caller lets the primary key catch a NIK twice (empty
    registry). A table read in two processes has its keys ready (see _keys_in_two_processes).
    With a desa column in the tails, the NIK is followed by the desa (registry_places)."""
    if table.keys is not None:
        return table.keys
    pairs = table.spans
    assert pairs is not None
    if table.span_desa:
        table.desa_counts = {}
    return _keys(
        pairs,
        table.delimiter,
        table.span_dated,
        today,
        check_dups,
        table.span_desa,
        table.desa_counts,
    )


def _pack_tail(raw: str, delimiter: str, dated: bool, today: date) -> str | None:
    """``N`` | ``A`` | ``A`` + ISO date for a ``status,date`` (or ``status``) tail; None when
    the status or the date is not valid."""
    status, _, when = raw.rpartition(delimiter) if dated else (raw, "", "")
    code = status_code(status)
    if code is None:
        return None
    try:
        day = parse_date(when, today)
    except (ValueError, OverflowError):
        return None
    return ("A" + (day.isoformat() if day else "")) if code == oc.ACTIVE else "N"


def _keys(
    pairs: list[tuple[str, str]],
    delimiter: str,
    dated: bool,
    today: date,
    check_dups: bool,
    desa_cells: int = 0,
    counts: dict[str, int] | None = None,
) -> list[str] | None:
    """The sorted packed keys of (NIK, tail) pairs (emptied on the way), or None.

    Everything before the sort walks the pairs in file order (the order they lie in memory);
    the distinct ``status,date`` tails are few (about 1,400 in Batang's extract) and are
    checked once each. Sorting the joined strings sorts by NIK (16 digits, then the status).
    ``desa_cells``: the tails start with the desa cell, that many cells before the status
    (``registry_places.desa_keys`` packs them and adds the rows per desa to ``counts``)."""
    niks = list(map(itemgetter(0), pairs))
    tails = list(map(itemgetter(1), pairs))
    pairs.clear()
    if check_dups and len(set(niks)) != len(niks):
        return None  # a NIK twice
    if desa_cells:
        from counter.services.registry_places import desa_keys

        keys = desa_keys(
            niks,
            tails,
            delimiter,
            desa_cells,
            lambda rest: _pack_tail(rest, delimiter, dated, today),
            counts,
        )
        if keys is None:
            return None
    else:
        packed: dict[str, str] = {}
        for raw in set(tails):
            p = _pack_tail(raw, delimiter, dated, today)
            if p is None:
                return None
            packed[raw] = p
        keys = list(map(add, niks, map(packed.__getitem__, tails)))
    del niks, tails
    keys.sort()
    return keys


PARALLEL_MIN_BYTES = 4 << 20  # below ~50,000 lines a second process costs more than it saves


def _keys_in_two_processes(
    pattern: re.Pattern[str],
    text: str,
    start: int,
    delimiter: str,
    dated: bool,
    today: date,
    desa_cells: int = 0,
    counts: dict[str, int] | None = None,
) -> list[str] | None:
    """The sorted keys of every line (see _keys), the second half of the text matched, packed
    and sorted by a forked child process while this one does the first half; the two sorted
    halves are then merged (one ``list.sort`` over two runs, in C). Only for an EMPTY registry
    (the primary key catches a NIK twice, also across the halves). None where fork is not the
    way (not POSIX, other threads running, a small file), when the child failed, or when some
    line needs the general path: the caller then reads the file here alone.

    The child shares the text through fork (nothing copied up front), sends its keys back as
    one newline-joined string (keys never hold a newline: the pattern's cells exclude it), and
    leaves with ``os._exit`` (none of the parent's clean-up, database connections untouched).
    With ``desa_cells`` (see _keys) its rows per desa follow, after a NUL, as JSON."""
    import json
    import threading

    if (
        not hasattr(os, "fork")
        or threading.active_count() > 1
        or len(text) - start < PARALLEL_MIN_BYTES
    ):
        return None
    mid = text.find("\n", start + (len(text) - start) // 2)
    if mid == -1:
        return None
    mid += 1
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: the second half
        code = 1
        try:
            os.close(r)
            theirs: dict[str, int] = {}
            part = _keys(
                pattern.findall(text, mid), delimiter, dated, today, False, desa_cells, theirs
            )
            data = (
                b"-"
                if part is None
                else len(part).to_bytes(8, "big")
                + "\n".join(part).encode("utf-8")
                + b"\0"
                + json.dumps(theirs).encode("ascii")
            )
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    reader = os.fdopen(r, "rb")
    try:
        keys = _keys(
            pattern.findall(text, start, mid), delimiter, dated, today, False, desa_cells, counts
        )
        data = reader.read()
    finally:
        reader.close()  # first: a child still writing gets EPIPE instead of waiting forever
        _, status = os.waitpid(pid, 0)
    if keys is None or status != 0 or len(data) < 8:
        return None
    n = int.from_bytes(data[:8], "big")
    body, _, extra = data[8:].partition(b"\0")
    if counts is not None:
        for k, v in json.loads(extra or b"{}").items():
            counts[k] = counts.get(k, 0) + int(v)
    if n:
        rest = body.decode("utf-8").split("\n")
        if len(rest) != n:
            return None
        keys += rest
        keys.sort()  # two sorted runs: merged
    return keys


def _line(table: _Table, index: int) -> int:
    return table.lines[index] if table.lines is not None else table.header_line + 1 + index


def _write_rejects(path: Path, table: _Table, checked: _Checked, lang: str) -> Path:
    from counter.i18n import catalog

    t = catalog(lang)
    # foo.csv and foo.xlsx each get their own (foo.csv.rejects.csv, foo.xlsx.rejects.csv);
    # personal data: 0600 (store.files); cells are cut short and never become formulas in Excel
    out = path.with_name(path.name + ".rejects.csv")
    from counter.store.files import open_private

    with open_private(out, "w", encoding="utf-8-sig", newline="") as f:  # NIKs: 0600
        w = csv.writer(f, delimiter=table.delimiter if table.delimiter != "\t" else ";")
        w.writerow(
            [
                t("registry.col_line"),
                "NIK",
                t("registry.col_status"),
                t("registry.col_date"),
                t("registry.col_reason"),
            ]
        )
        for i, n, s, d, reason in checked.rejects:
            w.writerow(
                [
                    _line(table, i),
                    _reject_cell(n),
                    _reject_cell(s),
                    _reject_cell(d),
                    _reject_cell(reason),
                ]
            )
    return out


def _reject_cell(v: object) -> str:
    from counter.services.export import neutralise

    text = "" if v is None else str(v)
    if len(text) > lim.REJECT_CELL:
        text = text[: lim.REJECT_CELL] + "…"
    return neutralise(text) or ""


# ---- writing ----------------------------------------------------------------------------------


def _sorted_rows(table: _Table, checked: _Checked) -> list[tuple[Any, Any, Any]]:
    """The rows to store sorted by NIK, so the primary-key index is filled in order. With every
    row stored as it is, the table's own list is sorted in place (it is not needed afterwards)."""
    rows = table.rows if checked.all_rows else checked.rows
    rows.sort(key=itemgetter(0))
    return rows


def _flat_params(rows: list[tuple[Any, Any, Any]], checked: _Checked) -> list[Any]:
    """nik, status, date, nik, status, date, ... for multi-row VALUES, built in C."""
    flat = list(chain.from_iterable(rows))
    flat[1::3] = list(map(checked.status.__getitem__, flat[1::3]))
    flat[2::3] = list(map(checked.dates.__getitem__, flat[2::3]))
    return flat


def _params(rows: list[tuple[Any, Any, Any]], checked: _Checked) -> list[tuple[Any, Any, Any]]:
    smap, dmap = checked.status, checked.dates
    return [(n, smap[s], dmap[d]) for n, s, d in rows]


BATCH = 200  # rows per INSERT statement (3 parameters each, well under SQLite's 32,766)
_SQLITE_UPSERT = (
    " ON CONFLICT(nik) DO UPDATE SET ikd_status = excluded.ikd_status, "
    "activated_on = excluded.activated_on, import_id = excluded.import_id "
    "WHERE registry_entry.ikd_status IS NOT excluded.ikd_status "
    "OR registry_entry.activated_on IS NOT excluded.activated_on"
)


def _sqlite_insert(
    rows: int, import_id: int, upsert: bool, packed: bool = False, desa: str | None = None
) -> str:
    """INSERT of ``rows`` rows; the activation date is kept only for active entries. A packed
    row is ONE string: the NIK, then ``N`` | ``A`` | ``A`` + ISO date, see ``_span_params``;
    with ``desa`` (its SQL, registry_places.desa_sql), the NIK, six characters of the desa
    (KKDDDD, 000000: none, or a placeholder), then the status."""
    if desa:
        return _sqlite_insert_desa(rows, import_id, upsert, desa)
    values = ", ".join(["(?)"] * rows) if packed else ", ".join(["(?, ?, ?)"] * rows)
    cols = (
        "substr(column1, 1, 16), CASE WHEN substr(column1, 17, 1) = 'A' THEN 'active' "
        "ELSE 'not_active' END, nullif(substr(column1, 18), ''), "
        if packed
        else "column1, column2, CASE WHEN column2 = 'active' THEN column3 END, "
    )
    return (
        "INSERT INTO registry_entry (nik, ikd_status, activated_on, import_id) "
        f"SELECT {cols}{int(import_id)} FROM (VALUES "
        + values
        + ") WHERE true"
        + (_SQLITE_UPSERT if upsert else "")
    )


def _sqlite_insert_desa(rows: int, import_id: int, upsert: bool, desa: str) -> str:
    cols = (
        "substr(column1, 1, 16), CASE WHEN substr(column1, 23, 1) = 'A' THEN 'active' "
        f"ELSE 'not_active' END, nullif(substr(column1, 24), ''), {int(import_id)}, {desa}"
    )
    conflict = (
        " ON CONFLICT(nik) DO UPDATE SET ikd_status = excluded.ikd_status, "
        "activated_on = excluded.activated_on, import_id = excluded.import_id, "
        "desa = excluded.desa WHERE registry_entry.ikd_status IS NOT excluded.ikd_status "
        "OR registry_entry.activated_on IS NOT excluded.activated_on "
        "OR registry_entry.desa IS NOT excluded.desa"
    )
    return (
        "INSERT INTO registry_entry (nik, ikd_status, activated_on, import_id, desa) "
        f"SELECT {cols} FROM (VALUES "
        + ", ".join(["(?)"] * rows)
        + ") WHERE true"
        + (conflict if upsert else "")
    )


_NEW_IMPORT = (
    "INSERT INTO registry_import (source, imported_at, read, inserted, updated, "
    "rejected) VALUES ({p}, {p}, {p}, 0, 0, {p})"
)
_IMPORT_COUNTS = "UPDATE registry_import SET inserted = {p}, updated = {p} WHERE id = {p}"


def _write_sqlite(
    ctx: Context,
    flat: list[Any],
    source: str,
    now: datetime,
    progress: Progress | None,
    packed: bool = False,
    read: int = 0,
    rejected: int = 0,
    dups_checked: bool = True,
    places: Any = None,
) -> tuple[int, int]:
    """One transaction; multi-row INSERTs of BATCH rows (fewer VM round trips per row).
    ``flat``: nik, status, date, ... or, ``packed``, one string per row (NIK + packed status)
    ``places``: ``registry_places.Keep`` (the desa and the totals kept for coverage)

    (A writer thread overlapping SQLite with building the parameters was tried: slower, as the
    C-level list building holds the GIL for long stretches.)"""
    ts = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    width = 1 if packed else 3
    total = len(flat) // width
    with ctx.db.write_engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        import_id = raw.execute(_NEW_IMPORT.format(p="?"), (source, ts, read, rejected)).lastrowid
        upsert = raw.execute("SELECT 1 FROM registry_entry LIMIT 1").fetchone() is not None
        # an upsert counts the new rows from the table's size; plain INSERTs are all new
        before = raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0] if upsert else 0
        if upsert and not dups_checked:  # rows arrived since the caller looked: check after all
            raise _GeneralPath
        old_cache = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute("PRAGMA cache_size=-131072")  # 128 MiB while the rows go in
        try:
            changed = 0
            full = total - total % BATCH
            step = width * BATCH
            desa = places.desa_sql() if places is not None and places.packed_desa else None
            sql = _sqlite_insert(BATCH, import_id, upsert, packed, desa)
            per_chunk = (CHUNK // BATCH) * BATCH
            for k in range(0, full, per_chunk):
                end = min(full, k + per_chunk)
                cur = raw.executemany(
                    sql, (flat[j : j + step] for j in range(width * k, width * end, step))
                )
                changed += max(0, cur.rowcount)
                if progress:
                    progress(60 + 40 * end // max(1, total), 100)
            if total > full:
                cur = raw.execute(
                    _sqlite_insert(total - full, import_id, upsert, packed, desa),
                    flat[width * full :],
                )
                changed += max(0, cur.rowcount)
            after = (
                raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0]
                if upsert
                else changed
            )
            if places is not None and not places.write(
                raw,
                "sqlite",
                import_id,
                flat if packed else None,
                whole=after == total and (desa is not None or not upsert),
            ):
                raise _GeneralPath  # a desa name outside its resident's kecamatan
        except sqlite3.IntegrityError:
            if dups_checked:
                raise
            raise _GeneralPath from None  # a NIK twice: rolled back; the caller reads again
        finally:
            raw.execute(f"PRAGMA cache_size={int(old_cache)}")
        inserted = after - before
        raw.execute(_IMPORT_COUNTS.format(p="?"), (inserted, changed - inserted, import_id))
    return inserted, changed - inserted


def _write_postgres(
    ctx: Context,
    params: list[tuple[str, str, str | None]],
    source: str,
    now: datetime,
    progress: Progress | None,
    read: int = 0,
    rejected: int = 0,
    places: Any = None,
) -> tuple[int, int]:
    with ctx.db.write_engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute(_NEW_IMPORT.format(p="%s") + " RETURNING id", (source, now, read, rejected))
            row = cur.fetchone()
            assert row is not None
            import_id = int(row[0])
            cur.execute(
                "CREATE TEMP TABLE ikd_registry_stage (nik varchar(16) PRIMARY KEY, "
                "ikd_status varchar(12) NOT NULL, activated_on date) ON COMMIT DROP"
            )
            with cur.copy(
                "COPY ikd_registry_stage (nik, ikd_status, activated_on) FROM STDIN"
            ) as cp:
                for k, row in enumerate(params):
                    cp.write_row(row)
                    if progress and k % CHUNK == 0:
                        progress(60 + 30 * k // max(1, len(params)), 100)
            cur.execute(
                "WITH up AS ("
                " INSERT INTO registry_entry (nik, ikd_status, activated_on, import_id)"
                " SELECT nik, ikd_status, CASE WHEN ikd_status = 'active' THEN activated_on END,"
                " %s FROM ikd_registry_stage"
                " ON CONFLICT (nik) DO UPDATE SET ikd_status = EXCLUDED.ikd_status,"
                "  activated_on = EXCLUDED.activated_on, import_id = EXCLUDED.import_id"
                " WHERE registry_entry.ikd_status IS DISTINCT FROM EXCLUDED.ikd_status"
                "  OR registry_entry.activated_on IS DISTINCT FROM EXCLUDED.activated_on"
                " RETURNING (xmax = 0) AS inserted)"
                " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
                " FROM up",
                (import_id,),
            )
            row = cur.fetchone()
            assert row is not None
            if places is not None:
                places.write(raw, "postgresql", import_id, None, whole=False)
            cur.execute(_IMPORT_COUNTS.format(p="%s"), (int(row[0]), int(row[1]), import_id))
    if progress:
        progress(100, 100)
    return int(row[0]), int(row[1])


# ---- the import -------------------------------------------------------------------------------


class _GeneralPath(Exception):
    """The fastest path met a NIK twice while writing (rolled back): read the file again."""


def import_registry(
    ctx: Context,
    path: str | Path,
    progress: Progress | None = None,
    lang: str | None = None,
    by: Officer | None = None,
) -> ImportResult:
    """Import a registry extract; returns the counts (audited as ``by``). Raises RegistryError
    for a refused file."""
    t0 = time.perf_counter()
    path = Path(path)
    lang = lang or ctx.settings.lang
    if not path.is_file():
        raise RegistryError("unreadable", file=str(path), detail="not found")
    try:  # size, encoding, line lengths: refused before the file is read whole
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            input_bounds.check_xlsx(path)
        else:
            input_bounds.check_csv(path)
    except OSError as e:
        raise RegistryError("unreadable", file=path.name, detail=e.strerror or str(e)) from e
    gc_was = gc.isenabled()
    gc.disable()  # millions of small tuples: the cyclic GC would rescan them again and again
    try:
        try:
            counts = _import(ctx, path, progress, lang, fast=ctx.db.kind == "sqlite")
        except _GeneralPath:
            counts = _import(ctx, path, progress, lang, fast=False)
    finally:
        if gc_was:
            gc.enable()
    n_stored, n_rejects, rejects_file, inserted, updated, keep = counts
    result = ImportResult(
        read=n_stored + n_rejects,
        inserted=inserted,
        updated=updated,
        unchanged=n_stored - inserted - updated,
        rejected=n_rejects,
        rejects_file=rejects_file,
        seconds=round(time.perf_counter() - t0, 3),
        desa=keep.report,
    )
    from counter.services import audit

    audit.log(
        ctx,
        "registry_import",
        by,
        target=path.name,
        read=result.read,
        inserted=result.inserted,
        updated=result.updated,
        rejected=result.rejected,
    )
    return result


def _registry_empty(ctx: Context) -> bool:
    with ctx.db.read() as s:
        return s.execute(text("SELECT 1 FROM registry_entry LIMIT 1")).first() is None


def _import(
    ctx: Context, path: Path, progress: Progress | None, lang: str, fast: bool
) -> tuple[int, int, str | None, int, int, Any]:
    """Read, check and write once: (stored, rejected, rejects file, inserted, updated, what
    was kept for coverage: ``registry_places.Keep``).
    ``fast``: try the fastest path (SQLite, see _span_params); raises _GeneralPath when it met
    a NIK twice while writing (nothing kept)."""
    flat: list[Any] | None = None
    # Into an empty registry the rows are plain INSERTs, so a NIK twice is caught by the
    # primary key while writing (IntegrityError, rolled back): no set of 631,075 NIKs first.
    empty_registry = fast and _registry_empty(ctx)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _read_xlsx(path, progress)
    else:
        try:
            table = _read_csv(
                path,
                progress,
                spans_ok=fast,
                two_processes_for=ctx.today() if empty_registry else None,
            )
            if table.spans is not None or table.keys is not None:
                flat = _span_params(table, ctx.today(), check_dups=not empty_registry)
                if flat is None:  # some row to reject or a NIK twice: the general path
                    table = _read_csv(path, progress)
        except (OSError, csv.Error) as e:
            raise RegistryError("unreadable", file=path.name, detail=str(e)) from e
    n_rejects, rejects_file = 0, None
    packed = flat is not None
    if flat is None:
        checked = _validate(table, ctx.today(), lang)
        n_rejects = len(checked.rejects)
        if n_rejects:
            rejects_file = str(_write_rejects(path, table, checked, lang))
        rows = _sorted_rows(table, checked)
        n_stored = len(rows)
    else:  # every row valid, already sorted and mapped
        n_stored = len(flat)
    from counter.services.registry_places import Keep

    keep = Keep.for_table(path, table, packed, match_columns(table.headers), _decode, _numeric_nik)
    if progress:
        progress(60, 100)
    now = ctx.now()
    source = path.name[:200]
    try:
        if ctx.db.kind == "sqlite":
            if flat is None:
                flat = _flat_params(rows, checked)
                del rows
            del table
            inserted, updated = _write_sqlite(
                ctx,
                flat,
                source,
                now,
                progress,
                packed,
                n_stored + n_rejects,
                n_rejects,
                dups_checked=not (packed and empty_registry),
                places=keep,
            )
        else:
            inserted, updated = _write_postgres(
                ctx,
                _params(rows, checked),
                source,
                now,
                progress,
                n_stored + n_rejects,
                n_rejects,
                places=keep,
            )
    except _GeneralPath:
        raise
    except Exception as e:
        translated = ctx.db._translate(e)  # locked / disk full -> the storage messages
        if translated is not e:
            raise translated from e
        raise
    return n_stored, n_rejects, rejects_file, inserted, updated, keep
