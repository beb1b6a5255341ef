"""The one-phase route (CSV on SQLite, at most LOCKED_MAX_ROWS visits in range).

The batch's write transaction is opened FIRST (BEGIN IMMEDIATE), so no one can commit until it
ends; the file is then streamed from a read snapshot that is therefore exactly what the write
transaction sees, while a second thread records the items with one INSERT .. SELECT of the
same selection (SQLite runs it without the GIL, on the other core). The items are checked
against the rows written (count and sum of revisions) before the commit; any failure rolls
everything back and removes the file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

import counter.services.export.files as files
from counter.services.export.contract import ExportError, ExportResult
from counter.services.export.items import Discard, ItemsWorker
from counter.services.export.job import Job
from counter.services.export.recording import failures_recorded, finish, new_batch, nothing_new
from counter.services.export.writing import write_file, write_recap


class _NothingNew(Exception):
    """A since-last export found nothing: roll the batch back."""


def export(job: Job) -> ExportResult:
    ctx, req, conv = job.ctx, job.req, job.conv
    try:
        with failures_recorded(job), ctx.db.write() as s:
            conn = s.connection()  # BEGIN IMMEDIATE: the write lock, from here to the commit
            batch = new_batch(job, 0, "", req.date_from, req.date_to)
            s.add(batch)
            s.flush()
            assert batch.id is not None
            tmp, items = _write_with_items(job, conn, batch.id)
            if req.mode == "since_last" and conv.rows == 0:
                raise _NothingNew
            if items != (conv.rows, conv.rev_sum):  # cannot happen: same snapshot
                raise ExportError("concurrent")
            recap_digest = write_recap(job)
            digest = files.sha256(tmp)
            if req.mode == "since_last":
                batch.date_from, batch.date_to = conv.span()
            batch.rows, batch.sha256 = conv.rows, digest
            s.add(batch)
            finish(s, job, batch, digest, recap_digest)
            batch_id = batch.id
            span = batch.date_from, batch.date_to
    except _NothingNew:  # the temporary file goes in the finally clause
        return nothing_new(ctx, job.officer, req.fmt)
    finally:
        files.cleanup(job.temps)
    return job.result(batch_id, digest, span)


def _write_with_items(job: Job, conn: Connection, batch_id: int) -> tuple[Path, tuple[int, int]]:
    """The file (its temporary path) and, meanwhile in a thread, the items; their count and
    sum of revisions. The thread's sqlite3 errors are re-raised (translated by db.write())."""
    obs = job.observer
    worker = ItemsWorker(conn, batch_id, job.req, obs.items_inserted, obs.items_recorded)
    worker.start()
    try:
        fh, tmp = files.open_temp(job.final)
        job.temps.append(tmp)
        write_file(job, fh, Discard())
    finally:
        worker.join()
    return tmp, worker.result()
