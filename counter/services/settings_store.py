"""Small key/value settings kept in the database (device id, active outreach event, theme)."""

from __future__ import annotations

import uuid

from counter.services.context import Context
from counter.store.models import AppSetting


def get(ctx: Context, key: str, default: str = "") -> str:
    with ctx.db.read() as s:
        row = s.get(AppSetting, key)
        return row.value if row else default


def put(ctx: Context, key: str, value: str) -> None:
    with ctx.db.write() as s:
        row = s.get(AppSetting, key)
        if row:
            row.value = value
        else:
            s.add(AppSetting(key=key, value=value))


def device_id(ctx: Context) -> str:
    """A stable id for this database (device), made on first use."""
    if ctx.device_id:
        return ctx.device_id
    value = get(ctx, "device_id")
    if not value:
        with ctx.db.write() as s:
            row = s.get(AppSetting, "device_id")
            if row:
                value = row.value
            else:
                value = uuid.uuid4().hex[:16]
                s.add(AppSetting(key="device_id", value=value))
    ctx.device_id = value
    return value
