"""The application context handed to every service: settings, database, clock, language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from counter.config import Settings
from counter.i18n import Catalog, catalog
from counter.store import keyvalue
from counter.store.connect import open_database
from counter.store.db import Database

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock = field(default=system_clock)
    device_id: str = ""  # this database's device id; filled by make_context (store.keyvalue)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        """Aware UTC now."""
        return self.clock().astimezone(UTC)

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()

    def local(self, ts: datetime) -> datetime:
        return ts.astimezone(self.tz)

    @property
    def msg(self) -> Catalog:
        return catalog(self.settings.lang)


def make_context(
    settings: Settings, clock: Clock | None = None, migrate: bool = True, create: bool = True
) -> Context:
    """Open the configured database. ``create=False`` (every CLI command but ``init`` and
    ``seed-demo``): a missing or empty database is refused, not created (see open_database)."""
    db = open_database(settings.db_url, settings.busy_timeout_s, migrate=migrate, create=create)
    ctx = Context(settings=settings, db=db, clock=clock or system_clock)
    if migrate:  # made once here, never inside another write transaction
        ctx.device_id = keyvalue.device_id(db)
    return ctx
