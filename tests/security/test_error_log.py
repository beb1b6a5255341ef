"""Issue 11: an unexpected error is one line naming a private log file; the traceback there (and
with --debug / IKD_COUNTER_DEBUG=1 on stderr) has NIKs, phone numbers, argon2 hashes, SQL
parameters and URL passwords removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter.cli import main
from counter.services.errorlog import scrub

NIK = "3325011708050001"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def test_scrub_removes_personal_data_and_secrets() -> None:
    text = (
        f"nik={NIK} spaced 3325 0117 0805 0001 phone 081234567890 and +62 812-3456-7890 "
        f"hash {HASH} url postgresql+psycopg://root:pw123@db/x?password=qq "
        f"[parameters: ('{NIK}', 'Siti', '0812999')]\nkeep 2026-11-27 and 12345"
    )
    out = scrub(text)
    for secret in (
        NIK,
        "3325 0117 0805 0001",
        "081234567890",
        "812-3456-7890",
        "c2FsdHNhbHQ",
        "pw123",
        "qq",
        "Siti",
    ):
        assert secret not in out, (secret, out)
    assert "root:***@" in out and "$argon2(removed)" in out and "[parameters: (removed)]" in out
    assert "2026-11-27" in out and "12345" in out


@pytest.fixture
def failing_lookup(monkeypatch: pytest.MonkeyPatch):
    """`lookup` fails unexpectedly with personal data in the exception text."""
    from counter.services import lookup

    def boom(ctx: object, nik: str) -> object:
        raise RuntimeError(f"bug while reading {nik} for 081234567890 with {HASH}")

    monkeypatch.setattr(lookup, "lookup", boom)


def _cli(tmp_path: Path, *extra: str) -> list[str]:
    from counter.store.connect import open_database

    db = tmp_path / "c.db"
    if not db.exists():
        open_database(str(db)).dispose()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[paths]\ndata = "{tmp_path / "data"}"\n', encoding="utf-8")
    return ["--db", str(db), "--config", str(cfg), "--lang", "en", *extra, "lookup", NIK]


def test_unexpected_error_is_one_line_and_a_private_log(
    tmp_path: Path,
    failing_lookup,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IKD_COUNTER_DEBUG", raising=False)
    assert main(_cli(tmp_path)) == 70
    err = capsys.readouterr().err
    log = tmp_path / "data" / "logs" / "ikd-counter-errors.log"
    assert err.strip().splitlines() == [
        (
            f"ikd-counter: Unexpected error (RuntimeError). Details were written to {log}. "
            "Run with --debug to see them."
        )
    ]
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "bug while reading" in text
    for secret in (NIK, "081234567890", "c2FsdHNhbHQ"):
        assert secret not in text
    assert (log.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_prints_the_masked_traceback(
    tmp_path: Path,
    failing_lookup,
    how: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if how == "env":
        monkeypatch.setenv("IKD_COUNTER_DEBUG", "1")
    argv = _cli(tmp_path, *(["--debug"] if how == "flag" else []))
    assert main(argv) == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and "bug while reading" in err
    assert NIK not in err and "081234567890" not in err and "c2FsdHNhbHQ" not in err


def test_known_errors_do_not_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "--lang", "en", "report"]) == 1
    assert "There is no database" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
