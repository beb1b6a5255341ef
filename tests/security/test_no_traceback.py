"""Issue 11: every failure is one line in the user's language and a non-zero exit, never a
Python traceback (which would print NIKs, hashes, phone numbers)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from counter.cli import main
from tests.security._util import ROOT, assert_clean_failure, env_for, init_db, run

PG_CLOSED = "postgresql+psycopg://root:s3cret-pw@127.0.0.1:1/test"


@pytest.mark.parametrize(
    "argv",
    [
        ["report"],
        ["lookup", "3325011708050001"],
        ["officer", "list"],
        ["registry", "import", "FILE"],
        ["bundle", "import", "FILE"],
        ["backup"],
        ["init"],
    ],
)
def test_unreachable_postgres_is_a_message(tmp_path: Path, argv: list[str]) -> None:
    f = tmp_path / "x.csv"
    f.write_text("NIK;STATUS IKD\n", encoding="utf-8")
    argv = [str(f) if a == "FILE" else a for a in argv]
    r = run(tmp_path, "--lang", "en", "--db", PG_CLOSED, *argv, stdin="246802\n246802\n")
    assert_clean_failure(r, "Cannot reach the database", "127.0.0.1")
    assert "s3cret-pw" not in r.stderr + r.stdout


def test_non_utf8_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(b'[office]\nname = "Kantor \xff\xfe"\n')
    r = run(tmp_path, "--config", str(cfg), "--lang", "en", "report")
    assert_clean_failure(r, str(cfg), "UTF-8")
    assert r.returncode == 2


@pytest.mark.parametrize("value", ["1e400", "inf", "nan", "-1", "0", "1e9"])
def test_busy_timeout_out_of_range(tmp_path: Path, value: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[database]\nbusy_timeout = {value}\n", encoding="utf-8")
    r = run(tmp_path, "--config", str(cfg), "report")
    assert_clean_failure(r, "database.busy_timeout")
    assert r.returncode == 2


@pytest.mark.parametrize("how", ["flag", "env", "file"])
def test_mysql_url_is_refused_without_its_password(tmp_path: Path, how: str) -> None:
    url = "mysql://user:hunter22@db.example/ikd"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n' if how == "file" else "", encoding="utf-8")
    args = ["--config", str(cfg)] + (["--db", url] if how == "flag" else []) + ["report"]
    extra = {"IKD_COUNTER_DB": url} if how == "env" else {}
    r = run(tmp_path, *args, **extra)
    assert_clean_failure(r, "database.url", "mysql://user:***@db.example")
    assert "hunter22" not in r.stderr


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    r = run(tmp_path, "--config", str(tmp_path / "nope.toml"), "locate")
    assert_clean_failure(r, "nope.toml")
    assert r.returncode == 2 and r.stdout == ""


def test_report_on_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    r = run(tmp_path, "--lang", "en", "--db", str(junk), "report")
    assert_clean_failure(r, str(junk), "damaged", "restore")


def test_report_on_a_truncated_database(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    r = run(
        tmp_path,
        "--db",
        str(db),
        "seed-demo",
        "--registry",
        "200",
        "--visits",
        "300",
        "--days",
        "3",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    half = tmp_path / "half.db"
    data = db.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    r = run(tmp_path, "--lang", "en", "--db", str(half), "report", "--json")
    assert_clean_failure(r, str(half), "damaged")


def test_report_on_corrupted_pages_fails(tmp_path: Path) -> None:
    """A failed read is an error: the pages of the visit table and its indexes overwritten."""
    import sqlite3

    db = tmp_path / "c.db"
    r = run(
        tmp_path,
        "--db",
        str(db),
        "seed-demo",
        "--registry",
        "200",
        "--visits",
        "300",
        "--days",
        "3",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert run(tmp_path, "--db", str(db), "report", "--json").returncode == 0
    with sqlite3.connect(db) as con:
        roots = [
            r[0]
            for r in con.execute(
                "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'visit' AND rootpage > 0"
            )
        ]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with db.open("r+b") as f:
        for root in roots:
            f.seek((root - 1) * size)
            f.write(b"\xde\xad" * (size // 2))
    r = run(tmp_path, "--lang", "en", "--db", str(db), "report", "--json")
    assert_clean_failure(r, "damaged")
    assert r.stdout == ""


def test_report_json_into_head_is_quiet(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    init_db(tmp_path, db)
    for reader in ("head -c 10", "true"):  # `true` closes the pipe before anything is written
        cmd = (
            f"{sys.executable} -m counter --db {db} report --json | {reader}; "
            'echo " rc=${PIPESTATUS[0]}"'
        )
        r = subprocess.run(
            ["bash", "-c", cmd],
            capture_output=True,
            text=True,
            env=env_for(tmp_path),
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr
        assert "Exception ignored" not in r.stderr and r.stderr == "", r.stderr
        if reader.startswith("head"):
            assert r.stdout.startswith('{"date": ')
        assert int(r.stdout.rsplit("rc=", 1)[1]) in (0, 141)


def test_broken_pipe_in_process_exits_141(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler itself: a BrokenPipeError from the command is a quiet exit 141."""
    from counter.cli import core

    def boom(args: object) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    silenced: list[bool] = []
    monkeypatch.setattr(core, "cmd_locate", boom)
    monkeypatch.setattr("counter.cli._silence_stdout", lambda: silenced.append(True))
    assert main(["locate"]) == 141
    assert silenced == [True]  # stdout pointed at devnull: the exit flush cannot fail again


def test_bundle_export_to_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC while the bundle is written: a message naming the file, exit 1."""
    from counter.config import load_settings
    from counter.services import accounts
    from counter.services.context import make_context

    db = tmp_path / "c.db"
    ctx = make_context(
        load_settings(
            tmp_path / "none.toml",
            env={},
            overrides={"database.url": str(db), "paths.data": str(tmp_path / "d")},
        )
    )
    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")
    from tests.helpers.bundle import share_key

    share_key(ctx)  # bundles are signed: the database needs its bundle key
    ctx.db.dispose()
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, f: object) -> None:
            self.f = f

        def __enter__(self) -> Full:  # noqa: PYI034
            return self

        def __exit__(self, *a: object) -> None:
            self.f.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self.f, name)

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("246802\n"))
    out = tmp_path / "out.ikdb"
    code = main(
        [
            "--db",
            str(db),
            "--lang",
            "en",
            "bundle",
            "export",
            "-o",
            str(out),
            *_as_kasi("bundle", "export"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err and err.startswith("ikd-counter: ")
    assert "disk is full" in err.lower() or "no space" in err.lower(), err
    assert not out.exists()


def _as_kasi(*command: str) -> list[str]:
    """``--as kasi`` when the command takes it (the auth branch adds it to bundle export)."""
    import argparse

    from counter.cli import build_parser

    parser: argparse.ArgumentParser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return ["--as", "kasi"] if any("--as" in a.option_strings for a in parser._actions) else []
