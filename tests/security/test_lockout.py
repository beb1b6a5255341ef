"""The PIN lockout is atomic on both engines, and an unknown username looks like a known one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from counter.config import load_settings
from counter.services import accounts
from counter.services.accounts import MAX_FAILURES, AccountError
from counter.services.context import Context, make_context

THREADS = 16
TRIES_EACH = 3


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every PIN verification (thread-safe): the hash it was checked against."""
    seen: list[str] = []
    lock = threading.Lock()
    real = accounts.verify_hash

    def counting(pin_hash: str, pin: str) -> bool:
        with lock:
            seen.append(pin_hash)
        return real(pin_hash, pin)

    monkeypatch.setattr(accounts, "verify_hash", counting)
    yield seen


def _hammer(c: Context, username: str, pin: str) -> list[str]:
    """THREADS threads, TRIES_EACH attempts each, all released at once; the error codes."""
    codes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        start.wait()
        for _ in range(TRIES_EACH):
            try:
                accounts.authenticate(c, username, pin)
                code = "ok"
            except AccountError as e:
                code = e.code
            except Exception as e:  # noqa: BLE001 - reported below
                code = f"crash {e.__class__.__name__}: {e}"
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


@pytest.fixture(params=["sqlite", "postgres"])
def engine_ctx(request: pytest.FixtureRequest, tmp_path: Path, clock) -> Iterator[Context]:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
    else:
        url = str(tmp_path / "counter.db")
    s = load_settings(
        tmp_path / "none.toml",
        env={},
        overrides={
            "database.url": url,
            "paths.data": str(tmp_path / "data"),
            "database.busy_timeout": 60,
        },
    )
    c = make_context(s, clock=clock)
    yield c
    c.db.dispose()


def test_threads_cannot_check_more_than_five_wrong_pins(
    engine_ctx: Context, verifications: list[str]
) -> None:
    c = engine_ctx
    off = accounts.create_officer(c, "dewi", "135790", role="supervisor")
    codes = _hammer(c, "dewi", "000001")
    assert not [x for x in codes if x.startswith("crash")], codes
    assert len(codes) == THREADS * TRIES_EACH
    checked = [h for h in verifications if h == off.pin_hash]
    assert len(checked) <= MAX_FAILURES
    assert codes.count("wrong_pin") == MAX_FAILURES - 1
    assert codes.count("locked") == len(codes) - (MAX_FAILURES - 1)
    assert [o.locked for o in accounts.list_officers(c)] == [True]
    verifications.clear()
    with pytest.raises(AccountError) as ei:  # the right PIN during the lockout
        accounts.authenticate(c, "dewi", "135790")
    assert ei.value.code == "locked" and verifications == []


def _answers(c: Context, username: str, pin: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        with pytest.raises(AccountError) as ei:
            accounts.authenticate(c, username, pin)
        out.append(ei.value.message("en"))
    return out


def test_unknown_name_answers_like_a_known_one(
    any_ctx: Context, clock, verifications: list[str]
) -> None:
    c = any_ctx
    off = accounts.create_officer(c, "dewi", "135790")
    known = _answers(c, "dewi", "000001", 7)
    unknown = _answers(c, "nobody", "000001", 7)
    assert known == unknown
    assert known[0] == "Wrong username or PIN. Attempts left: 4."
    assert "locked" in known[4] and known[4] == known[6]
    # a verification ran for each of the five unlocked attempts of both names, none while locked
    assert len([h for h in verifications if h == off.pin_hash]) == MAX_FAILURES
    assert len([h for h in verifications if h != off.pin_hash]) == MAX_FAILURES
    clock.advance(minutes=15, seconds=1)  # after the lock: a fresh round for both
    assert _answers(c, "dewi", "000001", 2) == _answers(c, "nobody", "000001", 2)


def test_unknown_name_locks_under_threads_too(
    engine_ctx: Context, verifications: list[str]
) -> None:
    accounts.create_officer(engine_ctx, "dewi", "135790")
    codes = _hammer(engine_ctx, "nobody", "000001")
    assert codes.count("wrong_pin") == MAX_FAILURES - 1
    assert codes.count("locked") == len(codes) - (MAX_FAILURES - 1)
    assert len(verifications) == MAX_FAILURES


def test_disabled_account_says_so_only_after_its_right_pin(ctx: Context) -> None:
    accounts.create_officer(ctx, "dewi", "135790")
    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")
    accounts.set_active(ctx, "dewi", False)
    assert _answers(ctx, "dewi", "000001", 1) == _answers(ctx, "nobody", "000001", 1)
    with pytest.raises(AccountError) as ei:
        accounts.authenticate(ctx, "dewi", "135790")
    assert ei.value.code == "disabled"


def test_names_are_trimmed_and_lower_case_and_long_names_are_audited(any_ctx: Context) -> None:
    accounts.create_officer(any_ctx, "dewi", "135790")
    assert accounts.authenticate(any_ctx, " Dewi ", "135790").username == "dewi"
    long_name = "x" * 500  # longer than the audit columns: still one unknown name
    assert _answers(any_ctx, long_name, "000001", 2)[1].endswith("Attempts left: 3.")


def test_an_account_without_a_pin_costs_a_check_too(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import select

    from counter.store.models import Officer

    accounts.create_officer(ctx, "dewi", "135790")
    with ctx.db.write() as s:  # as a bundle import leaves it: no PIN yet
        s.exec(select(Officer).where(Officer.username == "dewi")).one().pin_hash = ""
    checks: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            checks.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "pin_hasher", Counting(time_cost=1, memory_cost=8, parallelism=1))
    assert _answers(ctx, "dewi", "000001", 1) == _answers(ctx, "nobody", "000001", 1)
    assert len(checks) == 2 and all(h.startswith("$argon2id$") for h in checks)
