"""One running export: what it was asked, the route it takes, the files it has made so far,
and the hooks a test or the benchmark can watch it through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from counter.services.context import Context
from counter.services.export.cells import Converter
from counter.services.export.contract import ExportResult, Request
from counter.services.export.plan import Plan
from counter.store.models import Officer


class Observer:
    """Hooks into a running export; this one does nothing. Tests subclass it to act at a
    precise moment (a counter writes while the file is being written); the benchmark to time
    the item recording."""

    def file_written(self) -> None:
        """The rows are written; still inside the read snapshot (one-phase: and the lock)."""

    def items_inserted(self, cursor: Any) -> None:
        """One-phase route, in the items thread: after its INSERT .. SELECT (``cursor``, a raw
        sqlite3 cursor on the write transaction), before its count is read for the check."""

    def items_recorded(self, seconds: float) -> None:
        """The items of the batch took ``seconds`` to record."""


@dataclass
class Job:
    ctx: Context
    officer: Officer
    req: Request
    route: Plan
    final: Path
    recap_final: Path | None  # CSV: the recap file
    observer: Observer
    conv: Converter
    temps: list[Path] = field(default_factory=list)  # temporary files: the file, the recap
    replaced: list[Path] = field(default_factory=list)  # final names already renamed onto

    def result(
        self, batch_id: int | None, digest: str, span: tuple[date | None, date | None]
    ) -> ExportResult:
        return ExportResult(
            self.final,
            self.conv.rows,
            batch_id,
            digest,
            self.recap_final,
            self.conv.corrections,
            self.req.mode,
            self.req.fmt,
            *span,
        )
