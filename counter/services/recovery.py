"""The way in: the first supervisor (``init``) and the recovery code, the way back in when the
only supervisor has lost the PIN.

``init`` makes the first supervisor only on a database without accounts (atomic: two ``init``
at once make one account), and a code and shows it once (only its argon2 hash is kept, in ``app_setting``); a
supervisor can make a new one at any time (``officer recovery-code --as USER``). ``recover``
checks the code, gives a supervisor account a new PIN (unlocked and enabled), audits
``pin_recovered`` and replaces the code at once: each code works once. A wrong code is audited
(``recovery_failed``); with 100 random bits behind an argon2 check there is nothing to guess, so
no lockout stands in the way of the real owner.
"""

from __future__ import annotations

import re
import secrets

from sqlmodel import Session, func, select

from counter.services import accounts, audit
from counter.services.accounts import AccountError, AuthError
from counter.services.audit import Actor
from counter.services.context import Context
from counter.store.models import AppSetting, Officer

KEY = "auth.recovery_hash"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_GROUPS, _GROUP = 5, 4  # 20 characters = 100 bits


def make_code() -> str:
    """A fresh code, grouped for writing down: ``7K2M-…`` (five groups of four)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(chars[i : i + _GROUP] for i in range(0, len(chars), _GROUP))


def normalise(code: str) -> str:
    """What was typed, as stored: upper case, no spaces or dashes, O→0 and I/L→1."""
    c = re.sub(r"[\s\-]", "", code or "").upper()
    return c.translate(str.maketrans("OIL", "011"))


def has_code(ctx: Context) -> bool:
    with ctx.db.read() as s:
        row = s.get(AppSetting, KEY)
        return bool(row and row.value)


def _store(s: Session, code: str | None = None) -> str:
    """Put a new code's hash in place (inside the caller's transaction); returns the code."""
    code = code or make_code()
    digest = accounts.pin_hasher.hash(normalise(code))
    row = s.get(AppSetting, KEY)
    if row:
        row.value = digest
    else:
        s.add(AppSetting(key=KEY, value=digest))
    return code


def init_first_supervisor(
    ctx: Context, username: str, pin: str, full_name: str = ""
) -> tuple[Officer, str]:
    """The first account (a supervisor) and the first recovery code, on a database without any
    account; AccountError('already_init') otherwise. Returns the account and the code to show."""
    accounts.check_username(username)
    accounts.check_pin(pin)
    pin_hash = accounts.pin_hasher.hash(pin)
    with ctx.db.write() as s:
        accounts._serialise_name(s, ctx, "\x00init")
        if s.exec(select(func.count()).select_from(Officer)).one():
            raise AccountError("already_init")
        off = Officer(
            username=username,
            full_name=full_name,
            role="supervisor",
            pin_hash=pin_hash,
            active=True,
            created_at=ctx.now(),
        )
        s.add(off)
        s.flush()
        audit.record(
            s, ctx, "officer_created", off, target=username, role="supervisor", via="init"
        )  # the first supervisor makes itself
        code = _store(s)
        audit.record(s, ctx, "recovery_code_set", off, target="recovery_code", via="init")
    return off, code


def new_code(ctx: Context, by: Actor | None) -> str:
    """Replace the recovery code (the old one stops working); returns the new one to show."""
    with ctx.db.write() as s:
        code = _store(s)
        audit.record(s, ctx, "recovery_code_set", by, target="recovery_code")
    return code


def recover(ctx: Context, username: str, code: str, new_pin: str) -> str:
    """Give supervisor ``username`` the PIN ``new_pin`` if ``code`` is the recovery code.

    Returns the next recovery code (the one used is spent). Everything is audited.
    """
    accounts.check_pin(new_pin)
    name = accounts.normalise_username(username)
    pin_hash = accounts.pin_hasher.hash(new_pin)
    refusal: AuthError | None = None
    new = ""
    who = {"target": name[:120], "username": name[:32]}
    with ctx.db.write() as s:
        row = s.exec(select(AppSetting).where(AppSetting.key == KEY).with_for_update()).first()
        if row is None or not row.value:
            audit.record(s, ctx, "recovery_failed", None, why="no code", **who)
            refusal = AuthError("no_code")
        elif not accounts.verify_hash(row.value, normalise(code)):
            audit.record(s, ctx, "recovery_failed", None, why="wrong code", **who)
            refusal = AuthError("bad_code")
        else:
            refusal, new = _reset(s, ctx, name, pin_hash)
    if refusal is not None:
        raise refusal
    return new


def _reset(s: Session, ctx: Context, name: str, pin_hash: str) -> tuple[AuthError | None, str]:
    off = s.exec(select(Officer).where(Officer.username == name).with_for_update()).first()
    if off is None or off.role != "supervisor":
        audit.record(
            s,
            ctx,
            "recovery_failed",
            None,
            target=name[:120],
            username=name[:32],
            why="not a supervisor",
        )
        return AuthError("not_supervisor", username=name), ""
    off.pin_hash = pin_hash
    off.active = True
    off.failed_attempts = 0
    off.locked_until = None
    code = _store(s)
    audit.record(s, ctx, "pin_recovered", off, target=name, via="recovery_code", code_rotated=True)
    return None, code
