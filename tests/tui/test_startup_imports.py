"""The TUI is ready to log in before the ORM loads: opening a database and reading what the
login screen needs (accounts count, theme) use SQLAlchemy alone (bench/bench_tui.py's goal)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from counter.config import load_settings
from counter.services.context import make_context
from counter.services.opening import login_facts

settings = load_settings(None, overrides={"database.url": sys.argv[1], "paths.data": sys.argv[2]})
ctx = make_context(settings)
facts = login_facts(ctx)
loaded = sorted(m for m in ("sqlmodel", "pydantic", "counter.store.models") if m in sys.modules)
print(facts.officers, repr(facts.theme), ctx.device_id != "", loaded)
"""


def test_open_and_login_facts_without_the_orm(tmp_path: Path) -> None:
    from counter.config import load_settings
    from counter.services import accounts, settings_store
    from counter.services.context import make_context

    db = str(tmp_path / "c.db")
    settings = load_settings(None, overrides={"database.url": db, "paths.data": str(tmp_path)})
    ctx = make_context(settings)
    accounts.create_officer(ctx, "kasi", "135246", role="supervisor")
    settings_store.put(ctx, "theme", "textual-dark")
    settings_store.put(ctx, "theme", "textual-light")  # the second put updates the row
    ctx.db.dispose()

    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, db, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["1", "'textual-light'", "True", "[]"]
