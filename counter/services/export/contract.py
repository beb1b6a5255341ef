"""What an export is, seen from outside: the request, the columns, the result, the errors.

The file contract itself (columns, formats, batches) is documented in the README ("Export to the
central sheet"); the constants here are its single source in the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter.domain import outcomes as oc
from counter.errors import UserError

MODES = ("date", "range", "since_last")
FORMATS = ("xlsx", "csv")
DELIMITERS = (";", ",")

# Column keys in file order. Headers come from the Indonesian catalog (export.col.*) whatever the
# UI language: they are a data contract with the central sheet, not UI text.
COLUMNS = (
    "visit_id",
    "office_code",
    "counter",
    "officer",
    "date",
    "start",
    "end",
    "nik",
    "district",
    "in_batang",
    "ikd_status",
    "outcome",
    "reason",
    "handling_seconds",
    "note",
    "phone",
    "correction",
    "revision",
)
RECAP_COLUMNS = ("date", *oc.OUTCOMES, "total")

SHEET_VISITS = "Kunjungan"
SHEET_RECAP = "Rekap"
CHUNK = 500  # rows fetched from the database at a time
BOM = b"\xef\xbb\xbf"


class ExportError(UserError, RuntimeError):
    """A user-facing export problem; ``code`` selects the message (export.error.<code>)."""

    prefix = "export.error"


@dataclass(frozen=True)
class Request:
    """A checked export request (see ``request``). For ``date`` mode date_to == date_from; for
    ``since_last`` both are None."""

    mode: str
    date_from: date | None
    date_to: date | None
    fmt: str
    delimiter: str


def request(
    mode: str = "date",
    date_from: date | None = None,
    date_to: date | None = None,
    fmt: str = "xlsx",
    delimiter: str = ";",
) -> Request:
    """The request, checked; ExportError (bad_mode, bad_format, bad_delimiter, dates_required,
    bad_range, since_last_no_dates) when it cannot be run."""
    if mode not in MODES:
        raise ExportError("bad_mode", mode=mode)
    if fmt not in FORMATS:
        raise ExportError("bad_format", format=fmt)
    if delimiter not in DELIMITERS:
        raise ExportError("bad_delimiter", delimiter=delimiter)
    if mode == "date":
        if date_from is None:
            raise ExportError("dates_required")
        if date_to is not None and date_to != date_from:
            raise ExportError("bad_range", date_from=date_from, date_to=date_to)
        return Request(mode, date_from, date_from, fmt, delimiter)
    if mode == "range":
        if date_from is None or date_to is None:
            raise ExportError("dates_required")
        if date_from > date_to:
            raise ExportError("bad_range", date_from=date_from, date_to=date_to)
        return Request(mode, date_from, date_to, fmt, delimiter)
    if date_from is not None or date_to is not None:
        raise ExportError("since_last_no_dates")
    return Request(mode, None, None, fmt, delimiter)


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None when since_last found nothing new (no file, no batch)
    rows: int
    batch_id: int | None
    sha256: str
    recap_path: Path | None  # CSV only: the second file with the recap
    corrections: int = 0
    mode: str = "date"
    fmt: str = "xlsx"
    date_from: date | None = None
    date_to: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "rows": self.rows,
            "batch_id": self.batch_id,
            "sha256": self.sha256,
            "recap_path": str(self.recap_path) if self.recap_path else None,
            "corrections": self.corrections,
            "mode": self.mode,
            "format": self.fmt,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


@dataclass(frozen=True)
class BatchView:
    id: int
    created_at: datetime
    officer_id: int | None
    mode: str
    date_from: date | None
    date_to: date | None
    format: str
    rows: int
    file_path: str
    sha256: str


def headers() -> list[str]:
    from counter.i18n import catalog

    t = catalog("id")
    return [t(f"export.col.{k}") for k in COLUMNS]


def recap_headers() -> list[str]:
    from counter.i18n import catalog

    t = catalog("id")
    return [t("export.col.date"), *oc.OUTCOMES, t("export.recap.total")]
