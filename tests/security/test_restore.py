"""Issue 11: ``ikd-counter restore BACKUP`` -- verified first, refused while the database is
open elsewhere, the current database kept aside (with its -wal), the result checked, audited."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security._util import PIN, ROOT, assert_clean_failure, env_for, init_db, mode, run

# A second process: opens the database like the app does, reads, then keeps it open.
HOLDER = (
    "import sys\n"
    "from counter.store.connect import open_database\n"
    "from sqlalchemy import text\n"
    "db = open_database(sys.argv[1], create=False)\n"
    "with db.read() as s:\n"
    "    s.exec(text('SELECT count(*) FROM officer')).one()\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
)


def officers(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        rows = [r[0] for r in con.execute("SELECT username FROM officer ORDER BY username")]
    con.close()
    return rows


def audits(db: Path, action: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as con:
        rows = list(
            con.execute("SELECT username, target FROM audit_event WHERE action = ?", (action,))
        )
    con.close()
    return rows


def add_officer(tmp: Path, db: Path, name: str) -> None:
    r = run(
        tmp,
        "--db",
        str(db),
        "officer",
        "add",
        name,
        "--as",
        "kasi",
        stdin=f"{PIN}\n975310\n975310\n",
    )
    assert r.returncode == 0, r.stderr


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """A database with kasi, a backup of it, then siti added after the backup."""
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    backup = tmp_path / "b.db"
    r = run(
        tmp_path, "--db", str(db), "backup", "-o", str(backup), "--as", "kasi", stdin=f"{PIN}\n"
    )
    assert r.returncode == 0, r.stderr
    add_officer(tmp_path, db, "siti")
    assert officers(db) == ["kasi", "siti"]
    return db, backup


def restore(
    tmp: Path,
    db: Path,
    backup: Path,
    pin: str = PIN,
    user: str = "kasi",
) -> subprocess.CompletedProcess[str]:
    return run(
        tmp, "--lang", "en", "--db", str(db), "restore", str(backup), "--as", user, stdin=f"{pin}\n"
    )


def test_restore_puts_the_backup_back_and_keeps_the_old_one(tmp_path: Path, setup) -> None:
    db, backup = setup
    r = restore(tmp_path, db, backup)
    assert r.returncode == 0, r.stderr
    assert officers(db) == ["kasi"]
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and str(kept[0]) in r.stdout
    assert officers(kept[0]) == ["kasi", "siti"]  # nothing lost: the old database is kept
    assert mode(db) == 0o600 and mode(kept[0]) == 0o600
    assert audits(db, "restore") == [("kasi", str(backup))]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    d = run(tmp_path, "--db", str(db), "doctor", "--json")
    assert d.returncode == 0 and json.loads(d.stdout)["ok"] is True


def test_restore_with_a_stale_wal(tmp_path: Path, setup) -> None:
    """A process died with changes only in the -wal: copying the backup over the file would be
    corrupted by that -wal; restore keeps the pair aside and the result is sound."""
    db, backup = setup
    code = (
        "import sqlite3, os, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute(\"UPDATE officer SET full_name = 'in the wal only'\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    r = restore(tmp_path, db, backup)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {n for (n,) in con.execute("SELECT full_name FROM officer")}
    con.close()
    assert "in the wal only" not in names and officers(db) == ["kasi"]
    kept = next(
        p
        for p in tmp_path.iterdir()
        if p.name.endswith(tuple("0123456789")) and ".before-restore-" in p.name
    )
    with sqlite3.connect(kept) as con:  # the kept database still has what was in its -wal
        assert {n for (n,) in con.execute("SELECT full_name FROM officer")} == {"in the wal only"}
    con.close()


def test_restore_refuses_while_another_process_has_the_database_open(tmp_path: Path, setup) -> None:
    db, backup = setup
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env_for(tmp_path),
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = restore(tmp_path, db, backup)
        assert_clean_failure(r, "in use", str(db))
        assert officers(db) == ["kasi", "siti"]  # nothing changed
        assert not [
            p
            for p in tmp_path.iterdir()
            if ".before-restore-" in p.name or p.name.endswith(".part")
        ]
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=60)
    r = restore(tmp_path, db, backup)  # closed: now it works
    assert r.returncode == 0, r.stderr
    assert officers(db) == ["kasi"]


@pytest.mark.parametrize("kind", ["corrupt", "junk", "foreign", "empty", "missing"])
def test_restore_refuses_a_bad_backup(tmp_path: Path, setup, kind: str) -> None:
    db, backup = setup
    bad = tmp_path / "bad.db"
    if kind == "corrupt":
        data = bytearray(backup.read_bytes())
        for page in range(2, len(data) // 4096):
            data[page * 4096 : page * 4096 + 200] = b"\xab" * 200
        bad.write_bytes(bytes(data))
    elif kind == "junk":
        bad.write_bytes(os.urandom(20000))
    elif kind == "foreign":
        with sqlite3.connect(bad) as con:
            con.execute("CREATE TABLE notes(x)")
        con.close()
    elif kind == "empty":
        bad.touch()
    before = db.read_bytes()
    r = restore(tmp_path, db, bad)
    assert_clean_failure(r, str(bad))
    assert "Nothing was changed" in r.stderr or "does not exist or is empty" in r.stderr
    assert db.read_bytes() == before and officers(db) == ["kasi", "siti"]
    assert not [
        p for p in tmp_path.iterdir() if ".before-restore-" in p.name or p.name.endswith(".part")
    ]


def test_restore_needs_a_supervisor_pin(tmp_path: Path, setup) -> None:
    db, backup = setup
    r = restore(tmp_path, db, backup, pin="000000")
    assert_clean_failure(r)
    r = restore(tmp_path, db, backup, pin="975310", user="siti")
    assert_clean_failure(r, "siti")
    r = run(tmp_path, "--db", str(db), "restore", str(backup), stdin=f"{PIN}\n")
    assert_clean_failure(r, "--as")
    assert officers(db) == ["kasi", "siti"]
    assert not [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]


def test_restore_over_a_damaged_database(tmp_path: Path, setup) -> None:
    """The database itself is junk: the PIN is checked against the verified backup."""
    db, backup = setup
    db.write_bytes(os.urandom(30000))
    r = restore(tmp_path, db, backup)
    assert r.returncode == 0, r.stderr
    assert officers(db) == ["kasi"]
    assert restore(tmp_path, db, backup, pin="111111").returncode != 0


def test_restore_onto_a_missing_database(tmp_path: Path, setup) -> None:
    _db, backup = setup
    target = tmp_path / "new" / "c.db"
    r = restore(tmp_path, target, backup)
    assert r.returncode == 0, r.stderr
    assert officers(target) == ["kasi"] and mode(target) == 0o600


def test_restore_on_postgres_gives_the_pg_restore_advice(tmp_path: Path, pg_url: str) -> None:
    b = tmp_path / "b.db"
    b.write_bytes(b"x")
    r = run(
        tmp_path,
        "--lang",
        "en",
        "--db",
        pg_url,
        "restore",
        str(b),
        "--as",
        "kasi",
        stdin=f"{PIN}\n",
    )
    assert_clean_failure(r, "pg_restore", "pg_dump -Fc")


def test_a_backup_from_a_newer_version_is_refused(tmp_path: Path, setup) -> None:
    db, backup = setup
    newer = tmp_path / "newer.db"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.close()
    r = restore(tmp_path, db, newer)
    assert_clean_failure(r, "newer version", "9999_future")
    assert officers(db) == ["kasi", "siti"]


def test_kept_names_never_collide(tmp_path: Path) -> None:
    from counter.services.restore import unique_path

    base = tmp_path / "c.db.before-restore-20261127-100000"
    assert unique_path(base) == base
    base.touch()
    assert unique_path(base).name == base.name + "-2"
    (tmp_path / (base.name + "-2-wal")).touch()  # a -wal alone also counts
    assert unique_path(base).name == base.name + "-3"
