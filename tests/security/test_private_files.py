"""Issue 11: every file the app creates with personal data or secrets is 0600, and the folders
it makes for them 0700, under a 022 umask (POSIX)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.security._util import PIN, init_db, mode, run

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_wal_shm_and_folder(tmp_path: Path) -> None:
    db = tmp_path / "new" / "sub" / "c.db"
    r = run(
        tmp_path,
        "--db",
        str(db),
        "init",
        "--username",
        "kasi",
        stdin=f"{PIN}\n{PIN}\n",
        umask=0o022,
    )
    assert r.returncode == 0, r.stderr
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700
    # -wal and -shm while a connection is open (SQLite gives them the database file's mode)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE IF NOT EXISTS t(x)")
    con.commit()
    try:
        for suffix in ("-wal", "-shm"):
            f = db.with_name(db.name + suffix)
            assert f.exists() and mode(f) == 0o600, suffix
    finally:
        con.close()


def test_an_existing_0644_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    os.chmod(db, 0o644)
    assert run(tmp_path, "--db", str(db), "report", umask=0o022).returncode == 0
    assert mode(db) == 0o600


def test_backups_and_their_folder(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    data = tmp_path / "data"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[paths]\ndata = "{data}"\n', encoding="utf-8")
    r = run(
        tmp_path,
        "--db",
        str(db),
        "--config",
        str(cfg),
        "backup",
        "--json",
        "--as",
        "kasi",
        stdin=f"{PIN}\n",
        umask=0o022,
    )
    assert r.returncode == 0, r.stderr
    backups = list((data / "backups").glob("*.db"))
    assert len(backups) == 1 and mode(backups[0]) == 0o600
    assert mode(data / "backups") == 0o700 and mode(data) == 0o700
    out = tmp_path / "mine.db"
    r = run(
        tmp_path,
        "--db",
        str(db),
        "backup",
        "-o",
        str(out),
        "--as",
        "kasi",
        stdin=f"{PIN}\n",
        umask=0o022,
    )
    assert r.returncode == 0, r.stderr
    assert mode(out) == 0o600


def test_day_close_backup(ctx, supervisor, umask022) -> None:
    from datetime import date

    from counter.services import dayclose

    res = dayclose.close_day(ctx, date(2026, 11, 26), supervisor)
    assert res.backup_path is not None
    assert mode(res.backup_path) == 0o600
    assert mode(res.backup_path.parent) == 0o700


def test_slip(ctx, officer, umask022) -> None:
    from counter.domain import nik as nikmod
    from counter.services import visits
    from counter.services.slip import make_slip

    nik = nikmod.compose("332501", date_(1990, 1, 2), "F", 7)
    v = visits.start_visit(ctx, officer, nik)
    visits.finish_visit(ctx, v.id, "ACTIVATED", officer_id=officer.id)
    path = make_slip(ctx, v.id)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def date_(y: int, m: int, d: int):
    from datetime import date

    return date(y, m, d)


def test_registry_rejects_file(ctx, umask022, tmp_path: Path) -> None:
    from counter.services.registry import import_registry

    f = tmp_path / "reg.csv"
    f.write_text("NIK;STATUS IKD\n3325011708050001;SUDAH\n12345;??\n", encoding="utf-8")
    res = import_registry(ctx, f)
    rejects = Path(res.rejects_file)
    assert rejects.exists() and mode(rejects) == 0o600


def test_config_written_by_setup(tmp_path: Path, umask022) -> None:
    from counter.config import write_settings

    path = tmp_path / "cfg" / "ikd-counter" / "config.toml"
    write_settings(
        path, {"database.url": "postgresql+psycopg://u:pw@h/db", "office.name": "Kantor"}
    )
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    write_settings(path, {"office.name": "Kantor 2"})  # rewritten: still private
    assert mode(path) == 0o600
    assert not list(path.parent.glob("*.part")) and not list(path.parent.glob("*.tmp"))


def test_error_log(tmp_path: Path) -> None:
    from counter.services.errorlog import write_log

    try:
        raise RuntimeError("boom 3325011708050001")
    except RuntimeError as e:
        path = write_log(e, tmp_path / "data" / "logs")
    assert path is not None and mode(path) == 0o600 and mode(path.parent) == 0o700
