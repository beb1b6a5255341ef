"""Small key/value settings kept in the database (device id, active outreach event, theme), for
the services and the TUI (the rows themselves: counter.store.keyvalue)."""

from __future__ import annotations

from counter.services.context import Context
from counter.store import keyvalue


def get(ctx: Context, key: str, default: str = "") -> str:
    return keyvalue.get(ctx.db, key, default)


def put(ctx: Context, key: str, value: str) -> None:
    keyvalue.put(ctx.db, key, value)


def device_id(ctx: Context) -> str:
    """A stable id for this database (device), made on first use."""
    if not ctx.device_id:
        ctx.device_id = keyvalue.device_id(ctx.db)
    return ctx.device_id
