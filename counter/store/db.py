"""The database: one engine per process, SQLite (WAL, FULL sync, IMMEDIATE writes) or PostgreSQL.

``Database.read()`` and ``Database.write()`` give sessions; ``write()`` commits on success and,
on SQLite, takes the write lock at the start (``BEGIN IMMEDIATE``) so two processes never deadlock
half-way through a transaction. Lock waits beyond the busy timeout become ``DatabaseBusy``.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from counter.errors import UserError
from counter.store import models  # noqa: F401  (registers the tables)


class StorageError(UserError, RuntimeError):
    """A storage problem the user can act on; ``code`` selects the message."""
    prefix = "db.error"


class DatabaseBusy(StorageError):
    def __init__(self, seconds: float) -> None:
        super().__init__("busy", seconds=seconds)


def normalise_url(path_or_url: str) -> str:
    """A file path means SQLite; a URL is used as it is (postgresql:// gets the psycopg driver)."""
    s = str(path_or_url)
    if "://" in s:
        if s.startswith("postgresql://") or s.startswith("postgres://"):
            s = "postgresql+psycopg://" + s.split("://", 1)[1]
        return s
    return "sqlite:///" + str(Path(s).expanduser().resolve())


# Errors that reach the user as the storage messages (locked, disk full): SQLAlchemy's, and the
# sqlite3 module's own from the raw cursors some services use for speed inside a session.
_OPERATIONAL = (OperationalError, sqlite3.OperationalError)


def _is_disk_error(e: BaseException) -> bool:
    text = str(e).lower()
    return any(w in text for w in ("disk is full", "database or disk is full", "readonly",
                                   "no space left", "disk i/o error", "unable to open"))


class Database:
    def __init__(self, url: str, busy_timeout_s: float = 10.0, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.busy_timeout_s = busy_timeout_s
        u = make_url(self.url)
        self.kind = "sqlite" if u.get_backend_name() == "sqlite" else u.get_backend_name()
        if self.kind == "sqlite":
            path = u.database or ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.path: Path | None = Path(path) if path else None
            self.engine: Engine = create_engine(
                self.url, echo=echo,
                connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            )
            self._setup_sqlite(self.engine)
        else:
            self.path = None
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True,
                                        connect_args={"connect_timeout": 5})
        self.write_engine = self.engine.execution_options(ikd_write=True)

    def _setup_sqlite(self, engine: Engine) -> None:
        ms = int(self.busy_timeout_s * 1000)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: sqlite3.Connection, _rec: object) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={ms}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("ikd_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

    def _translate(self, e: BaseException) -> BaseException:
        text = str(e).lower()
        if "database is locked" in text or "database table is locked" in text:
            return DatabaseBusy(self.busy_timeout_s)
        orig = getattr(e, "orig", None)
        if _is_disk_error(e) or (isinstance(orig, OSError) and orig.errno in (errno.ENOSPC,
                                                                              errno.EROFS)):
            return StorageError("disk", detail=str(orig or e).splitlines()[0])
        return e

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
        except _OPERATIONAL as e:
            raise self._translate(e) from e

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without error."""
        try:
            with Session(self.write_engine, expire_on_commit=False) as s:
                yield s
                s.commit()
        except _OPERATIONAL as e:
            raise self._translate(e) from e

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, busy_timeout_s: float = 10.0, migrate: bool = True) -> Database:
    """Open (creating if needed) and bring the schema up to date."""
    db = Database(url, busy_timeout_s)
    if migrate:
        from counter.store.migrate import upgrade

        try:
            upgrade(db)
        except OperationalError as e:
            raise db._translate(e) from e
    return db
