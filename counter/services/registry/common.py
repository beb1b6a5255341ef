"""What every route of the registry import shares: the refusal, the results, the SQL of the
import's own row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from counter.errors import UserError

Progress = Callable[[int, int], None]
CHUNK = 65536  # rows between two progress reports


class RegistryError(UserError, ValueError):
    """The whole file is refused; ``code`` selects the message (registry.<code>)."""

    prefix = "registry"


@dataclass
class ImportResult:
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejects_file: str | None
    seconds: float
    desa: dict[str, Any] | None = None  # the desa column: matched / empty / unmatched cells

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["desa"] is None:  # only an extract with a desa column adds the key
            del out["desa"]
        return out


@dataclass(frozen=True)
class Written:
    """What one route (reference or fast) stored: the same type from both."""

    stored: int  # rows written (inserted, updated or unchanged)
    rejected: int
    rejects_file: str | None
    inserted: int
    updated: int
    desa: dict[str, Any] | None  # ImportResult.desa


NEW_IMPORT = (
    "INSERT INTO registry_import (source, imported_at, read, inserted, updated, "
    "rejected) VALUES ({p}, {p}, {p}, 0, 0, {p})"
)
IMPORT_COUNTS = "UPDATE registry_import SET inserted = {p}, updated = {p} WHERE id = {p}"


def now_text(now: datetime) -> str:
    """The import's time as SQLite stores it (UTC text)."""
    return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
