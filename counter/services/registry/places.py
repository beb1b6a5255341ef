"""What a registry import keeps for coverage: each entry's desa and the import's totals per place.

Used by both routes of the import (``reference`` and ``fastpath``):

* ``desa_column``: the extract's desa/kelurahan column, when it has one (by name or code).
* ``desa6``: on the fast path (a clean CSV whose desa column lies just before the status, or
  one cell more), the six characters ``KKDDDD`` added to each packed row (``000000`` = empty
  cell); None when the cell matches nothing (the plain path then reports it). Both routes
  match a cell with ``domain.places.match_in`` for the NIK's kecamatan.
* ``save_totals``: residents and IKD active per kecamatan (NIK digits 5-6) and per desa, written in
  the import's transaction to ``registry_coverage``. From the sorted packed rows when they are the
  whole registry (no query), else one ``GROUP BY`` over the registry.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from counter.domain import places

NO_DESA = "000000"


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _norm_header(value: object) -> str:
    """As ``parsing.norm_header``: lower case, words of letters and digits."""
    text = "" if value is None else str(value)
    return _NON_ALNUM.sub(" ", text.replace("\ufeff", "").lower()).strip()


def desa_column(headers: Sequence[object], taken: Sequence[int | None]) -> int | None:
    """Index of the desa/kelurahan column (the first such header not already taken)."""
    for i, h in enumerate(headers):
        if i not in taken and places.is_desa_header(_norm_header(h)):
            return i
    return None


# ---- fast path: packed rows -------------------------------------------------------------------


def desa6(cell: str, kecamatan: int) -> str | None:
    """Six characters for the desa cell of a resident of ``kecamatan`` (NIK digits 5-6):
    ``KKDDDD``, ``000000`` when the cell is empty; None when it matches nothing."""
    v = places.match_in(cell, kecamatan)
    if v is None:
        return None if cell.strip() else NO_DESA
    return f"{v:06d}"


def desa_sql(col: str = "column1") -> str:
    """The INSERT's expression for the desa of a packed row ``col`` (its six characters after
    the NIK; ``000000``: none)."""
    return f"nullif(CAST(substr({col}, 17, 6) AS INTEGER), 0)"


def totals_from_counts(counts: dict[str, int]) -> list[tuple[str, int, int, int]]:
    """(level, code, residents, active) from the rows counted per ``KK`` + ``KKDDDD`` + ``A``/
    ``N`` (kecamatan of the NIK, desa, status) while the rows were packed."""
    kec: dict[int, list[int]] = {}
    desa: dict[int, list[int]] = {}
    for k, n in counts.items():
        for acc in (kec.setdefault(int(k[:2]), [0, 0]), desa.setdefault(int(k[2:8]), [0, 0])):
            acc[0] += n
            if k[8] == "A":
                acc[1] += n
    return [("k", code, r, a) for code, (r, a) in sorted(kec.items())] + [
        ("d", code, r, a) for code, (r, a) in sorted(desa.items())
    ]


# ---- totals ------------------------------------------------------------------------------------


def totals_from_keys(keys: list[str]) -> list[tuple[str, int, int, int]]:
    """(level, code, residents, active) from the sorted packed rows of the whole registry
    (no desa column: all in desa 0).

    Kecamatan: the rows are sorted by NIK, so each kecamatan is one slice (found by bisection);
    its active rows are its ``A`` characters (a packed row holds digits, ``-``, ``?`` and one
    status letter)."""
    out: list[tuple[str, int, int, int]] = []
    for kk in places.kecamatan_numbers():
        lo = bisect_left(keys, f"3325{kk:02d}")
        hi = bisect_left(keys, f"3325{kk + 1:02d}")
        if hi > lo:
            out.append(("k", kk, hi - lo, "".join(keys[lo:hi]).count("A")))
    active = sum(a for _, _, _, a in out)
    return out + ([("d", 0, len(keys), active)] if keys else [])


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
