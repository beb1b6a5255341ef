"""Small key/value settings kept in the database (the app_setting table): read, write, and the
database's device id, made on first use. ``counter.services.settings_store`` offers the same
through a services Context; the context itself uses this module to make the device id when a
database is opened (so the two services modules do not import each other)."""

from __future__ import annotations

import uuid

from counter.store.db import Database
from counter.store.models import AppSetting

DEVICE_ID = "device_id"


def get(db: Database, key: str, default: str = "") -> str:
    with db.read() as s:
        row = s.get(AppSetting, key)
        return row.value if row else default


def put(db: Database, key: str, value: str) -> None:
    with db.write() as s:
        row = s.get(AppSetting, key)
        if row:
            row.value = value
        else:
            s.add(AppSetting(key=key, value=value))


def device_id(db: Database) -> str:
    """A stable id for this database (device), made on first use (in its own transaction)."""
    value = get(db, DEVICE_ID)
    if value:
        return value
    with db.write() as s:
        row = s.get(AppSetting, DEVICE_ID)
        if row:
            return row.value
        value = uuid.uuid4().hex[:16]
        s.add(AppSetting(key=DEVICE_ID, value=value))
    return value
