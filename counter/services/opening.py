"""What the login screen needs from a freshly opened database: how many accounts exist (none:
the first-run set-up) and the remembered theme. SQLAlchemy core only: the TUI is ready to log in
before the ORM classes have loaded (they load in the background; bench/bench_tui.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, table

from counter.services.context import Context
from counter.store import keyvalue

THEME_KEY = "theme"
_OFFICER = table("officer")


@dataclass(frozen=True)
class LoginFacts:
    officers: int
    theme: str  # "" when none was remembered


def login_facts(ctx: Context) -> LoginFacts:
    with ctx.db.connect() as conn:
        count = conn.execute(select(func.count()).select_from(_OFFICER)).scalar_one()
    return LoginFacts(int(count), keyvalue.get(ctx.db, THEME_KEY, ""))


def load_the_rest() -> None:
    """Import what logging in uses (the ORM classes, the PIN hasher) ahead of the first login;
    meant for a background thread once the login screen is ready."""
    import counter.services.accounts  # noqa: F401
    import counter.services.visits  # noqa: F401
