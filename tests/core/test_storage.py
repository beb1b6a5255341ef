"""Storage on a real SQLite file and a real PostgreSQL schema: pragmas, migrations, round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from counter.domain import outcomes as oc
from counter.services import visits
from counter.services.context import Context
from counter.store.db import Database, DatabaseBusy, normalise_url, open_database
from counter.store.migrate import MIGRATIONS, current_revision, head_revision
from counter.store.models import Officer, Visit, VisitEvent

TABLES = {
    "officer",
    "registry_entry",
    "visit",
    "visit_event",
    "audit_event",
    "export_batch",
    "export_item",
    "day_close",
    "outreach_event",
    "bundle_import",
    "bundle_export",
    "app_setting",
    "alembic_version",
}


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "x.db"), busy_timeout_s=7)
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000


def test_write_transactions_take_the_lock_at_start(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "x.db"))
    with db.write() as s:
        raw = s.connection().connection.dbapi_connection
        assert raw.in_transaction  # BEGIN IMMEDIATE already issued, before any statement
        # a second connection cannot start a write while we hold the lock
        other = Database(str(tmp_path / "x.db"), busy_timeout_s=0.1)
        with pytest.raises(DatabaseBusy) as ei:
            with other.write() as s2:
                s2.exec(select(Officer)).all()
        assert "0.1" in ei.value.message("en")


def test_path_means_sqlite_and_url_is_kept(tmp_path: Path) -> None:
    assert normalise_url(str(tmp_path / "a.db")).startswith("sqlite:///")
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_single_migration_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_schema_is_migrated_on_open(any_ctx: Context) -> None:
    names = set(inspect(any_ctx.db.engine).get_table_names())
    assert TABLES <= names
    assert current_revision(any_ctx.db) == head_revision()
    idx = {i["name"] for i in inspect(any_ctx.db.engine).get_indexes("visit")}
    assert {"ix_visit_day", "ix_visit_nik", "ix_visit_day_counter"} <= idx


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "keep.db")
    db = open_database(path)
    with db.write() as s:
        s.add(Officer(username="x1", role="officer", created_at=datetime.now(UTC)))
    db.dispose()
    db2 = open_database(path)  # upgrade path runs again: nothing rebuilt
    with db2.read() as s:
        assert [o.username for o in s.exec(select(Officer))] == ["x1"]


def test_old_database_is_upgraded_not_rebuilt(tmp_path: Path) -> None:
    """A database stamped at an earlier revision gets the missing migrations, keeping rows."""
    from alembic.script import ScriptDirectory

    from counter.store.migrate import upgrade

    revs = [r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions()]
    path = str(tmp_path / "old.db")
    db = Database(path)
    first = revs[-1]
    upgrade(db, first)
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO officer (username, full_name, role, pin_hash, active, "
                "failed_attempts, created_at) VALUES ('old', '', 'officer', '', 1, 0, "
                "'2026-01-01 00:00:00')"
            )
        )
    db.dispose()
    db = open_database(path)
    assert current_revision(db) == head_revision()
    with db.read() as s:
        assert s.exec(select(Officer.username)).all() == ["old"]


def test_visit_round_trip_with_aware_timestamps(any_ctx: Context, clock) -> None:  # noqa: ANN001
    from counter.services import accounts

    off = accounts.create_officer(any_ctx, "rina", "135790")
    v = visits.start_visit(any_ctx, off, "3325011708050001", phone="0812-3456-7890", consent=True)
    clock.advance(seconds=95)
    visits.record_event(any_ctx, v.id, "step", "install", {"done": True}, off.id)
    clock.advance(seconds=30)
    visits.finish_visit(any_ctx, v.id, oc.PENDING, reason="email_not_received", officer_id=off.id)
    with any_ctx.db.read() as s:
        row = s.get(Visit, v.id)
        assert row is not None
        assert row.started_at.tzinfo is not None
        assert (row.ended_at - row.started_at).total_seconds() == 125
        assert row.handling_seconds == 125
        assert row.day.isoformat() == "2026-11-27"
        assert row.phone == "081234567890"
        assert row.followup_state == "open"
        evs = s.exec(
            select(VisitEvent).where(VisitEvent.visit_id == v.id).order_by(VisitEvent.seq)
        ).all()
        assert [e.kind for e in evs] == ["start", "step", "outcome"]
        assert [e.seq for e in evs] == [1, 2, 3]
        assert all(e.at.tzinfo is not None for e in evs)
        assert evs[-1].at == clock.now


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_registry_entries_keep_their_source_through_0004(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    """Migration 0004 moves each entry's file name and time to one registry_import row per
    file: entries, statuses and sources survive; on SQLite the table stays WITHOUT ROWID; the
    downgrade puts the columns back with the same values."""
    from alembic.command import downgrade as alembic_downgrade

    from counter.store.migrate import alembic_config, upgrade

    url = request.getfixturevalue("pg_url") if engine == "postgres" else str(tmp_path / "r.db")
    db = Database(url)
    upgrade(db, "0003")
    rows = [
        ("3325010101900001", "active", "2025-01-02", "a.csv", "2026-01-01 01:00:00"),
        ("3325010101900002", "not_active", None, "a.csv", "2026-01-01 02:00:00"),
        ("3325010101900003", "not_active", None, "b.csv", "2026-02-01 00:00:00"),
    ]
    with db.engine.begin() as c:
        for r in rows:
            c.execute(
                text(
                    "INSERT INTO registry_entry (nik, ikd_status, activated_on, source, "
                    "updated_at) VALUES (:n, :s, :d, :src, :u)"
                ),
                {"n": r[0], "s": r[1], "d": r[2], "src": r[3], "u": r[4]},
            )
    upgrade(db, "0004")  # later migrations add columns of their own (0006: desa)
    with db.engine.connect() as c:
        got = c.execute(
            text(
                "SELECT e.nik, e.ikd_status, i.source, i.imported_at FROM "
                "registry_entry e JOIN registry_import i ON i.id = e.import_id "
                "ORDER BY e.nik"
            )
        ).all()
        assert [(g[0], g[1], g[2]) for g in got] == [(r[0], r[1], r[3]) for r in rows]
        assert str(got[0][3]).startswith("2026-01-01 02:00:00")  # the file's newest entry
        cols = {col["name"] for col in inspect(c).get_columns("registry_entry")}
        assert cols == {"nik", "ikd_status", "activated_on", "import_id"}
        if engine == "sqlite":
            ddl = c.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'registry_entry'")
            ).scalar()
            assert "WITHOUT ROWID" in ddl
    cfg = alembic_config(db)
    with db.write_engine.begin() as c:
        cfg.attributes["connection"] = c
        alembic_downgrade(cfg, "0003")
    with db.engine.connect() as c:
        back = c.execute(
            text("SELECT nik, ikd_status, source FROM registry_entry ORDER BY nik")
        ).all()
        assert [tuple(b) for b in back] == [(r[0], r[1], r[3]) for r in rows]
    db.dispose()
