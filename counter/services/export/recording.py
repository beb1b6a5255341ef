"""What an export leaves in the database besides its items: the batch row, the audit events
(done, refused, failed), and the rename of the files onto their final names at the commit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import counter.services.export.files as files
from counter.services import audit
from counter.services.context import Context
from counter.services.export.contract import ExportError, ExportResult
from counter.services.export.job import Job
from counter.store.models import ExportBatch, Officer


def refuse(ctx: Context, officer: Officer | None, why: str, **detail: Any) -> ExportError:
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


def fail(ctx: Context, officer: Officer, mode: str, err: ExportError) -> ExportError:
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


def nothing_new(ctx: Context, officer: Officer, fmt: str) -> ExportResult:
    """A since-last export that found nothing: audited, no file, no batch."""
    audit.log(ctx, "export", officer, target="", mode="since_last", format=fmt, rows=0, batch=None)
    return ExportResult(None, 0, None, "", None, 0, "since_last", fmt, None, None)


def new_batch(
    job: Job, rows: int, digest: str, date_from: date | None, date_to: date | None
) -> ExportBatch:
    return ExportBatch(
        created_at=job.ctx.now(),
        officer_id=job.officer.id,
        mode=job.req.mode,
        date_from=date_from,
        date_to=date_to,
        format=job.req.fmt,
        rows=rows,
        file_path=str(job.final),
        sha256=digest,
    )


def finish(s: Any, job: Job, batch: ExportBatch, digest: str, recap_digest: str | None) -> None:
    """Inside the batch's write transaction: the audit event, then the temporary files renamed
    onto their final names (``job.replaced`` lists them, to remove should the commit fail)."""
    audit.record(
        s,
        job.ctx,
        "export",
        job.officer,
        target=f"batch:{batch.id}",
        mode=batch.mode,
        format=batch.format,
        rows=job.conv.rows,
        corrections=job.conv.corrections,
        date_from=batch.date_from,
        date_to=batch.date_to,
        file=str(job.final),
        sha256=digest,
        recap_file=str(job.recap_final or ""),
        recap_sha256=recap_digest,
    )
    if job.recap_final is not None:
        os.replace(job.temps[1], job.recap_final)
        job.replaced.append(job.recap_final)
    os.replace(job.temps[0], job.final)
    job.replaced.append(job.final)
    files.fsync_dir(job.final.parent)


@contextmanager
def failures_recorded(job: Job) -> Iterator[None]:
    """Around a batch's write transaction: on any failure the files already renamed onto their
    final names are removed; an I/O error or a refusal is audited (``export_failed``) and
    raised as the ExportError that says why."""
    try:
        yield
    except OSError as e:
        files.cleanup(job.replaced)
        raise fail(job.ctx, job.officer, job.req.mode, files.io_error(e, job.final)) from e
    except ExportError as e:
        files.cleanup(job.replaced)
        raise fail(job.ctx, job.officer, job.req.mode, e) from None
    except BaseException:
        files.cleanup(job.replaced)
        raise
