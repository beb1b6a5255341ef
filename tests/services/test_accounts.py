"""Accounts: argon2 PINs, lockout after five wrong PINs, audit of logins."""

from __future__ import annotations

import pytest
from sqlmodel import select

from counter.services import accounts
from counter.services.accounts import AccountError
from counter.services.context import Context
from counter.store.models import AuditEvent, Officer


def _actions(ctx: Context) -> list[str]:
    with ctx.db.read() as s:
        return [a.action for a in s.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_pin_is_hashed_with_argon2(ctx: Context) -> None:
    accounts.create_officer(ctx, "dewi", "135790")
    with ctx.db.read() as s:
        off = s.exec(select(Officer).where(Officer.username == "dewi")).one()
    assert off.pin_hash.startswith("$argon2id$") and "135790" not in off.pin_hash


@pytest.mark.parametrize("pin", ["12345", "1234567", "abcdef", "111111", "123456", "654321"])
def test_weak_pins_refused(ctx: Context, pin: str) -> None:
    with pytest.raises(AccountError) as ei:
        accounts.create_officer(ctx, "dewi", pin)
    assert ei.value.code == "pin_weak"


def test_bad_and_duplicate_usernames(ctx: Context) -> None:
    with pytest.raises(AccountError):
        accounts.create_officer(ctx, "Bad Name", "135790")
    accounts.create_officer(ctx, "dewi", "135790")
    with pytest.raises(AccountError) as ei:
        accounts.create_officer(ctx, "dewi", "135791")
    assert ei.value.code == "username_taken"


def test_login_and_lockout(ctx: Context, clock) -> None:  # noqa: ANN001
    accounts.create_officer(ctx, "dewi", "135790")
    assert accounts.authenticate(ctx, "dewi", "135790").username == "dewi"
    lefts = []
    for _ in range(4):
        with pytest.raises(AccountError) as ei:
            accounts.authenticate(ctx, "dewi", "000001")
        lefts.append(ei.value.params["left"])
    assert lefts == [4, 3, 2, 1]
    with pytest.raises(AccountError) as ei:
        accounts.authenticate(ctx, "dewi", "000001")
    assert ei.value.code == "locked"
    # even the right PIN is refused while locked
    with pytest.raises(AccountError) as ei:
        accounts.authenticate(ctx, "dewi", "135790")
    assert ei.value.code == "locked"
    clock.advance(minutes=15, seconds=1)
    assert accounts.authenticate(ctx, "dewi", "135790").username == "dewi"
    acts = _actions(ctx)
    assert acts.count("login") == 2
    assert acts.count("lockout") == 1
    assert acts.count("login_failed") == 6


def test_disabled_account_cannot_log_in(ctx: Context) -> None:
    accounts.create_officer(ctx, "dewi", "135790")
    accounts.set_active(ctx, "dewi", False)
    with pytest.raises(AccountError) as ei:
        accounts.authenticate(ctx, "dewi", "135790")
    assert ei.value.code == "disabled"
    assert [o.active for o in accounts.list_officers(ctx)] == [False]
