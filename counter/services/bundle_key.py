"""The office's bundle key: every bundle is signed with HMAC-SHA256 under a secret key that the
office and its outreach laptops share, so a bundle changed on the way (a USB stick, a chat app)
by someone without the key is refused before its content is even decompressed.

The key is 32 random bytes kept in this database's settings (table ``app_setting``; every counter
of a PostgreSQL office shares it, a backup carries it). It is made by the first
``bundle key export`` (the office's) and copied to a laptop with ``bundle key import``: a small
text file, written 0600, that names the office code and the key's fingerprint.

It does not protect against someone who has the key or the database (a machine's administrator):
they can sign anything; the record checks on import still apply to what they sign.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from counter.domain import limits as lim
from counter.errors import UserError
from counter.services import audit
from counter.services.audit import Actor
from counter.services.context import Context
from counter.store.models import AppSetting

SETTING = "bundle_key"
KEY_BYTES = 32
ID_BYTES = 8
FILE_MAGIC = "ikd-counter-bundle-key 1"


class BundleKeyError(UserError, ValueError):
    """A key that cannot be made, written or read; ``code`` selects the message."""

    prefix = "inputs.key"


def key_id(key: bytes) -> bytes:
    """The key's public id (written in every bundle header): not the key, not enough to sign."""
    return hashlib.sha256(b"ikd-counter bundle key id\0" + key).digest()[:ID_BYTES]


def fingerprint(key_or_id: bytes) -> str:
    """The id as text people can compare, e.g. ``3f2a-91c0-77de-0b12``."""
    kid = key_or_id if len(key_or_id) == ID_BYTES else key_id(key_or_id)
    h = kid.hex()
    return "-".join(h[i : i + 4] for i in range(0, len(h), 4))


def sign(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def current(ctx: Context) -> bytes | None:
    """This database's bundle key, or None when none was made or imported yet."""
    with ctx.db.read() as s:
        row = s.get(AppSetting, SETTING)
    if row is None:
        return None
    try:
        key = bytes.fromhex(row.value)
    except ValueError:
        raise BundleKeyError("damaged") from None
    if len(key) != KEY_BYTES:
        raise BundleKeyError("damaged")
    return key


def require(ctx: Context) -> bytes:
    key = current(ctx)
    if key is None:
        raise BundleKeyError("none")
    return key


def ensure(ctx: Context, by: Actor | None = None) -> bytes:
    """The key, made now (audited) when this database has none."""
    key = current(ctx)
    if key is not None:
        return key
    new = secrets.token_bytes(KEY_BYTES)
    try:
        with ctx.db.write() as s:
            if s.get(AppSetting, SETTING) is None:
                s.add(AppSetting(key=SETTING, value=new.hex()))
                audit.record(s, ctx, "bundle_key_created", by, target=fingerprint(new))
    except IntegrityError:  # made at the same moment by another process: use that one
        pass
    return require(ctx)


def install(ctx: Context, key: bytes, by: Actor | None = None, replace: bool = False) -> str:
    """Take ``key`` as this database's bundle key; a different existing key only with
    ``replace``. Returns the fingerprint."""
    if len(key) != KEY_BYTES:
        raise BundleKeyError("bad_file", file="-")
    with ctx.db.write() as s:
        row = s.get(AppSetting, SETTING)
        if row is not None and row.value != key.hex():
            if not replace:
                raise BundleKeyError(
                    "exists", ours=fingerprint(bytes.fromhex(row.value)), theirs=fingerprint(key)
                )
            row.value = key.hex()
        elif row is None:
            s.add(AppSetting(key=SETTING, value=key.hex()))
        audit.record(
            s,
            ctx,
            "bundle_key_imported",
            by,
            target=fingerprint(key),
            replaced=bool(row is not None and replace),
        )
    return fingerprint(key)


def write_file(ctx: Context, path: str | Path, by: Actor | None = None) -> str:
    """Write the key (made first if needed) to a 0600 file for a laptop; returns the
    fingerprint."""
    key = ensure(ctx, by)
    body = (
        f"{FILE_MAGIC}\noffice {ctx.settings.office_code}\n"
        f"fingerprint {fingerprint(key)}\nkey {key.hex()}\n"
    ).encode("ascii")
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise BundleKeyError("unwritable", file=str(target), detail=e.strerror or str(e)) from None
    audit.log(ctx, "bundle_key_exported", by, target=str(target)[:120], key=fingerprint(key))
    return fingerprint(key)


def read_file(ctx: Context, path: str | Path) -> bytes:
    """The key in a key file; refused when it belongs to another office or is not one."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(lim.KEY_FILE_BYTES + 1)
    except OSError as e:
        raise BundleKeyError("unreadable", file=p.name, detail=e.strerror or str(e)) from None
    fields: dict[str, str] = {}
    try:
        lines = raw.decode("ascii").splitlines()
        if len(raw) > lim.KEY_FILE_BYTES or not lines or lines[0] != FILE_MAGIC:
            raise ValueError
        for line in lines[1:]:
            k, _, v = line.partition(" ")
            fields[k] = v
        key = bytes.fromhex(fields["key"])
    except (ValueError, KeyError):
        raise BundleKeyError("bad_file", file=p.name) from None
    if len(key) != KEY_BYTES:
        raise BundleKeyError("bad_file", file=p.name)
    if fields.get("office") != ctx.settings.office_code:
        raise BundleKeyError(
            "other_office",
            file=p.name,
            theirs=fields.get("office", "")[:16],
            ours=ctx.settings.office_code,
        )
    return key


def import_file(
    ctx: Context, path: str | Path, by: Actor | None = None, replace: bool = False
) -> str:
    return install(ctx, read_file(ctx, path), by, replace)
