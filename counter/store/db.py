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
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from counter.errors import UserError
from counter.store.files import private_dir, private_file, sqlite_companions, tighten_file
from counter.store.urls import is_supported, mask_url

if TYPE_CHECKING:
    from sqlmodel import Session

# The ORM (SQLModel, pydantic, the table classes of counter.store.models) is imported by the
# code that uses it, not here: opening a database and the core queries of connect() need only
# SQLAlchemy, so the TUI is ready to log in before the ORM has loaded (bench/bench_tui.py).


class StorageError(UserError, RuntimeError):
    """A storage problem the user can act on; ``code`` selects the message."""

    prefix = "db.error"


class DatabaseUnusable(StorageError):
    """The database cannot be used at all: missing, empty, not ours, corrupt, unreachable, or an
    unsupported kind of URL. The message names the file (or the URL without its password)."""

    prefix = "safety.db"


class DatabaseBusy(StorageError):
    def __init__(self, seconds: float) -> None:
        super().__init__("busy", seconds=seconds)


def normalise_url(path_or_url: str) -> str:
    """A file path means SQLite; a URL is used as it is (postgresql:// gets the psycopg driver).
    Any other kind of URL (mysql://, ...) is refused with ``StorageError('bad_url')``."""
    s = str(path_or_url)
    if not is_supported(s):
        raise DatabaseUnusable("bad_url", url=mask_url(s))
    if "://" in s:
        if s.startswith(("postgresql://", "postgres://")):
            s = "postgresql+psycopg://" + s.split("://", 1)[1]
        return s
    return "sqlite:///" + str(Path(s).expanduser().resolve())


# Errors that reach the user as the storage messages (locked, disk full, corrupt, unreachable):
# SQLAlchemy's, and the sqlite3 module's own from the raw cursors some services use for speed
# inside a session. IntegrityError and the like pass through unchanged.
# The driver errors translate_error turns into messages.
OPERATIONAL_ERRORS = (DBAPIError, sqlite3.DatabaseError)
_OPERATIONAL = OPERATIONAL_ERRORS
_CORRUPT = (
    "file is not a database",
    "database disk image is malformed",
    "malformed",
    "file is encrypted",
    "btreeinitpage",
    "database corruption",
)
_UNREACHABLE = (
    "connection failed",
    "could not connect",
    "connection refused",
    "connection to server",
    "could not translate host name",
    "timeout expired",
    "name or service not known",
    "server closed the connection",
)


def _is_disk_error(e: BaseException) -> bool:
    text = str(e).lower()
    return any(
        w in text
        for w in (
            "disk is full",
            "database or disk is full",
            "readonly",
            "no space left",
            "disk i/o error",
            "unable to open",
        )
    )


def translate_error(e: BaseException, where: str, busy_timeout_s: float = 10.0) -> BaseException:
    """The ``StorageError`` a database failure means to the user, or ``e`` itself when it is
    not one of the known kinds. ``where``: the file or (masked) URL, named in the message."""
    text = str(e).lower()
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseBusy(busy_timeout_s)
    orig = getattr(e, "orig", None)
    if _is_disk_error(e) or (
        isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EROFS)
    ):
        return StorageError("disk", detail=str(orig or e).splitlines()[0])
    if any(w in text for w in _CORRUPT):
        return DatabaseUnusable("corrupt", where=where)
    if any(w in text for w in _UNREACHABLE):
        detail = str(getattr(e, "orig", None) or e).strip().splitlines()
        return DatabaseUnusable(
            "unreachable", where=where, detail=mask_url(detail[0].strip() if detail else "")
        )
    return e


class Database:
    def __init__(
        self, url: str, busy_timeout_s: float = 10.0, echo: bool = False, create: bool = True
    ) -> None:
        """``create=False``: refuse (``StorageError('missing')``) a SQLite file that does not
        exist or is empty, and create nothing; only ``init`` and the set-up create one."""
        self.url = normalise_url(url)
        self.busy_timeout_s = busy_timeout_s
        u = make_url(self.url)
        self.kind = "sqlite" if u.get_backend_name() == "sqlite" else u.get_backend_name()
        if self.kind == "sqlite":
            path = u.database or ""
            if path and path != ":memory:":
                _prepare_sqlite_file(Path(path), create)
            self.path: Path | None = Path(path) if path else None
            self.engine: Engine = create_engine(
                self.url,
                echo=echo,
                hide_parameters=True,  # no NIK in an error's text
                connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            )
            self._setup_sqlite(self.engine)
        else:
            self.path = None
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_pre_ping=True,
                hide_parameters=True,
                connect_args={"connect_timeout": 5},
            )
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

    @property
    def where(self) -> str:
        """The file, or the URL without its password: what messages name."""
        return str(self.path) if self.path is not None else mask_url(self.url)

    def translate(self, e: BaseException) -> BaseException:
        """The message-bearing error for a driver error ``e`` (``e`` itself when not one)."""
        return translate_error(e, self.where, self.busy_timeout_s)

    _translate = translate  # the old name, still called by services.registry (helper registry)

    def _reraise(self, e: BaseException) -> None:
        translated = self.translate(e)
        if translated is e:
            raise e
        raise translated from e

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain SQLAlchemy connection for core reads (no ORM), errors translated."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except _OPERATIONAL as e:
            self._reraise(e)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A core write transaction (BEGIN IMMEDIATE on SQLite), committed at the end."""
        try:
            with self.write_engine.begin() as conn:
                yield conn
        except _OPERATIONAL as e:
            self._reraise(e)

    @contextmanager
    def translating(self) -> Iterator[None]:
        """A block that uses the raw driver connection: its errors become the storage messages
        (locked, disk full, ...); any other error passes unchanged."""
        try:
            yield
        except Exception as e:  # noqa: BLE001 - translate_error returns the others unchanged
            self._reraise(e)

    @contextmanager
    def read(self) -> Iterator[Session]:
        from sqlmodel import Session

        try:
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
        except _OPERATIONAL as e:
            self._reraise(e)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without error."""
        from sqlmodel import Session

        try:
            with Session(self.write_engine, expire_on_commit=False) as s:
                yield s
                s.commit()
        except _OPERATIONAL as e:
            self._reraise(e)

    def dispose(self) -> None:
        self.engine.dispose()


def _prepare_sqlite_file(path: Path, create: bool) -> None:
    """Refuse a missing or empty file unless ``create``; otherwise make sure the file (and the
    -wal/-shm SQLite makes with the file's own mode) is 0600 before the first connection."""
    try:
        size = path.stat().st_size if path.exists() else None
    except OSError:
        size = None
    if not create and not size:
        raise DatabaseUnusable("missing" if size is None else "empty", path=str(path))
    if size is None:
        private_dir(path.parent)
        private_file(path)
    for f in sqlite_companions(path):
        tighten_file(f)
