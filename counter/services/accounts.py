"""Officer accounts: argon2-hashed PINs, lockout after repeated failures, roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import func, select

from counter.errors import UserError
from counter.services import audit
from counter.services.context import Context
from counter.store.models import Officer

MAX_FAILURES = 5
LOCK_MINUTES = 15
ROLES = ("officer", "supervisor")
_USERNAME = re.compile(r"^[a-z0-9._]{3,32}$")
_hasher = PasswordHasher()


class AccountError(UserError, ValueError):
    prefix = "account"


@dataclass(frozen=True)
class OfficerView:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    locked: bool

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def check_pin(pin: str) -> None:
    if not re.fullmatch(r"\d{6}", pin or ""):
        raise AccountError("pin_weak")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise AccountError("pin_weak")


def check_username(username: str) -> None:
    if not _USERNAME.match(username or ""):
        raise AccountError("username_bad")


def count_officers(ctx: Context) -> int:
    with ctx.db.read() as s:
        return int(s.exec(select(func.count()).select_from(Officer)).one())


def create_officer(ctx: Context, username: str, pin: str, role: str = "officer",
                   full_name: str = "", by: Officer | None = None) -> Officer:
    check_username(username)
    check_pin(pin)
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    pin_hash = _hasher.hash(pin)
    with ctx.db.write() as s:
        if s.exec(select(Officer).where(Officer.username == username)).first():
            raise AccountError("username_taken", username=username)
        off = Officer(username=username, full_name=full_name, role=role, pin_hash=pin_hash,
                      active=True, created_at=ctx.now())
        s.add(off)
        s.flush()
        audit.record(s, ctx, "officer_created", by, target=username, role=role)
    return off


def get_officer(ctx: Context, username: str) -> Officer | None:
    with ctx.db.read() as s:
        return s.exec(select(Officer).where(Officer.username == username)).first()


def get_by_id(ctx: Context, officer_id: int) -> Officer | None:
    with ctx.db.read() as s:
        return s.get(Officer, officer_id)


def list_officers(ctx: Context) -> list[OfficerView]:
    now = ctx.now()
    with ctx.db.read() as s:
        rows = s.exec(select(Officer).order_by(Officer.username)).all()
        return [OfficerView(o.id or 0, o.username, o.full_name, o.role, o.active,
                            bool(o.locked_until and o.locked_until > now)) for o in rows]


def set_active(ctx: Context, username: str, active: bool, by: Officer | None = None) -> None:
    with ctx.db.write() as s:
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if not off:
            raise AccountError("not_found", username=username)
        if active and not off.pin_hash:
            raise AccountError("pin_weak")  # imported account: set a PIN first
        off.active = active
        if active:
            off.failed_attempts = 0
            off.locked_until = None
        audit.record(s, ctx, "officer_enabled" if active else "officer_disabled", by,
                     target=username)


def set_pin(ctx: Context, username: str, pin: str, by: Officer | None = None) -> None:
    check_pin(pin)
    pin_hash = _hasher.hash(pin)
    with ctx.db.write() as s:
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if not off:
            raise AccountError("not_found", username=username)
        off.pin_hash = pin_hash
        off.failed_attempts = 0
        off.locked_until = None
        audit.record(s, ctx, "pin_set", by, target=username)


def authenticate(ctx: Context, username: str, pin: str) -> Officer:
    """Check a PIN. Five wrong PINs lock the account for 15 minutes; all of it is audited.

    The audit rows and counters are committed before the refusal is raised.
    """
    now = ctx.now()
    error: AccountError | None = None
    with ctx.db.write() as s:
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if off is None:
            audit.record(s, ctx, "login_failed", None, target=username, username=username,
                         why="unknown user")
            error = AccountError("wrong_pin", left=MAX_FAILURES)
        elif not off.active:
            audit.record(s, ctx, "login_failed", off, target=username, why="disabled")
            error = AccountError("disabled", username=username)
        elif off.locked_until and off.locked_until > now:
            audit.record(s, ctx, "login_failed", off, target=username, why="locked")
            error = AccountError("locked", until=ctx.local(off.locked_until).strftime("%H:%M"),
                                 count=MAX_FAILURES)
        elif not _verify(off.pin_hash, pin):
            off.failed_attempts += 1
            audit.record(s, ctx, "login_failed", off, target=username,
                         attempts=off.failed_attempts)
            if off.failed_attempts >= MAX_FAILURES:
                off.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                off.failed_attempts = 0
                audit.record(s, ctx, "lockout", off, target=username, minutes=LOCK_MINUTES)
                error = AccountError("locked",
                                     until=ctx.local(off.locked_until).strftime("%H:%M"),
                                     count=MAX_FAILURES)
            else:
                error = AccountError("wrong_pin", left=MAX_FAILURES - off.failed_attempts)
        else:
            off.failed_attempts = 0
            off.locked_until = None
            audit.record(s, ctx, "login", off, target=username)
    if error is not None:
        raise error
    assert off is not None
    return off


def _verify(pin_hash: str, pin: str) -> bool:
    try:
        return bool(pin_hash) and _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
