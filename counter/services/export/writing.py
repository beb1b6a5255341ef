"""Phase 1 of every route: the rows of ONE read snapshot into the file, by the plan's writer."""

from __future__ import annotations

import os
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

# modules imported by their full names: the package's __init__ imports this one (no cycle)
import counter.services.export.csv_fast as csv_fast
import counter.services.export.csv_plain as csv_plain
import counter.services.export.csv_sql as csv_sql
import counter.services.export.files as files
import counter.services.export.selection as selection
import counter.services.export.xlsx as xlsx
from counter.services.export.items import Discard
from counter.services.export.job import Job
from counter.services.export.plan import Writer
from counter.store.models import ExportBatch


def write_file(job: Job, fh: IO[bytes], side: IO[str] | Discard) -> int | None:
    """In ONE read transaction (one snapshot), the rows into ``fh`` (closed, flushed and
    fsynced on return) and their items into ``side``. Returns the newest batch id seen."""
    ctx = job.ctx
    with fh, ctx.db.read() as s:
        if ctx.db.kind == "postgresql":
            conn = s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        else:
            conn = s.connection()
        seen = conn.execute(select(func.max(ExportBatch.id))).scalar()
        write_rows(job, conn, fh, side)
        job.observer.file_written()
        fh.flush()
        os.fsync(fh.fileno())
    return int(seen) if seen is not None else None


def write_rows(job: Job, conn: Connection, fh: IO[bytes], side: IO[str] | Discard) -> None:
    """The plan's writer over the snapshot ``conn``."""
    route, req, conv = job.route, job.req, job.conv
    if route.writer is Writer.CSV_SQL:
        assert route.window is not None  # Plan.check
        q = csv_sql.query(req, conv, route.window)
        csv_sql.write(fh, conn, q, conv, side, req.delimiter)
        return
    rows = selection.stream(conn, selection.visits_query(req), job.ctx.db.kind)
    try:
        if route.writer is Writer.XLSX:
            xlsx.write(fh, rows, conv, side)
        elif route.writer is Writer.CSV_FAST:
            csv_fast.write(fh, rows, conv, side, req.delimiter)
        else:
            csv_plain.write(fh, rows, conv, side, req.delimiter)
    finally:
        rows.close()  # the cursor goes now, while its connection is still ours


def write_recap(job: Job) -> str | None:
    """CSV: the recap file under a temporary name (added to ``job.temps``); its SHA-256."""
    if job.recap_final is None:
        return None
    rfh, rtmp = files.open_temp(job.recap_final)
    job.temps.append(rtmp)
    with rfh:
        csv_plain.write_recap(rfh, job.conv, job.req.delimiter)
        rfh.flush()
        os.fsync(rfh.fileno())
    return files.sha256(rtmp)
