"""The fast registry import: the same result as ``reference``, for the common clean CSV.

It takes a file only when every line is plain (no quotes; the NIK column before the status and
the date right after it; a desa column, if any, just before the status) and every row is valid;
otherwise it returns None and the caller runs ``reference.import_plain``, which reports the rows
that need a reason with their line numbers. What makes it fast:

* **Streamed in blocks** (``BLOCK`` bytes, cut at a line end): one regular expression returns,
  per line, the NIK (matched as a valid Batang NIK) and ONE string of the cells from the desa
  (or status) cell to the date cell. The file is never held whole, as bytes or as text.
* **Packed keys**: the distinct tails (about 1,400 ``status,date`` pairs, or ~45,000 kecamatan
  + desa + status + date) are checked once each and packed: ``N``, ``A`` or ``A2025-03-15``,
  after the desa's six characters (``places.desa6``), and counted (the totals per place). Each row becomes ONE string, NIK + packed tail; sorting
  those sorts by NIK, so the primary-key B-tree is filled in order, one SQL parameter per row.
* **SQLite**: multi-row ``INSERT .. SELECT substr(..) FROM (VALUES ..)`` in one transaction
  (plain INSERTs into an empty registry, an upsert otherwise). **PostgreSQL**: the keys are
  ``COPY``-ed into a temporary table, then one ``INSERT .. ON CONFLICT``.
* **Two processes** (``keys_in_two_processes``; see its comment): into an empty registry a
  forked child reads the second half of the file.
* **No cyclic garbage collection** while the keys are built (``no_gc``).

``import_fast`` returns the same ``Written`` as ``reference.import_plain``;
tests/test_registry_fastpath.py and tests/test_registry_two_processes.py check that both routes
store the same entries and totals.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from operator import add, eq, itemgetter
from pathlib import Path
from typing import Any

import counter.services.registry.places as places
from counter.domain import outcomes as oc
from counter.services.context import Context
from counter.services.registry.common import (
    IMPORT_COUNTS,
    NEW_IMPORT,
    Progress,
    Written,
    now_text,
)
from counter.services.registry.parsing import (
    BATANG_NIK,
    HEADER_SCAN_ROWS,
    detect_delimiter,
    find_header,
    match_columns,
    parse_date,
    status_code,
)

BLOCK = 4 << 20  # bytes read at a time: ~55,000 lines
PARALLEL_MIN_BYTES = 4 << 20  # below ~50,000 lines a second process costs more than it saves
BATCH = 200  # rows per INSERT statement (one parameter each)


class Decline(Exception):
    """The fast path met something only the plain path reports (rolled back): a NIK twice in an
    empty registry (caught by the primary key), or rows that arrived since it looked."""


# ---- the layout of a file the fast path can read ----------------------------------------------


@dataclass(frozen=True)
class Layout:
    headers: list[str]
    delimiter: str
    body_start: int  # byte offset of the first data line
    pattern: re.Pattern[str]  # one data line: (NIK, tail)
    dated: bool  # the tail ends with the date cell
    desa_cells: int  # the tail starts with the desa cell, this many cells before the status
    desa_column: str | None  # the desa column's header


def probe(path: Path) -> Layout | None:
    """The layout of a plain UTF-8 CSV whose columns suit the fast path, else None."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    with path.open("rb") as f:
        head = f.read(1 << 16)
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    cut = head.rfind(b"\n")
    if cut == -1:
        return None
    try:
        text = head[bom : cut + 1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    delim = detect_delimiter(text)
    lines = text.split("\n")[:HEADER_SCAN_ROWS]
    for i, line in enumerate(lines):
        if '"' in line:
            return None  # quoting: the csv reader must read it
        found = find_header([line.rstrip("\r").split(delim)])
        if found is not None:
            start = bom + len("\n".join(lines[: i + 1]).encode("utf-8")) + 1
            return _layout(found[1], delim, start)
    return None


def _layout(headers: list[str], delim: str, start: int) -> Layout | None:
    ni, si, di = match_columns(headers)
    if ni is None or si is None or not ni < si or not (di is None or di == si + 1):
        return None
    xi = places.desa_column(headers, [ni, si, di])
    if xi is not None and not (ni < xi < si and si - xi <= 2):
        return None
    first = si if xi is None else xi
    last = si if di is None else di
    return Layout(
        headers,
        delim,
        start,
        span_pattern(delim, ni, first, last),
        di is not None,
        si - first,
        None if xi is None else headers[xi].strip(),
    )


def span_pattern(delim: str, nik: int, first: int, last: int) -> re.Pattern[str]:
    """One data line; captured: the cell ``nik`` (a valid Batang NIK), and the cells ``first``
    to ``last`` as ONE string."""
    d = re.escape(delim)
    cell = f"[^{d}\\r\\n]*"
    head = "".join(cell + d for _ in range(nik))
    between = "".join(d + cell for _ in range(first - nik - 1))
    tail = d.join([cell] * (last - first + 1))
    return re.compile(
        "^" + head + f"({BATANG_NIK})" + between + d + f"({tail})" + f"(?:{d}[^\\r\\n]*)?\\r?$",
        re.M,
    )


# ---- packed keys ------------------------------------------------------------------------------


@dataclass
class Keys:
    """The sorted packed rows (NIK [+ KKDDDD] + N | A | A + ISO date) and, with a desa column,
    the rows per KK (NIK kecamatan) + KKDDDD + A/N."""

    keys: list[str]
    desa_counts: dict[str, int] | None


@dataclass
class Packer:
    """Turns blocks of lines into packed keys; each distinct tail is checked once (with a desa
    column: each distinct kecamatan + tail, as the NIK's kecamatan decides a desa name)."""

    layout: Layout
    today: date
    packed: dict[str, str | None] = field(default_factory=dict)  # tail -> packed status
    prefix: dict[str, str | None] = field(default_factory=dict)  # KK + tail -> desa + status
    rows: Counter[str] = field(default_factory=Counter)  # KK + tail -> rows
    desa: dict[str, str | None] = field(default_factory=dict)  # KK + desa cell -> KKDDDD

    def desa_prefix(self, kt: str) -> str | None:
        """``KKDDDD`` + packed status for a kecamatan + tail (desa cell first), or None."""
        parts = kt[2:].split(self.layout.delimiter, self.layout.desa_cells)
        where = kt[:2] + parts[0]  # kecamatan + desa cell: a few hundred distinct
        if where not in self.desa:
            self.desa[where] = places.desa6(parts[0], int(kt[:2]))
        desa, status = self.desa[where], self.pack_tail(parts[-1])
        return None if desa is None or status is None else desa + status

    def counts(self) -> dict[str, int] | None:
        """Rows per ``KK`` + ``KKDDDD`` + ``A``/``N`` (None without a desa column)."""
        if not self.layout.desa_cells:
            return None
        out: dict[str, int] = {}
        for kt, n in self.rows.items():
            k = kt[:2] + self.prefix[kt][:7]  # type: ignore[index]
            out[k] = out.get(k, 0) + n
        return out

    def pack_tail(self, raw: str) -> str | None:
        """``N`` | ``A`` | ``A`` + ISO date for a ``status,date`` (or ``status``) tail; None
        when the status or the date is not valid."""
        if raw in self.packed:
            return self.packed[raw]
        status, _, when = (
            raw.rpartition(self.layout.delimiter) if self.layout.dated else (raw, "", "")
        )
        code = status_code(status)
        out: str | None = None
        if code is not None:
            try:
                day = parse_date(when, self.today)
                out = ("A" + (day.isoformat() if day else "")) if code == oc.ACTIVE else "N"
            except (ValueError, OverflowError):
                pass
        self.packed[raw] = out
        return out

    def add(self, data: bytes, keys: list[str]) -> bool:
        """Append the keys of ``data`` (whole lines); False when some line does not suit."""
        if b'"' in data:
            return False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        found = self.layout.pattern.findall(text)
        lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
        if len(found) != lines:
            return False  # a line without a valid NIK, a blank or short line
        niks = list(map(itemgetter(0), found))
        tails = list(map(itemgetter(1), found))
        del found, text
        if self.layout.desa_cells:
            kts = list(map(add, map(_KEC, niks), tails))
            del tails
            self.rows.update(kts)
            for kt in set(kts).difference(self.prefix):
                self.prefix[kt] = self.desa_prefix(kt)
            if None in self.prefix.values():
                return False
            keys += map(add, niks, map(self.prefix.__getitem__, kts))
            return True
        for raw in set(tails).difference(self.packed):
            self.pack_tail(raw)
        if None in self.packed.values():
            return False
        keys += map(add, niks, map(self.packed.__getitem__, tails))
        return True


_KEC = itemgetter(slice(4, 6))  # the kecamatan digits of a NIK


def _blocks(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``start``..``end`` of the file in blocks of whole lines."""
    with path.open("rb") as f:
        f.seek(start)
        pos, rest = start, b""
        while pos < end:
            block = f.read(min(BLOCK, end - pos))
            if not block:
                break
            pos += len(block)
            data = rest + block
            cut = data.rfind(b"\n") + 1 if pos < end else len(data)
            data, rest = data[:cut], data[cut:]
            if data:
                yield data
        if rest:
            yield rest


def keys_of_range(path: Path, layout: Layout, today: date, start: int, end: int) -> Keys | None:
    """The sorted keys of the lines between two byte offsets, or None."""
    packer = Packer(layout, today)
    keys: list[str] = []
    for data in _blocks(path, start, end):
        if not packer.add(data, keys):
            return None
    keys.sort()
    return Keys(keys, packer.counts())


def has_nik_twice(keys: list[str]) -> bool:
    """Two neighbours of the sorted keys with the same NIK (streamed: no set of NIKs)."""
    nik = itemgetter(slice(0, 16))
    return any(map(eq, map(nik, keys), map(nik, islice(keys, 1, None))))


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: building ~630,000 strings would make it rescan the
    growing heap again and again (the strings hold no cycles; nothing is left uncollected)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ---- two processes ----------------------------------------------------------------------------
#
# Into an EMPTY registry (the primary key then catches a NIK twice, also across the halves) a
# forked child process reads, packs and sorts the second half of the file while this process
# does the first; the two sorted runs are merged by one ``list.sort`` (in C). This is the only
# place the import forks. The plain alternative, used where fork is not the way (not POSIX,
# other threads running, a small file, a child that failed), is ``keys_of_range`` over the
# whole body in this process: same keys, one core.


def keys_in_two_processes(path: Path, layout: Layout, today: date) -> Keys | None:
    """The sorted keys of the file, read by two processes; None when that is not the way."""
    size = path.stat().st_size
    if (
        not hasattr(os, "fork")
        or threading.active_count() > 1
        or size - layout.body_start < PARALLEL_MIN_BYTES
    ):
        return None
    mid = _line_start_after(path, layout.body_start + (size - layout.body_start) // 2)
    if mid is None:
        return None
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: the second half; leaves with os._exit (no clean-up of ours)
        code = 1
        try:
            os.close(r)
            _send(w, keys_of_range(path, layout, today, mid, size))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    reader = os.fdopen(r, "rb")
    try:
        mine = keys_of_range(path, layout, today, layout.body_start, mid)
        theirs = _receive(reader, mine)
    finally:
        reader.close()  # first: a child still writing gets EPIPE instead of waiting forever
        _, status = os.waitpid(pid, 0)
    if mine is None or theirs is None or status != 0:
        return None
    mine.keys.sort()  # two sorted runs: merged
    return mine


def _line_start_after(path: Path, pos: int) -> int | None:
    with path.open("rb") as f:
        f.seek(pos)
        block = f.read(1 << 16)
    nl = block.find(b"\n")
    return None if nl == -1 else pos + nl + 1


def _send(fd: int, part: Keys | None) -> None:
    """The child's keys: their number (8 bytes), each key and a newline, NUL, the desa counts
    as JSON; or ``-`` when some line needs the plain path."""
    with os.fdopen(fd, "wb") as f:
        if part is None:
            f.write(b"-")
            return
        f.write(len(part.keys).to_bytes(8, "big"))
        for k in range(0, len(part.keys), 65536):
            f.write(("\n".join(part.keys[k : k + 65536]) + "\n").encode("ascii"))
        f.write(b"\0" + json.dumps(part.desa_counts or {}).encode("ascii"))


def _receive(reader: io.BufferedReader, into: Keys | None) -> Keys | None:
    """Append the child's keys to ``into`` as they arrive (never all its bytes at once)."""
    head = reader.read(8)
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "big")
    got: list[str] = into.keys if into is not None else []
    before = len(got)
    pending, extra = b"", b""
    while block := reader.read(1 << 20):
        pending += block
        nul = pending.find(b"\0")
        if nul != -1:
            body, extra = pending[:nul], pending[nul + 1 :] + reader.read()
            got += body.decode("ascii").split("\n")[:-1]
            break
        cut = pending.rfind(b"\n") + 1
        got += pending[:cut].decode("ascii").split("\n")[:-1]
        pending = pending[cut:]
    if into is None or len(got) - before != n:
        return None
    if into.desa_counts is not None:
        for k, v in json.loads(extra or b"{}").items():
            into.desa_counts[k] = into.desa_counts.get(k, 0) + int(v)
    return into


def read_keys(path: Path, layout: Layout, today: date, empty_registry: bool) -> Keys | None:
    """The file's sorted keys, or None (some line needs the plain path, or a NIK twice in a
    registry with rows; into an empty one the primary key catches it while writing)."""
    with no_gc():
        got = keys_in_two_processes(path, layout, today) if empty_registry else None
        if got is None:
            got = keys_of_range(path, layout, today, layout.body_start, path.stat().st_size)
    if got is None or (not empty_registry and has_nik_twice(got.keys)):
        return None
    return got


# ---- writing ----------------------------------------------------------------------------------


def _select(col: str, import_id: str, desa: str | None, date_cast: str = "") -> str:
    """The SELECT list that unpacks a key ``col``: NIK, status, date (active only), the
    import[, desa]."""
    at = 17 if desa is None else 23  # the status letter, after the NIK [and the KKDDDD]
    cols = (
        f"substr({col}, 1, 16), CASE WHEN substr({col}, {at}, 1) = 'A' THEN 'active' "
        f"ELSE 'not_active' END, nullif(substr({col}, {at + 1}), ''){date_cast}, {import_id}"
    )
    return cols if desa is None else f"{cols}, {desa}"


def _conflict(with_desa: bool, differs: str) -> str:
    sets = ["ikd_status", "activated_on", "import_id"] + (["desa"] if with_desa else [])
    changed = ["ikd_status", "activated_on"] + (["desa"] if with_desa else [])
    return (
        " ON CONFLICT (nik) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in sets)
        + " WHERE "
        + " OR ".join(f"registry_entry.{c} {differs} excluded.{c}" for c in changed)
    )


def sqlite_insert(rows: int, import_id: int, upsert: bool, desa: str | None) -> str:
    """INSERT of ``rows`` packed keys (``column1`` of a VALUES list)."""
    target = "nik, ikd_status, activated_on, import_id" + (", desa" if desa else "")
    sel = _select("column1", str(int(import_id)), desa)
    return (
        f"INSERT INTO registry_entry ({target}) SELECT {sel} FROM (VALUES "
        + ", ".join(["(?)"] * rows)
        + ") WHERE true"
        + (_conflict(desa is not None, "IS NOT") if upsert else "")
    )


def _totals(raw: Any, dialect: str, import_id: int, got: Keys, whole: bool) -> None:
    """The import's totals per place: from the keys when they are the whole registry now."""
    rows = None
    if whole:
        c = got.desa_counts
        rows = places.totals_from_keys(got.keys) if c is None else places.totals_from_counts(c)
    places.save_totals(raw, dialect, import_id, rows)


def write_sqlite(
    raw: sqlite3.Connection,
    got: Keys,
    import_id: int,
    empty_registry: bool,
    progress: Progress | None,
) -> tuple[int, int]:
    """(inserted, updated) in the caller's transaction; multi-row INSERTs of BATCH keys."""
    keys, total = got.keys, len(got.keys)
    upsert = raw.execute("SELECT 1 FROM registry_entry LIMIT 1").fetchone() is not None
    if upsert and empty_registry:
        raise Decline  # rows arrived since we looked: check for a NIK twice after all
    before = raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0] if upsert else 0
    desa = places.desa_sql() if got.desa_counts is not None else None
    old_cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute("PRAGMA cache_size=-131072")  # 128 MiB while the rows go in
    try:
        changed = 0
        full = total - total % BATCH
        sql = sqlite_insert(BATCH, import_id, upsert, desa)
        per_call = (65536 // BATCH) * BATCH
        for k in range(0, full, per_call):
            end = min(full, k + per_call)
            cur = raw.executemany(sql, (keys[j : j + BATCH] for j in range(k, end, BATCH)))
            changed += max(0, cur.rowcount)
            if progress:
                progress(60 + 40 * end // max(1, total), 100)
        if total > full:
            cur = raw.execute(sqlite_insert(total - full, import_id, upsert, desa), keys[full:])
            changed += max(0, cur.rowcount)
        after = (
            raw.execute("SELECT count(*) FROM registry_entry").fetchone()[0] if upsert else changed
        )
        whole = after == total and (desa is not None or not upsert)
        _totals(raw, "sqlite", import_id, got, whole)
    except sqlite3.IntegrityError:
        if not empty_registry:
            raise
        raise Decline from None  # a NIK twice: rolled back; the plain path reports it
    finally:
        raw.execute(f"PRAGMA cache_size={int(old_cache)}")
    inserted = after - before
    return inserted, changed - inserted


def write_postgres(
    raw: Any, got: Keys, import_id: int, progress: Progress | None
) -> tuple[int, int]:
    """(inserted, updated): the keys ``COPY``-ed as text lines into a temporary table (no
    index), then one upsert that unpacks them."""
    keys, total = got.keys, len(got.keys)
    desa = places.desa_sql("k") if got.desa_counts is not None else None
    with raw.cursor() as cur:
        cur.execute("CREATE TEMP TABLE ikd_registry_keys (k text) ON COMMIT DROP")
        with cur.copy("COPY ikd_registry_keys (k) FROM STDIN") as cp:
            for k in range(0, total, 65536):
                cp.write("\n".join(keys[k : k + 65536]) + "\n")
                if progress:
                    progress(60 + 30 * min(total, k + 65536) // max(1, total), 100)
        target = "nik, ikd_status, activated_on, import_id" + (", desa" if desa else "")
        insert = (
            f"INSERT INTO registry_entry ({target}) SELECT "
            + _select("k", "%s", desa, "::date")
            + " FROM ikd_registry_keys"
        )
        cur.execute("SELECT 1 FROM registry_entry LIMIT 1")
        if cur.fetchone() is None:  # an empty registry: plain INSERTs (no NIK twice: checked)
            cur.execute(insert, (import_id,))
            inserted, updated, after = cur.rowcount, 0, cur.rowcount
        else:
            cur.execute(
                f"WITH up AS ({insert}"
                + _conflict(desa is not None, "IS DISTINCT FROM")
                + " RETURNING (xmax = 0) AS inserted)"
                " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
                " FROM up",
                (import_id,),
            )
            row = cur.fetchone()
            assert row is not None
            inserted, updated = int(row[0]), int(row[1])
            cur.execute("SELECT count(*) FROM registry_entry")
            after = int(cur.fetchone()[0])
    # the keys are the whole registry now: the totals need no query (without a desa column,
    # only when there was no entry before, which might keep its desa)
    whole = after == total and (desa is not None or inserted == after)
    _totals(raw, "postgresql", import_id, got, whole)
    return inserted, updated


def import_fast(
    ctx: Context, path: Path, progress: Progress | None, empty_registry: bool
) -> Written | None:
    """Import a clean CSV, or None (nothing written) when the plain path must do it."""
    layout = probe(path)
    if layout is None:
        return None
    try:
        got = read_keys(path, layout, ctx.today(), empty_registry and ctx.db.kind == "sqlite")
    except (OSError, csv.Error):
        return None  # the plain path reads it again and says what is wrong
    if got is None:
        return None
    if progress:
        progress(60, 100)
    sqlite = ctx.db.kind == "sqlite"
    p = "?" if sqlite else "%s"
    total = len(got.keys)
    try:
        with ctx.db.translating(), ctx.db.write_engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            cur = raw.cursor()
            cur.execute(
                NEW_IMPORT.format(p=p) + ("" if sqlite else " RETURNING id"),
                (path.name[:200], now_text(ctx.now()) if sqlite else ctx.now(), total, 0),
            )
            import_id = int(cur.lastrowid if sqlite else cur.fetchone()[0])
            if sqlite:
                inserted, updated = write_sqlite(raw, got, import_id, empty_registry, progress)
            else:
                inserted, updated = write_postgres(raw, got, import_id, progress)
            cur.execute(IMPORT_COUNTS.format(p=p), (inserted, updated, import_id))
    except Decline:
        return None
    if progress:
        progress(100, 100)
    return Written(total, 0, None, inserted, updated, _desa_report(layout, got))


def _desa_report(layout: Layout, got: Keys) -> dict[str, Any] | None:
    if layout.desa_column is None:
        return None
    counts = got.desa_counts or {}
    empty = sum(n for k, n in counts.items() if k[2:8] == places.NO_DESA)
    return {
        "column": layout.desa_column,
        "matched": sum(counts.values()) - empty,
        "empty": empty,
        "unmatched": {},
    }
