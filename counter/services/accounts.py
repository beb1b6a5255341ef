"""Officer accounts: argon2-hashed PINs, lockout after repeated failures, roles."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from counter.errors import UserError
from counter.services import audit
from counter.services.audit import Actor
from counter.services.context import Context
from counter.store.models import AuditEvent, Officer

MAX_FAILURES = 5
LOCK_MINUTES = 15
ROLES = ("officer", "supervisor")
_USERNAME = re.compile(r"^[a-z0-9._]{3,32}$")
pin_hasher = PasswordHasher()
_NAME_KEEP = 200  # a typed name longer than any username is still one (unknown) name
_UNKNOWN = '"why": "unknown user"'  # how audit.record writes it (json.dumps)


class AccountError(UserError, ValueError):
    prefix = "account"


class AuthError(AccountError):
    """Refusals of the access rules (catalog ``auth.error``): last supervisor, recovery code."""

    prefix = "auth.error"


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


def create_officer(
    ctx: Context,
    username: str,
    pin: str,
    role: str = "officer",
    full_name: str = "",
    by: Actor | None = None,
) -> Officer:
    check_username(username)
    check_pin(pin)
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    pin_hash = pin_hasher.hash(pin)
    with ctx.db.write() as s:
        if s.exec(select(Officer).where(Officer.username == username)).first():
            raise AccountError("username_taken", username=username)
        off = Officer(
            username=username,
            full_name=full_name,
            role=role,
            pin_hash=pin_hash,
            active=True,
            created_at=ctx.now(),
        )
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


def _view(o: Officer, now: datetime) -> OfficerView:
    """The account as it leaves the services (no PIN hash, no counters)."""
    return OfficerView(
        o.id or 0,
        o.username,
        o.full_name,
        o.role,
        o.active,
        bool(o.locked_until and o.locked_until > now),
    )


def list_officers(ctx: Context) -> list[OfficerView]:
    now = ctx.now()
    with ctx.db.read() as s:
        rows = s.exec(select(Officer).order_by(Officer.username)).all()
        return [_view(o, now) for o in rows]


def set_active(ctx: Context, username: str, active: bool, by: Actor | None = None) -> None:
    """Enable or disable an account; the last active supervisor cannot be disabled."""
    with ctx.db.write() as s:
        _serialise_name(s, ctx, "\x00supervisors")  # two disables at once keep one supervisor
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if not off:
            raise AccountError("not_found", username=username)
        if active and not off.pin_hash:
            raise AccountError("pin_weak")  # imported account: set a PIN first
        if not active and off.role == "supervisor" and off.active and _active_supervisors(s) < 2:
            raise AuthError("last_supervisor", username=username)
        off.active = active
        if active:
            off.failed_attempts = 0
            off.locked_until = None
        audit.record(
            s, ctx, "officer_enabled" if active else "officer_disabled", by, target=username
        )


def _active_supervisors(s: Session) -> int:
    return int(
        s.exec(
            select(func.count())
            .select_from(Officer)
            .where(Officer.role == "supervisor", col(Officer.active).is_(True))
        ).one()
    )


def set_pin(ctx: Context, username: str, pin: str, by: Actor | None = None) -> None:
    check_pin(pin)
    pin_hash = pin_hasher.hash(pin)
    with ctx.db.write() as s:
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if not off:
            raise AccountError("not_found", username=username)
        off.pin_hash = pin_hash
        off.failed_attempts = 0
        off.locked_until = None
        audit.record(s, ctx, "pin_set", by, target=username)


def unlock(ctx: Context, username: str, by: Actor | None = None) -> bool:
    """Lift a lockout (wrong PINs) before its time; the PIN is kept. False when the account was
    not locked (nothing written); audited as ``officer_unlocked``."""
    with ctx.db.write() as s:
        off = s.exec(select(Officer).where(Officer.username == username)).first()
        if not off:
            raise AccountError("not_found", username=username)
        if not (off.locked_until and _aware(off.locked_until) > ctx.now()):
            return False
        off.failed_attempts = 0
        off.locked_until = None
        audit.record(s, ctx, "officer_unlocked", by, target=username)
    return True


def authenticate(ctx: Context, username: str, pin: str, purpose: str = "") -> OfficerView:
    """Check a PIN. Five wrong PINs lock the account for 15 minutes; all of it is audited.

    Atomic on both engines: the attempt holds the officer row (``SELECT ... FOR UPDATE`` and an
    advisory lock on the name on PostgreSQL; SQLite write transactions are ``BEGIN IMMEDIATE``)
    while the PIN is verified, so at most five wrong PINs are ever checked before the lock.
    An unknown username answers exactly like a known one (same messages, same attempts left, a
    verification of the same cost, the same lockout), so names cannot be enumerated; a disabled
    account says so only after its right PIN. The audit rows and counters are committed before
    the refusal is raised. ``purpose`` (e.g. the command) goes into every audit row it writes.
    """
    name = normalise_username(username)
    why = {"purpose": purpose} if purpose else {}
    now = ctx.now()
    with ctx.db.write() as s:
        _serialise_name(s, ctx, name)
        off = s.exec(select(Officer).where(Officer.username == name).with_for_update()).first()
        error: AccountError | None
        if off is None:
            error = _unknown_attempt(s, ctx, name, pin, now, why)
        else:
            error = _known_attempt(s, ctx, off, pin, now, why)
    if error is not None:
        raise error
    assert off is not None
    return _view(off, now)  # the row as it leaves the services: no PIN hash


def normalise_username(username: str) -> str:
    """How a typed name is looked up (and audited): trimmed, lower case, bounded."""
    return (username or "").replace("\x00", "").strip().lower()[:_NAME_KEEP]


def _serialise_name(s: Session, ctx: Context, name: str) -> None:
    """On PostgreSQL, one attempt per name at a time (also for names without an account)."""
    if ctx.db.kind == "postgresql":
        key = int.from_bytes(
            hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
        )
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _locked_error(ctx: Context, until: datetime) -> AccountError:
    return AccountError("locked", until=ctx.local(until).strftime("%H:%M"), count=MAX_FAILURES)


def _known_attempt(
    s: Session, ctx: Context, off: Officer, pin: str, now: datetime, extra: dict[str, str]
) -> AccountError | None:
    name = off.username
    if off.locked_until and off.locked_until > now:
        audit.record(s, ctx, "login_failed", off, target=name, why="locked", **extra)
        return _locked_error(ctx, off.locked_until)
    if not verify_hash(off.pin_hash, pin):
        off.failed_attempts += 1
        audit.record(
            s, ctx, "login_failed", off, target=name, attempts=off.failed_attempts, **extra
        )
        if off.failed_attempts < MAX_FAILURES:
            return AccountError("wrong_pin", left=MAX_FAILURES - off.failed_attempts)
        off.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        off.failed_attempts = 0
        audit.record(s, ctx, "lockout", off, target=name, minutes=LOCK_MINUTES, **extra)
        return _locked_error(ctx, off.locked_until)
    if not off.active:
        audit.record(s, ctx, "login_failed", off, target=name, why="disabled", **extra)
        return AccountError("disabled", username=name)
    off.failed_attempts = 0
    off.locked_until = None
    audit.record(s, ctx, "login", off, target=name, **extra)
    return None


def _unknown_attempt(
    s: Session, ctx: Context, name: str, pin: str, now: datetime, extra: dict[str, str]
) -> AccountError:
    """The same answers as for an account, counted from the audit log of this name."""
    who = {"target": name[:120], "username": name[:32], **extra}
    base = (AuditEvent.officer_id.is_(None), AuditEvent.target == who["target"])  # type: ignore[union-attr]
    last_lock = s.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "lockout", *base)
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    if last_lock is not None:
        until = _aware(last_lock.at) + timedelta(minutes=LOCK_MINUTES)
        if until > now:
            audit.record(s, ctx, "login_failed", None, why="locked", **who)
            return _locked_error(ctx, until)
    verify_hash(_dummy_hash(), pin)  # the same cost as a real check
    since = last_lock.id if last_lock is not None else 0
    failed = (
        int(
            s.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "login_failed",
                    AuditEvent.id > since,  # type: ignore[operator]
                    col(AuditEvent.detail).like(f"%{_UNKNOWN}%"),
                    *base,
                )
            ).one()
        )
        + 1
    )
    audit.record(s, ctx, "login_failed", None, why="unknown user", attempts=failed, **who)
    if failed < MAX_FAILURES:
        return AccountError("wrong_pin", left=MAX_FAILURES - failed)
    audit.record(s, ctx, "lockout", None, minutes=LOCK_MINUTES, **who)
    return _locked_error(ctx, now + timedelta(minutes=LOCK_MINUTES))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@lru_cache(maxsize=1)
def _dummy_hash_for(params: tuple[int, int, int]) -> str:
    return pin_hasher.hash(secrets.token_hex(8))


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, so checking it costs the same."""
    return _dummy_hash_for((pin_hasher.time_cost, pin_hasher.memory_cost, pin_hasher.parallelism))


def verify_hash(pin_hash: str, pin: str) -> bool:
    """Check ``pin``; an account without a PIN (imported) costs the same check and fails."""
    try:
        if not pin_hash:
            pin_hasher.verify(_dummy_hash(), pin)
            return False
        return pin_hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
