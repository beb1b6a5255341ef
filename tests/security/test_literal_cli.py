"""Issue 11: no terminal control sequence from data reaches the terminal through the CLI.

End to end (real processes, a real SQLite file): officer list, outreach list and the "columns
found" message of registry import, with names and headers carrying escape sequences, bidi
overrides and markup-like brackets. Plus the output helpers themselves.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.cli import output
from counter.config import load_settings
from counter.domain.text import printable
from counter.services import accounts, outreach
from counter.services.context import make_context
from tests.cli.test_cli_core import run

EVIL = "\x1b]0;pwned\x07Siti \x1b[2J[/bold] \x9b31m\u202eevil\x7f"
AS_KASI = ("--as", "kasi")  # these commands need a supervisor (PIN on stdin)
SHOWN = printable(EVIL)  # what must appear: "␛]0;pwned␇Siti ␛[2J[/bold] �31m�evil␡"


def _raw_controls(text: str) -> list[str]:
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c not in "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        }
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "c.db")
    s = load_settings(tmp_path / "none.toml", env={}, overrides={"database.url": path})
    ctx = make_context(s)
    try:
        kasi = accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name=EVIL)
        outreach.create_event(ctx, school=EVIL, name=EVIL + " [x]", by=kasi)
    finally:
        ctx.db.dispose()
    return path


def test_officer_list_shows_names_literally(db: str) -> None:
    r = run("--db", db, "officer", "list", *AS_KASI, stdin="246802\n")
    assert r.returncode == 0, r.stderr
    assert _raw_controls(r.stdout) == []
    assert SHOWN in r.stdout


def test_officer_list_json_keeps_the_value_but_escapes_it(db: str) -> None:
    r = run("--db", db, "officer", "list", "--json", *AS_KASI, stdin="246802\n")
    assert r.returncode == 0, r.stderr
    assert _raw_controls(r.stdout) == []
    rows = {o["username"]: o for o in json.loads(r.stdout)["officers"]}
    assert rows["kasi"]["full_name"] == EVIL  # the recorded value, unchanged


def test_outreach_list_shows_names_literally(db: str) -> None:
    r = run("--db", db, "outreach", "list")
    assert r.returncode == 0, r.stderr
    assert _raw_controls(r.stdout) == []
    assert SHOWN in r.stdout and "[x]" in r.stdout


def test_registry_columns_found_message_is_literal(tmp_path: Path, db: str) -> None:
    f = tmp_path / "extract.csv"
    # escape sequences in a header: refused as a binary file or named literally, never obeyed
    f.write_text("nama;\x1b]0,pwned\x07kolom;\x1b[2Jstatus\nBudi;x;y\n", encoding="utf-8")
    r = run("--db", db, "registry", "import", str(f), *AS_KASI, stdin="246802\n")
    assert r.returncode != 0
    assert _raw_controls(r.stderr + r.stdout) == []
    assert "Traceback" not in r.stderr
    # bidi override, zero-width space and markup-like brackets: named, made visible
    f.write_text("nama [/bold];kolom\u202eevil;stat\u200bus\nBudi;x;y\n", encoding="utf-8")
    r = run("--db", db, "registry", "import", str(f), *AS_KASI, stdin="246802\n")
    assert r.returncode != 0
    assert _raw_controls(r.stderr + r.stdout) == []
    assert "nama [/bold]" in r.stderr and "evil" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@given(st.text())
@settings(max_examples=200)
def test_out_and_out_err_never_write_a_control_character(s: str) -> None:
    import io
    import sys

    buf_out, buf_err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = buf_out, buf_err
    try:
        output.out("x", s)
        output.out_err(s)
        output.out_json({"v": s})
    finally:
        sys.stdout, sys.stderr = old
    assert _raw_controls(buf_out.getvalue()) == []
    assert _raw_controls(buf_err.getvalue()) == []
    assert json.loads(buf_out.getvalue().splitlines()[-1]) == {"v": s}


def test_out_survives_a_console_that_cannot_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    output.out("Siti 😀 \ud800")
    stream.flush()
    assert raw.getvalue().startswith(b"Siti ?")
