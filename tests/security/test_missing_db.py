"""Issue 11: only `init` (and the TUI's set-up, the demo, seed-demo) creates a database; every
other command refuses a missing or empty one and creates nothing; `doctor` tells the truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security._util import PIN, assert_clean_failure, init_db, run


@pytest.mark.parametrize(
    "argv",
    [
        ["report"],
        ["lookup", "3325011708050001"],
        ["officer", "list", "--as", "kasi"],
        ["backup", "--as", "kasi"],
        ["export", "--date", "2026-11-27", "--as", "kasi"],
        ["registry", "import", "FILE"],
    ],
)
@pytest.mark.parametrize("state", ["missing", "empty"])
def test_commands_refuse_a_missing_or_empty_database(
    tmp_path: Path, argv: list[str], state: str
) -> None:
    db = tmp_path / "sub" / "c.db"
    if state == "empty":
        db.parent.mkdir()
        db.touch()
    f = tmp_path / "x.csv"
    f.write_text("NIK;STATUS IKD\n3325011708050001;SUDAH\n", encoding="utf-8")
    argv = [str(f) if a == "FILE" else a for a in argv]
    r = run(tmp_path, "--lang", "en", "--db", str(db), *argv, stdin="246802\n")
    assert_clean_failure(r, str(db), "ikd-counter init", "--db")
    if state == "missing":
        assert not db.exists() and not db.parent.exists()
    else:
        assert db.stat().st_size == 0
    assert not db.with_name("c.db-wal").exists()


def test_init_creates_then_others_work(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    r = run(
        tmp_path, "--db", str(db), "officer", "list", "--json", "--as", "kasi", stdin=f"{PIN}\n"
    )
    assert r.returncode == 0, r.stderr
    assert [o["username"] for o in json.loads(r.stdout)["officers"]] == ["kasi"]


def test_a_sqlite_file_without_our_tables_is_refused(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE notes(x)")
    con.close()
    r = run(tmp_path, "--lang", "en", "--db", str(other), "report")
    assert_clean_failure(r, "not an IKD Counter database")
    with sqlite3.connect(other) as con:  # nothing was added to it
        names = {n for (n,) in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert names == {"notes"}


def test_postgres_without_schema_is_refused(tmp_path: Path, pg_url: str) -> None:
    r = run(tmp_path, "--lang", "en", "--db", pg_url, "report")
    assert_clean_failure(r, "not an IKD Counter database")
    r = run(tmp_path, "--db", pg_url, "init", stdin="246802\n246802\n")
    assert r.returncode == 0, r.stderr
    assert run(tmp_path, "--db", pg_url, "report").returncode == 0


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_doctor_on_missing_or_empty_says_bad_and_creates_nothing(
    tmp_path: Path, state: str
) -> None:
    db = tmp_path / "c.db"
    if state == "empty":
        db.touch()
    r = run(tmp_path, "--lang", "en", "--db", str(db), "doctor", "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["location"] == str(db)
    assert ("does not exist" if state == "missing" else "empty") in out["detail"]
    assert db.exists() is (state == "empty")
    if state == "empty":
        assert db.stat().st_size == 0


def test_doctor_finds_corruption(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    r = run(
        tmp_path,
        "--db",
        str(db),
        "seed-demo",
        "--registry",
        "500",
        "--visits",
        "300",
        "--days",
        "3",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert run(tmp_path, "--db", str(db), "doctor").returncode == 0
    data = bytearray(db.read_bytes())
    size = 4096
    pages = len(data) // size
    for page in range(pages // 3, 2 * pages // 3):  # garbage in the middle pages
        data[page * size : (page + 1) * size] = bytes((page * 7 + i) % 251 for i in range(size))
    db.write_bytes(bytes(data))
    r = run(tmp_path, "--lang", "en", "--db", str(db), "doctor")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "PROBLEM" in r.stdout and len(r.stdout.splitlines()) == 1


def test_doctor_on_a_healthy_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    r = run(tmp_path, "--db", str(db), "doctor", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"] is True


def test_init_and_locate_mask_the_password(tmp_path: Path, pg_url: str) -> None:
    url = pg_url.replace("root@", "root:topsecret@")  # trust auth: any password is accepted
    r = run(tmp_path, "--db", url, "init", stdin="246802\n246802\n")
    assert r.returncode == 0, r.stderr
    assert "topsecret" not in r.stdout + r.stderr and "root:***@" in r.stdout
    for extra in ([], ["--json"]):
        r = run(tmp_path, "--db", url, "locate", *extra)
        assert r.returncode == 0
        assert "topsecret" not in r.stdout and "root:***@" in r.stdout
    r = run(tmp_path, "--db", url, "doctor", "--json")
    assert "topsecret" not in r.stdout
