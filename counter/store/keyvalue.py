"""Small key/value settings kept in the database (the app_setting table): read, write, and the
database's device id, made on first use. ``counter.services.settings_store`` offers the same
through a services Context; the context itself uses this module to make the device id when a
database is opened (so the two services modules do not import each other).

SQLAlchemy core on the table's name and columns (counter.store.models.AppSetting): no ORM
import, so opening a database at start-up stays quick.
"""

from __future__ import annotations

import uuid

from sqlalchemy import column, insert, select, table, update

from counter.store.db import Database

DEVICE_ID = "device_id"
_SETTING = table("app_setting", column("key"), column("value"))


def get(db: Database, key: str, default: str = "") -> str:
    with db.connect() as conn:
        value = conn.execute(select(_SETTING.c.value).where(_SETTING.c.key == key)).scalar()
    return default if value is None else str(value)


def put(db: Database, key: str, value: str) -> None:
    with db.begin() as conn:
        done = conn.execute(update(_SETTING).where(_SETTING.c.key == key).values(value=value))
        if not done.rowcount:
            conn.execute(insert(_SETTING).values(key=key, value=value))


def device_id(db: Database) -> str:
    """A stable id for this database (device), made on first use (in its own transaction)."""
    value = get(db, DEVICE_ID)
    if value:
        return value
    with db.begin() as conn:
        found = conn.execute(select(_SETTING.c.value).where(_SETTING.c.key == DEVICE_ID)).scalar()
        if found:
            return str(found)
        value = uuid.uuid4().hex[:16]
        conn.execute(insert(_SETTING).values(key=DEVICE_ID, value=value))
    return value
