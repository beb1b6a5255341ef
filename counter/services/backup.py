"""Consistent database backups (SQLite online backup API, verified) and the health check."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from counter.errors import UserError
from counter.services.context import Context
from counter.store.files import private_dir, private_file


class BackupError(UserError, RuntimeError):
    """A backup problem the user can act on; ``code`` selects the message."""

    prefix = "supervisor.backup.error"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    integrity: str  # "ok" or the first problem PRAGMA integrity_check reported


def integrity_check(path: Path) -> str:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


def backup(ctx: Context, label: str | None = None, dest: Path | None = None) -> BackupResult:
    """Copy the live SQLite database with the online backup API, verify it, then publish it.

    The copy is written to a temporary name and renamed only after ``PRAGMA integrity_check``
    answered ``ok``. On PostgreSQL there is no file to copy: ``BackupError('postgres')`` says to
    use ``pg_dump``.
    """
    if ctx.db.kind != "sqlite" or ctx.db.path is None:
        raise BackupError("postgres")
    stamp = ctx.local_now().strftime("%Y%m%d-%H%M%S")
    label = label or ctx.today().isoformat()
    if dest is None:
        folder = ctx.settings.backups_dir
        dest = folder / f"ikd-counter-{label}-{stamp}.db"
        private_dir(folder, tighten=True)  # backups hold every NIK: 0700 folder, 0600 files
    tmp = dest.with_name(dest.name + ".part")
    try:
        private_dir(dest.parent)
        tmp.unlink(missing_ok=True)
        private_file(tmp)  # SQLite keeps the mode of an existing (empty) file
        src = sqlite3.connect(str(ctx.db.path), timeout=ctx.settings.busy_timeout_s)
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        result = integrity_check(tmp)
        if result != "ok":
            tmp.unlink(missing_ok=True)
            raise BackupError("integrity", detail=result)
        os.replace(tmp, dest)
    except (sqlite3.Error, OSError) as e:
        tmp.unlink(missing_ok=True)
        raise BackupError("failed", detail=str(e)) from e
    return BackupResult(path=dest, size=dest.stat().st_size, integrity=result)


@dataclass(frozen=True)
class DoctorResult:
    kind: str
    location: str
    ok: bool
    detail: str
    schema: str | None


def doctor(ctx: Context) -> DoctorResult:
    """SQLite: PRAGMA integrity_check on the live file, and our schema must be there.
    PostgreSQL: a connection round trip and the schema. Open the context with ``create=False``
    (a missing or empty file is the caller's finding: see :func:`doctor_unopenable`)."""
    from counter.store.migrate import current_revision

    try:
        schema = current_revision(ctx.db)
        if ctx.db.kind == "sqlite" and ctx.db.path is not None:
            with ctx.db.engine.connect() as conn:
                rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
            ok = [tuple(r) for r in rows] == [("ok",)]
            detail = "ok" if ok else _first_problems(rows)
        else:
            with ctx.db.engine.connect() as conn:
                version = conn.execute(text("SELECT version()")).scalar_one()
            ok, detail = True, str(version).split(",")[0]
        if ok and schema is None:
            ok, detail = False, ctx.msg("safety.doctor.no_schema")
        return DoctorResult(ctx.db.kind, ctx.db.where, ok, detail, schema)
    except Exception as e:  # noqa: BLE001 - the doctor reports any failure as its finding
        from counter.services.errorlog import scrub

        return DoctorResult(
            ctx.db.kind,
            ctx.db.where,
            False,
            scrub(f"{e.__class__.__name__}: {str(e).splitlines()[0]}"),
            None,
        )


def _first_problems(rows: Sequence[Any], shown: int = 3) -> str:
    """integrity_check's findings, the first few (one row may hold many lines)."""
    lines = [
        ln.strip()
        for r in rows
        for ln in str(r[0]).splitlines()
        if ln.strip() and not ln.startswith("***")
    ]
    more = f" (+{len(lines) - shown})" if len(lines) > shown else ""
    return "; ".join(lines[:shown]) + more


def doctor_unopenable(error: UserError, location: str, lang: str) -> DoctorResult:
    """The doctor's finding when the database could not even be opened (missing, empty, bad
    URL, unreachable): nothing is created."""
    from counter.i18n import catalog

    t = catalog(lang)
    if error.code in ("missing", "empty"):
        return DoctorResult("sqlite", location, False, t(f"safety.doctor.{error.code}"), None)
    return DoctorResult("database", location, False, error.message(lang), None)
