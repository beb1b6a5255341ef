"""What a registry import keeps for coverage: each entry's desa and the import's totals per place.

Used by both routes of the import (``reference`` and ``fastpath``):

* ``desa_column``: the extract's desa/kelurahan column, when it has one (by name or code).
* ``desa_keys``: on the fastest path (a clean CSV whose desa column lies just before the status,
  or one cell more), the six characters ``KKDDDD`` added to each packed row (``000000`` = empty
  cell) and the rows counted per desa; None when some cell does not match (the plain path
  then reports it). The plain path matches each row's cell with ``domain.places.match_in``.
* ``save_totals``: residents and IKD active per kecamatan (NIK digits 5-6) and per desa, written in
  the import's transaction to ``registry_coverage``. From the sorted packed rows when they are the
  whole registry (no query), else one ``GROUP BY`` over the registry.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from operator import add, itemgetter, methodcaller
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


def desa_sql(counts: dict[str, int], col: str = "column1") -> str:
    """The INSERT's expression for the desa of a packed row ``col``: its six digits, or for a
    placeholder the desa its NIK's kecamatan gives (only placeholders met are listed)."""
    plain = f"nullif(CAST(substr({col}, 17, 6) AS INTEGER), 0)"
    whens = []
    for ph in sorted({k[:6] for k in counts if k.startswith("?")}):
        whens += [
            f"WHEN '{kk:02d}{ph}' THEN {v}" for kk, v in places.placeholder_choices(ph).items()
        ]
    if not whens:
        return plain
    return (
        f"CASE WHEN substr({col}, 17, 1) = '?' THEN CASE substr({col}, 5, 2) || "
        f"substr({col}, 17, 6) {' '.join(whens)} END ELSE {plain} END"
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
