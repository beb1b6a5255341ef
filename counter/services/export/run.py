"""The use case: check the request and who asks, choose the route, run it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import counter.services.export.files as files
import counter.services.export.one_phase as one_phase
import counter.services.export.two_phase as two_phase
from counter.services.context import Context
from counter.services.export.cells import Converter
from counter.services.export.contract import ExportError, ExportResult, Request, request
from counter.services.export.job import Job, Observer
from counter.services.export.plan import Plan, plan, survey
from counter.services.export.recording import fail, refuse
from counter.store.models import Officer


def export_visits(
    ctx: Context,
    officer: Officer,
    mode: str = "date",
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    fmt: str = "xlsx",
    delimiter: str = ";",
    out: str | Path | None = None,
) -> ExportResult:
    """Export finished visits to the central-sheet format and record the batch.

    ``mode``: ``date`` (date_from), ``range`` (date_from..date_to inclusive) or ``since_last``.
    ``out``: a file path, a folder (the default name is used inside it) or None (exports folder).
    Raises ExportError with a catalog message on refusal or I/O failure; nothing is recorded then.
    """
    req = request(mode, date_from, date_to, fmt, delimiter)
    authorise(ctx, officer, req)
    return run(ctx, officer, req, plan(req, survey(ctx, req)), out)


def authorise(ctx: Context, officer: Officer | None, req: Request) -> None:
    """Only an active supervisor exports; a refusal is audited (ExportError ``forbidden``)."""
    if officer is None or officer.role != "supervisor" or not officer.active:
        raise refuse(ctx, officer, "role", role=getattr(officer, "role", None), mode=req.mode)


def run(
    ctx: Context,
    officer: Officer,
    req: Request,
    route: Plan,
    out: str | Path | None = None,
    observer: Observer | None = None,
) -> ExportResult:
    """Run ``req`` by ``route`` (any plan that passes Plan.check: tests and the benchmark run
    each route this way). Same results and errors as export_visits."""
    authorise(ctx, officer, req)
    route.check(req, ctx.db.kind)
    try:
        final = files.destination(ctx, req, out)
    except ExportError as e:
        raise fail(ctx, officer, req.mode, e) from e.__cause__
    job = Job(
        ctx=ctx,
        officer=officer,
        req=req,
        route=route,
        final=final,
        recap_final=files.recap_path_for(final) if req.fmt == "csv" else None,
        observer=observer or Observer(),
        conv=Converter(ctx.tz),
    )
    return one_phase.export(job) if route.one_phase else two_phase.export(job)
