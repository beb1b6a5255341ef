"""Open a database and bring its schema up to date: the one entry point the services use.

Below it, ``counter.store.db`` (the engine, sessions, error translation) and
``counter.store.migrate`` (Alembic, which needs the Database type); this module joins the two,
so neither imports the other's user.
"""

from __future__ import annotations

from counter.store.db import OPERATIONAL_ERRORS, Database, DatabaseUnusable
from counter.store.migrate import current_revision, upgrade


def open_database(
    url: str, busy_timeout_s: float = 10.0, migrate: bool = True, create: bool = True
) -> Database:
    """Open and bring the schema up to date.

    ``create`` (tests, ``init``, the TUI's first-run set-up, the demo): a missing database is
    created. Otherwise a missing/empty SQLite file, or a database without our schema, is refused
    with a ``StorageError`` that says to run ``init`` or check ``--db``; nothing is created."""
    db = Database(url, busy_timeout_s, create=create)
    try:
        if not create and migrate:
            if current_revision(db) is None:
                raise DatabaseUnusable("no_schema", where=db.where)
        if migrate:
            upgrade(db)
    except OPERATIONAL_ERRORS as e:
        db.dispose()
        translated = db.translate(e)
        if translated is e:
            raise
        raise translated from e
    except BaseException:
        db.dispose()
        raise
    return db
