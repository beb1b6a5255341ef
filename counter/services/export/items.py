"""Recording a batch's items (visit id, revision, correction flag): the three ways.

* ``insert_from_side_file``: the plain way. The writer wrote one JSON array per item (or per
  chunk of items, see csv_sql) into a temporary side file; it is read back a chunk at a time.
* ``insert_checked``: one INSERT .. SELECT of the export's own selection, checked against the
  rows written (PostgreSQL, two-phase route; falls back to the side file).
* ``ItemsWorker``: the same INSERT .. SELECT in a second thread while the file is written
  (SQLite, one-phase route), checked before the commit by the caller.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import delete
from sqlalchemy.engine import Connection
from sqlmodel import col

from counter.services.export.contract import Request
from counter.services.export.selection import items_fingerprint, items_insert, sqlite_sql
from counter.store.models import ExportItem


class Discard:
    """A side file that keeps nothing (the items are recorded by SQL, see ItemsWorker)."""

    @staticmethod
    def write(_text: str) -> int:
        return 0


def item_line(vid: str, rev: int, correction: bool) -> str:
    """One item as a line of the side file."""
    return json.dumps([vid, rev, 1 if correction else 0]) + "\n"


def insert_from_side_file(s: Any, batch_id: int, side: IO[str]) -> None:
    """Insert the batch's items from the side file (JSON arrays ``[visit_id, revision,
    correction]``, one item per line; on SQLite several comma-separated on a line), a chunk at a
    time: no list of all items in memory.

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
            _sqlite_from_side_file(cur, batch_id, side)
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


def _sqlite_from_side_file(cur: Any, batch_id: int, side: IO[str]) -> None:
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


def insert_checked(s: Any, batch_id: int, req: Request, rows: int, rev_sum: int) -> bool:
    """Record the items with one INSERT .. SELECT of the export's own query, then check that they
    are exactly the rows written: same count and same sum of revisions. That check is exact
    because, between the snapshot and now, the selection can only grow (visits finish, are
    never deleted) and revisions only go up; a since-last export by someone else (which could
    shrink it) is ruled out by the batch check. False (and nothing kept) when they differ."""
    s.execute(items_insert(batch_id, req))
    n, total = s.execute(items_fingerprint(batch_id)).one()
    if int(n) == rows and int(total) == rev_sum:
        return True
    s.execute(delete(ExportItem).where(col(ExportItem.batch_id) == batch_id))
    return False


class ItemsWorker:
    """Records a batch's items on the write transaction's own connection, in a thread:
    one INSERT .. SELECT (the export's selection, in visit id order), then its count and sum of
    revisions, read back for the caller's check.

    ``inserted`` is called in the thread with the raw cursor between the two (a test hook,
    see run.Observer); ``spent`` receives the seconds the thread took."""

    def __init__(
        self,
        conn: Connection,
        batch_id: int,
        req: Request,
        inserted: Callable[[Any], None],
        spent: Callable[[float], None],
    ) -> None:
        self.sql, self.params = sqlite_sql(items_insert(batch_id, req), conn)
        self.check = sqlite_sql(items_fingerprint(batch_id), conn)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        self.raw = raw
        self.inserted, self.spent = inserted, spent
        self._out: tuple[int, int] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ikd-export-items", daemon=True)

    def _run(self) -> None:
        t = time.perf_counter()
        try:
            cur = self.raw.cursor()
            try:
                cur.execute(self.sql, self.params)
                self.inserted(cur)
                n, total = cur.execute(*self.check).fetchone()
                self._out = (int(n), int(total))
            finally:
                cur.close()
        except BaseException as e:  # handed to the caller by result()
            self._error = e
        finally:
            self.spent(time.perf_counter() - t)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> tuple[int, int]:
        """(count, sum of revisions) of the items recorded; the thread's error re-raised."""
        if self._error is not None:
            raise self._error
        assert self._out is not None
        return self._out
