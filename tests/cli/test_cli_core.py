"""The command line of the foundation: nik, init, officer, lookup (end to end, real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEYS = {
    "nik",
    "valid",
    "error",
    "province_code",
    "regency_code",
    "district_code",
    "district_name",
    "in_batang",
    "birth_date",
    "sex",
    "age",
    "serial",
}


def run(
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "counter", *args], input=stdin, capture_output=True, text=True, env=e
    )


def test_nik_json_valid() -> None:
    r = run("nik", "3325 0117 0805 0001", "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert KEYS <= set(out)
    assert out["valid"] is True and out["error"] is None
    assert out["district_name"] == "Wonotunggal" and out["birth_date"] == "2005-08-17"
    assert out["sex"] == "M" and out["in_batang"] is True and out["serial"] == "0001"


def test_nik_json_invalid_excel() -> None:
    r = run("nik", "3.32501E+15", "--json", "--lang", "en")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert KEYS <= set(out)
    assert out["valid"] is False and "Excel" in out["error"]


def test_nik_plain_error_to_stderr() -> None:
    r = run("--lang", "en", "nik", "12345")
    assert r.returncode == 1 and r.stdout == ""
    assert "16 digits" in r.stderr


def test_init_officer_and_pin_never_an_argument(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    r = run("--db", db, "init", "--username", "kasi", stdin="246802\n")
    assert r.returncode == 0, r.stderr
    r = run("--db", db, "init", "--username", "kasi2", stdin="246802\n")
    assert r.returncode == 1  # already initialised
    as_kasi = ("--as", "kasi")
    # the supervisor's PIN on the first line of stdin, the new account's PIN on the second
    r = run("--db", db, "officer", "add", "siti", *as_kasi, stdin="246802\n135790\n")
    assert r.returncode == 0, r.stderr
    r = run("--db", db, "officer", "add", "lemah", *as_kasi, stdin="246802\n111111\n")
    assert r.returncode == 1 and "PIN" in r.stderr
    r = run("--db", db, "officer", "disable", "siti", *as_kasi, stdin="246802\n")
    assert r.returncode == 0
    r = run("--db", db, "officer", "list", "--json", *as_kasi, stdin="246802\n")
    rows = {o["username"]: o for o in json.loads(r.stdout)["officers"]}
    assert rows["kasi"]["role"] == "supervisor" and rows["kasi"]["active"] is True
    assert rows["siti"]["active"] is False and "lemah" not in rows
    # an imported / forgotten account gets a PIN from the prompt, then can be enabled again
    r = run("--db", db, "officer", "set-pin", "siti", *as_kasi, stdin="246802\n975310\n")
    assert r.returncode == 0, r.stderr
    assert run("--db", db, "officer", "enable", "siti", *as_kasi, stdin="246802\n").returncode == 0
    r = run("--db", db, "officer", "set-pin", "nobody", *as_kasi, stdin="246802\n975310\n")
    assert r.returncode == 1
    r = run("--db", db, "officer", "add", "--help")
    assert "--pin" not in r.stdout


def test_lookup_unknown_nik(tmp_path: Path) -> None:
    from counter.store.db import open_database

    open_database(str(tmp_path / "c.db")).dispose()  # only `init` creates one from the CLI
    r = run("--db", str(tmp_path / "c.db"), "lookup", "3325011708050001", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {
        "nik": "3325011708050001",
        "ikd_status": "unknown",
        "activated_on": None,
        "source": None,
        "visits": [],
    }
    r = run("--db", str(tmp_path / "c.db"), "lookup", "33250117")
    assert r.returncode == 1
