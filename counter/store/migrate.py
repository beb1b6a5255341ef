"""Schema migrations with Alembic, applied automatically when a database is opened."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from counter.store.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


_REV = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE
)


def _single_head_from_files() -> str | None:
    """The head read from the migration files without importing Alembic (start-up speed)."""
    revs: set[str] = set()
    downs: set[str] = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REV.finditer(f.read_text("utf-8")))
        if "revision" not in found or not found["revision"]:
            return None  # unusual file: let Alembic decide
        revs.add(found["revision"])
        if found.get("down_revision"):
            downs.add(found["down_revision"])
    heads = revs - downs
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    head = _single_head_from_files()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current_revision(db: Database) -> str | None:
    """The database's revision (plain SQL on alembic_version: no Alembic import)."""
    from sqlalchemy import inspect, text

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext

        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return rows[0][0] if rows else None


def upgrade(db: Database, revision: str = "head") -> None:
    if revision == "head" and current_revision(db) == head_revision():
        return  # fast path: nothing to do (keeps start-up quick)
    from alembic import command

    cfg = alembic_config(db)
    with db.write_engine.begin() as conn:
        if db.kind == "postgresql":
            # several counters starting at once: one migrates, the others wait here and then
            # find the schema already at head (SQLite gets the same from BEGIN IMMEDIATE)
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7242013)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
