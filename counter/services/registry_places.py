"""What a registry import keeps for coverage: each entry's desa and the import's totals per place.

Called from ``counter.services.registry`` (kept apart so that module stays about reading and
writing the extract):

* ``desa_column``: the extract's desa/kelurahan column, when it has one (by name or code).
* ``desa_keys``: on the fastest path (a clean CSV whose desa column lies just before the status,
  or one cell more), the six characters ``KKDDDD`` added to each packed row (``000000`` = empty
  cell) and the rows counted per desa; None when some cell does not match (the general path
  then reports it).
* ``DesaPass``: on the general path (quoted cells, rejects, XLSX, PostgreSQL), the desa cells read
  once more and set on the entries in the import's transaction, with what did not match.
* ``save_totals``: residents and IKD active per kecamatan (NIK digits 5-6) and per desa, written in
  the import's transaction to ``registry_coverage``. From the sorted packed rows when they are the
  whole registry (no query), else one ``GROUP BY`` over the registry.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import add, itemgetter, methodcaller
from pathlib import Path
from typing import Any

from counter.domain import places

NO_DESA = "000000"


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _norm_header(value: object) -> str:
    """As ``registry.norm_header``: lower case, words of letters and digits."""
    text = "" if value is None else str(value)
    return _NON_ALNUM.sub(" ", text.replace("\ufeff", "").lower()).strip()


def desa_column(headers: Sequence[object], taken: Sequence[int | None]) -> int | None:
    """Index of the desa/kelurahan column (the first such header not already taken)."""
    for i, h in enumerate(headers):
        if i not in taken and places.is_desa_header(_norm_header(h)):
            return i
    return None


# ---- fastest path: packed rows -----------------------------------------------------------------


def desa_keys(
    niks: list[str],
    tails: list[str],
    delimiter: str,
    cells: int,
    pack_rest: Callable[[str], str | None],
    counts: dict[str, int] | None,
) -> list[str] | None:
    """NIK + ``KKDDDD`` + packed status per row, for tails that start with the desa cell and
    reach the status after ``cells`` cells; None when some desa cell (not empty) or some status
    or date is not valid (the general path reports those rows).

    Each distinct tail is looked at once (the desa cell and the ``status,date`` rest each once
    per distinct value). A desa name of two kecamatan gets a placeholder (``?`` + 5, see
    ``places.placeholder``) that the NIK's kecamatan resolves later, in C: in the INSERT
    (``desa_sql``) and in the totals (``resolve_counts``). ``counts`` gets the rows per
    ``KKDDDD`` (or placeholder) + ``A``/``N``."""
    rows = Counter(tails)  # the distinct tails and their rows, in one pass
    parts = list(map(methodcaller("split", delimiter, cells), rows))
    cells_of = list(map(itemgetter(0), parts))
    rests_of = list(map(itemgetter(-1), parts))
    del parts
    rests = {rest: pack_rest(rest) for rest in set(rests_of)}
    found = {cell: _desa6(cell) for cell in set(cells_of)}
    if None in rests.values() or None in found.values():
        return None
    prefix = dict(
        zip(
            rows,
            map(
                add,
                map(found.__getitem__, cells_of),  # type: ignore[arg-type]
                map(rests.__getitem__, rests_of),
            ),
        )
    )
    keys = list(map(add, niks, map(prefix.__getitem__, tails)))
    if counts is not None:
        for raw, n in rows.items():
            k = prefix[raw][:7]
            counts[k] = counts.get(k, 0) + n
    return keys


def _desa6(cell: str) -> str | None:
    """Six characters for a desa cell: KKDDDD, 000000 when empty, a placeholder when the
    resident's kecamatan must decide; None when it matches nothing."""
    v = places.match(cell)
    if v is None:
        return None if cell.strip() else NO_DESA
    return places.placeholder(cell) if v < 0 else f"{v:06d}"


def desa_sql(counts: dict[str, int]) -> str:
    """The INSERT's expression for the desa of a packed row ``column1``: its six digits, or
    for a placeholder the desa its NIK's kecamatan gives (only placeholders met are listed)."""
    plain = "nullif(CAST(substr(column1, 17, 6) AS INTEGER), 0)"
    whens = []
    for ph in sorted({k[:6] for k in counts if k.startswith("?")}):
        whens += [
            f"WHEN '{kk:02d}{ph}' THEN {v}" for kk, v in places.placeholder_choices(ph).items()
        ]
    if not whens:
        return plain
    return (
        "CASE WHEN substr(column1, 17, 1) = '?' THEN CASE substr(column1, 5, 2) || "
        f"substr(column1, 17, 6) {' '.join(whens)} END ELSE {plain} END"
    )


_PLACEHOLDER = re.compile(r"\?[0-9]{5}[AN]")


def resolve_counts(keys: list[str], counts: dict[str, int]) -> bool:
    """Replace the placeholders of ``counts`` by the desa their rows' kecamatan gives (each
    kecamatan's rows are one slice of the sorted keys, its placeholders found by one regular
    expression); False when some row's kecamatan has no such desa (the general path then
    reports it)."""
    held = sorted({k[:6] for k in counts if k.startswith("?")})
    if not held:
        return True
    for kk in places.kecamatan_numbers():
        lo = bisect_left(keys, f"3325{kk:02d}")
        hi = bisect_left(keys, f"3325{kk + 1:02d}")
        if hi == lo:
            continue
        joined = "".join(keys[lo:hi])
        if "?" not in joined:
            continue
        for found, n in Counter(_PLACEHOLDER.findall(joined)).items():
            v = places.resolve_placeholder(found[:6], kk)
            if v is None:
                return False
            k = f"{v:06d}" + found[6]
            counts[k] = counts.get(k, 0) + n
            counts[found] -= n
    for k in [k for k in counts if k.startswith("?")]:
        if counts[k]:
            return False
        del counts[k]
    return True


# ---- general path: a second look at the desa cells ---------------------------------------------


@dataclass
class DesaPass:
    """The desa of every row (None: its cell is empty or matched nothing), and the cells that
    did not match."""

    column: str
    desa: dict[str, int | None] = field(default_factory=dict)
    unmatched: Counter[str] = field(default_factory=Counter)
    empty: int = 0

    def to_json(self) -> dict[str, Any]:
        matched = sum(1 for v in self.desa.values() if v is not None)
        return {
            "column": self.column,
            "matched": matched,
            "empty": self.empty,
            "unmatched": dict(self.unmatched.most_common()),
        }


def _clean_nik(value: object, numeric_nik: Callable[[float], str]) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = numeric_nik(value)
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return digits if len(digits) == 16 else None


def read_desa(
    rows: Any, ni: int, xi: int, column: str, numeric_nik: Callable[[float], str] = str
) -> DesaPass:
    """Match the desa cell of each data row (later rows of a NIK win, as in the import)."""
    out = DesaPass(column)
    cache: dict[tuple[str, int], int | None] = {}
    width = max(ni, xi) + 1
    for row in rows:
        if not row or len(row) < width:
            continue
        nik = _clean_nik(row[ni], numeric_nik)
        if nik is None:
            continue
        raw = "" if row[xi] is None else str(row[xi])
        if not raw.strip():
            out.empty += 1
            out.desa[nik] = None
            continue
        key = (raw, int(nik[4:6]))
        if key not in cache:
            cache[key] = places.match_in(raw, key[1])
        v = cache[key]
        if v is None:
            out.unmatched[" ".join(raw.split())[:60]] += 1
        out.desa[nik] = v
    return out


def desa_pass(
    path: Path,
    text: str | None,
    delimiter: str,
    headers: list[str],
    header_line: int,
    ni: int,
    xi: int,
    numeric_nik: Callable[[float], str] = str,
) -> DesaPass:
    """The desa cells (column ``xi``) of a CSV (``text``) or XLSX file."""
    column = headers[xi].strip()
    if text is not None:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for _ in range(header_line):
            next(reader, None)
        return read_desa(reader, ni, xi, column)
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        want = [h.strip() for h in headers]
        for ws in wb.worksheets:  # the sheet the import read: its header row is ``headers``
            it = ws.iter_rows(values_only=True)
            row: Any = None
            for _ in range(header_line):
                row = next(it, None)
                if row is None:
                    break
            if row is not None and ["" if c is None else str(c).strip() for c in row] == want:
                return read_desa(it, ni, xi, column, numeric_nik)
        return DesaPass(column)
    finally:
        wb.close()


def store_desa(raw: Any, dialect: str, found: DesaPass) -> None:
    """Set the desa of each entry of the file (unmatched or empty cells: none) in one statement;
    entries the file does not hold keep theirs."""
    p = "?" if dialect == "sqlite" else "%s"
    cur = raw.cursor()
    cur.execute("CREATE TEMP TABLE ikd_desa_stage (nik varchar(16) PRIMARY KEY, desa integer)")
    try:
        cur.executemany(f"INSERT INTO ikd_desa_stage VALUES ({p}, {p})", sorted(found.desa.items()))
        differs = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
        cur.execute(
            "UPDATE registry_entry SET desa = s.desa FROM ikd_desa_stage s "
            f"WHERE s.nik = registry_entry.nik AND registry_entry.desa {differs} s.desa"
        )
    finally:
        cur.execute("DROP TABLE ikd_desa_stage")


# ---- totals ------------------------------------------------------------------------------------


def totals_from_keys(
    keys: list[str], counts: dict[str, int] | None
) -> list[tuple[str, int, int, int]]:
    """(level, code, residents, active) from the sorted packed rows of the whole registry and
    the rows per desa counted while packing them (None: no desa column, all in desa 0).

    Kecamatan: the rows are sorted by NIK, so each kecamatan is one slice (found by bisection);
    its active rows are its ``A`` characters (a packed row holds digits, ``-``, ``?`` and one
    status letter)."""
    out: list[tuple[str, int, int, int]] = []
    for kk in places.kecamatan_numbers():
        lo = bisect_left(keys, f"3325{kk:02d}")
        hi = bisect_left(keys, f"3325{kk + 1:02d}")
        if hi > lo:
            out.append(("k", kk, hi - lo, "".join(keys[lo:hi]).count("A")))
    if counts is None:
        active = sum(a for _, _, _, a in out)
        return out + ([("d", 0, len(keys), active)] if keys else [])
    per: dict[int, list[int]] = {}
    for k, n in counts.items():
        acc = per.setdefault(int(k[:6]), [0, 0])
        acc[0] += n
        if k[6] == "A":
            acc[1] += n
    out.extend(("d", code, r, a) for code, (r, a) in sorted(per.items()))
    return out


_GROUP_SQL = (
    "SELECT '{level}', {expr}, count(*), "
    "sum(CASE WHEN ikd_status = 'active' THEN 1 ELSE 0 END) FROM registry_entry GROUP BY {expr}"
)
KEC_EXPR = "CAST(substr(nik, 5, 2) AS INTEGER)"
DESA_EXPR = "coalesce(desa, 0)"


def totals_by_query(raw: Any) -> list[tuple[str, int, int, int]]:
    """The same totals from the registry itself (two ``GROUP BY``)."""
    cur = raw.cursor()
    rows: list[tuple[str, int, int, int]] = []
    for level, expr in (("k", KEC_EXPR), ("d", DESA_EXPR)):
        cur.execute(_GROUP_SQL.format(level=level, expr=expr))
        rows.extend((str(a), int(b), int(c), int(d or 0)) for a, b, c, d in cur.fetchall())
    return rows


def save_totals(
    raw: Any, dialect: str, import_id: int, rows: list[tuple[str, int, int, int]] | None
) -> None:
    """Write the import's totals (computed by query when ``rows`` is None)."""
    if rows is None:
        rows = totals_by_query(raw)
    p = "?" if dialect == "sqlite" else "%s"
    cur = raw.cursor()
    cur.executemany(
        "INSERT INTO registry_coverage (import_id, level, code, residents, active) "
        f"VALUES ({p}, {p}, {p}, {p}, {p})",
        [(import_id, *r) for r in rows],
    )


# ---- what one import keeps ---------------------------------------------------------------------


@dataclass
class Keep:
    """Handed to the registry writer: ``write`` runs inside the import's transaction."""

    column: str | None = None  # the desa column's header, when the extract has one
    counts: dict[str, int] | None = None  # fastest path: rows per KKDDDD + A/N
    found: DesaPass | None = None  # general path: the desa cells read once more
    report: dict[str, Any] | None = None  # what the desa column gave (ImportResult.desa)

    @classmethod
    def for_table(
        cls,
        path: Path,
        table: Any,
        packed: bool,
        cols: tuple[int | None, ...],
        decode: Callable[[bytes], str],
        numeric_nik: Callable[[float], str],
    ) -> Keep:
        """``table``: registry._Table as read; ``packed``: its rows go the fastest path;
        ``cols``: its (NIK, status, date) columns; ``decode``/``numeric_nik``: the reader's."""
        ni = cols[0]
        xi = desa_column(table.headers, list(cols))
        if xi is None or ni is None:
            return cls()
        keep = cls(table.headers[xi].strip())
        if packed and table.span_desa:
            keep.counts = table.desa_counts
            empty = sum(n for k, n in (keep.counts or {}).items() if k.startswith(NO_DESA))
            total = sum((keep.counts or {}).values())
            keep.report = {
                "column": keep.column,
                "matched": total - empty,
                "empty": empty,
                "unmatched": {},
            }
            return keep
        xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
        text = None if xlsx else decode(path.read_bytes())
        keep.found = desa_pass(
            path, text, table.delimiter, table.headers, table.header_line, ni, xi, numeric_nik
        )
        keep.report = keep.found.to_json()
        return keep

    def write(
        self, raw: Any, dialect: str, import_id: int, keys: list[str] | None, whole: bool
    ) -> bool:
        """Store the desa (general path) and the totals; ``keys``: the sorted packed rows,
        ``whole``: they are the whole registry now (the totals need no query). False when a
        desa name is not in its resident's kecamatan (the caller rolls back: general path)."""
        if self.found is not None:
            store_desa(raw, dialect, self.found)
        if self.counts is not None and keys is not None and not resolve_counts(keys, self.counts):
            return False
        from_keys = keys is not None and whole and self.found is None  # keys without desa
        rows = totals_from_keys(keys, self.counts) if from_keys else None
        save_totals(raw, dialect, import_id, rows)
        return True

    @property
    def packed_desa(self) -> bool:
        return self.counts is not None

    def desa_sql(self) -> str:
        return desa_sql(self.counts or {})
