"""Putting a backup back (SQLite): verified first, swapped in whole, checked after, audited.

Copying a backup over the database file is not a restore: a stale ``-wal`` beside it is replayed
into the copied pages and corrupts them. The steps here:

1. :func:`stage` copies the backup with SQLite's backup API into a private file next to the
   database, runs ``PRAGMA integrity_check``, requires our schema (``alembic_version``) from this
   or an older version, and migrates the copy to the current schema.
2. :func:`install` takes the database away from everyone: ``PRAGMA journal_mode=DELETE`` only
   succeeds when no other connection has the file open (it also folds the WAL into the file),
   then ``BEGIN EXCLUSIVE`` holds it. The database and its ``-wal``/``-shm`` are renamed to
   ``<db>.before-restore-<stamp>`` (kept, 0600), the staged copy is renamed into place, opened,
   checked and audited; any failure puts the previous database back.

PostgreSQL has no file to swap: restore a ``pg_dump -Fc`` dump with ``pg_restore --clean``.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from counter.config import Settings
from counter.errors import UserError
from counter.store.files import private_file, sqlite_companions, tighten_file


class RestoreError(UserError, RuntimeError):
    prefix = "safety.restore"


@dataclass(frozen=True)
class RestoreResult:
    backup: Path
    db: Path
    kept: Path | None  # the previous database, renamed (None: there was none)
    schema: str


def sqlite_path(settings: Settings) -> Path:
    """The database file of ``settings``; ``RestoreError('postgres')`` for PostgreSQL."""
    from counter.store.db import normalise_url

    url = normalise_url(settings.db_url)
    if not url.startswith("sqlite"):
        raise RestoreError("postgres")
    return Path(url.split("sqlite:///", 1)[1])


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def unique_path(base: Path, suffix: str = "") -> Path:
    """``base`` + ``suffix``, or with -2, -3... when a file of that name (or its -wal) exists:
    two restores in one second never overwrite a kept database."""
    n = 1
    while True:
        path = base.with_name(base.name + (f"-{n}" if n > 1 else "") + suffix)
        if not any(f.exists() for f in sqlite_companions(path)):
            return path
        n += 1


def _integrity(con: sqlite3.Connection) -> str:
    rows = con.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:3])


def _copy(backup: Path, staged: Path) -> None:
    """SQLite's online backup API: a consistent copy even of a backup in WAL mode."""
    with (
        closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(str(staged))) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")


def _check_schema(staged: Path, backup: Path) -> str:
    from alembic.script import ScriptDirectory

    from counter.store.migrate import MIGRATIONS

    with closing(sqlite3.connect(str(staged))) as con:
        problem = _integrity(con)
        if problem != "ok":
            raise RestoreError("bad_backup", path=str(backup), detail=problem)
        has = con.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()[0]
        row = con.execute("SELECT version_num FROM alembic_version").fetchone() if has else None
    if row is None:
        raise RestoreError("bad_backup", path=str(backup), detail="no IKD Counter schema")
    try:
        known = ScriptDirectory(str(MIGRATIONS)).get_revision(row[0])
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise RestoreError("newer", path=str(backup), schema=row[0])
    return str(row[0])


def stage(backup: Path, db: Path) -> tuple[Path, str]:
    """Copy, verify and migrate ``backup`` into a private file beside ``db``; returns the staged
    file and the backup's schema revision. Raises ``RestoreError``; nothing else is touched."""
    from counter.store.connect import open_database

    backup = backup.expanduser().absolute()
    if not backup.is_file() or backup.stat().st_size == 0:
        raise RestoreError("no_backup", path=str(backup))
    if db.exists() and backup.resolve() == db.resolve():
        raise RestoreError("same_file")
    staged = unique_path(db.with_name(f"{db.name}.restore-{_stamp()}"), ".part")
    private_file(staged)
    try:
        try:
            _copy(backup, staged)
        except sqlite3.DatabaseError as e:
            raise RestoreError("bad_backup", path=str(backup), detail=str(e)) from None
        schema = _check_schema(staged, backup)
        open_database(str(staged), create=False).dispose()  # brings it to the current schema
        with closing(sqlite3.connect(str(staged))) as con:
            con.execute("PRAGMA journal_mode=DELETE")  # no -wal travels with the file
    except BaseException:
        discard(staged)
        raise
    return staged, schema


def discard(staged: Path) -> None:
    for f in sqlite_companions(staged):
        f.unlink(missing_ok=True)


def claim(db: Path) -> sqlite3.Connection | None:
    """Exclusive use of ``db`` (held until the connection is closed), or ``RestoreError
    ('in_use')``. None when there is no database, or it is too damaged to lock (then nobody
    can be using it)."""
    if not db.exists() or db.stat().st_size == 0:
        return None
    con = sqlite3.connect(str(db), timeout=0, isolation_level=None)
    try:
        mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise RestoreError("in_use", db=str(db))
        con.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as e:
        con.close()
        if "locked" in str(e).lower() or "busy" in str(e).lower():
            raise RestoreError("in_use", db=str(db)) from None
        return None
    except sqlite3.DatabaseError:
        con.close()
        return None  # not a database any more: nobody can have it open usefully
    except BaseException:
        con.close()
        raise
    return con


def _move_aside(db: Path, kept: Path) -> Path | None:
    """Rename the database and its companions to ``kept`` (+ the same suffixes)."""
    moved = None
    for f, suffix in zip(sqlite_companions(db), ("", "-wal", "-shm", "-journal"), strict=True):
        if f.exists():
            target = kept.with_name(kept.name + suffix)
            os.replace(f, target)
            tighten_file(target)
            moved = kept
    return moved


def _put_back(db: Path, kept: Path | None) -> None:
    failed = db.with_name(f"{db.name}.failed-restore-{_stamp()}")
    _move_aside(db, failed)
    if kept is not None:
        for f, suffix in zip(
            sqlite_companions(kept), ("", "-wal", "-shm", "-journal"), strict=True
        ):
            if f.exists():
                os.replace(f, db.with_name(db.name + suffix))


def install(
    settings: Settings, backup: Path, staged: Path, schema: str, username: str
) -> RestoreResult:
    """Swap the staged copy in for the database (see the module text); audited as ``restore``
    by ``username`` in the restored database."""
    db = sqlite_path(settings)
    kept_name = unique_path(db.with_name(f"{db.name}.before-restore-{_stamp()}"))
    with closing(sqlite3.connect(str(staged))) as con:
        con.execute("PRAGMA journal_mode=DELETE")  # an authentication may have opened it
    for f in sqlite_companions(staged)[1:]:
        f.unlink(missing_ok=True)
    lock = claim(db)
    if lock is not None and os.name == "nt":  # Windows cannot rename an open file
        lock.close()
        lock = None
    try:
        kept = _move_aside(db, kept_name)
        os.replace(staged, db)
    except BaseException:
        if lock is not None:
            lock.close()
        discard(staged)
        raise
    if lock is not None:
        lock.close()
    try:
        _check_installed(settings, db, backup, kept, username)
    except BaseException:
        _put_back(db, kept)
        raise
    return RestoreResult(backup, db, kept, schema)


def _check_installed(
    settings: Settings, db: Path, backup: Path, kept: Path | None, username: str
) -> None:
    from counter.services import audit
    from counter.services.context import make_context

    ctx = make_context(replace(settings, db=str(db)), create=False)
    try:
        with ctx.db.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            raise RestoreError("check_failed", detail="; ".join(str(r[0]) for r in rows[:3]))
        audit.log(
            ctx,
            "restore",
            None,
            target=str(backup),
            username=username,
            kept=str(kept) if kept else "",
        )
    finally:
        ctx.db.dispose()
    with suppress(OSError):
        for f in sqlite_companions(db):
            tighten_file(f)
