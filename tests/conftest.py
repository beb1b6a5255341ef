"""Shared fixtures: settings, a real SQLite file, a real PostgreSQL schema, a fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter.config import Settings, load_settings
from counter.services.context import Context, make_context

PG_BASE = os.environ.get("IKD_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as e:  # noqa: BLE001 - any failure means "skip with this reason"
        return f"PostgreSQL at {PG_BASE} not reachable: {e.__class__.__name__}: {e}"


_PG_REASON = pg_available()


def require_pg() -> None:
    if _PG_REASON:
        if os.environ.get("CI") or os.environ.get("IKD_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL tests may not be skipped in CI: {_PG_REASON}")
        pytest.skip(_PG_REASON)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test database; dropped afterwards."""
    require_pg()
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    raw = PG_BASE.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(raw, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


class FixedClock:
    """A clock tests can move: ``clock.advance(seconds=30)``."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


# 2026-11-27 09:00 in Asia/Jakarta (UTC+7)
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        tmp_path / "none.toml",
        env={},
        overrides={
            "database.url": str(tmp_path / "counter.db"),
            "paths.data": str(tmp_path / "data"),
        },
    )


@pytest.fixture
def ctx(settings: Settings, clock: FixedClock) -> Iterator[Context]:
    c = make_context(settings, clock=clock)
    yield c
    c.db.dispose()


@pytest.fixture
def make_ctx(tmp_path: Path, clock: FixedClock) -> Iterator[Callable[..., Context]]:
    """Contexts on their own SQLite file in tmp_path with extra settings, e.g.
    ``make_ctx({"ui.lang": "en"})``; disposed after the test."""
    made: list[Context] = []

    def make(
        extra: dict[str, object] | None = None,
        name: str = "extra.db",
        clock_: Callable[[], datetime] | None = None,
    ) -> Context:
        s = load_settings(
            tmp_path / "none.toml",
            env={},
            overrides={
                "database.url": str(tmp_path / name),
                "paths.data": str(tmp_path / "data"),
                **(extra or {}),
            },
        )
        c = make_context(s, clock=clock_ or clock)
        made.append(c)
        return c

    yield make
    for c in made:
        c.db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_ctx(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Context]:
    """The same test on a real SQLite file and on a real PostgreSQL schema."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
    else:
        url = str(tmp_path / "counter.db")
    s = load_settings(
        tmp_path / "none.toml",
        env={},
        overrides={"database.url": url, "paths.data": str(tmp_path / "data")},
    )
    c = make_context(s, clock=clock)
    yield c
    c.db.dispose()


@pytest.fixture
def officer(ctx: Context):  # noqa: ANN201
    from counter.services import accounts

    return accounts.create_officer(ctx, "siti", "135790", role="officer", full_name="Siti")


@pytest.fixture
def supervisor(ctx: Context):  # noqa: ANN201
    from counter.services import accounts

    return accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name="Kasi")
