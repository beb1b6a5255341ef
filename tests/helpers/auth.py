"""Protected commands in tests: a supervisor in a database file, and the PIN lines on stdin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SUP, SUP_PIN = "kasi", "246802"
AS_SUP = ("--as", SUP)


def add_supervisor(
    db: str | Path, username: str = SUP, pin: str = SUP_PIN, role: str = "supervisor"
) -> None:
    """Create an account in the SQLite file ``db`` with its own context."""
    from counter.config import load_settings
    from counter.services import accounts
    from counter.services.context import make_context

    s = load_settings(
        Path(db).parent / "none.toml",
        env={},
        overrides={"database.url": str(db), "paths.data": str(Path(db).parent)},
    )
    c = make_context(s)
    try:
        accounts.create_officer(c, username, pin, role=role, full_name=username.title())
    finally:
        c.db.dispose()


def stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """What the next command reads from stdin (not a terminal): one line per PIN or code."""
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{x}\n" for x in lines)))
