"""The CSV writer, plainly: one database row in, one CSV row out. Read this one first.

UTF-8 with a BOM (Excel then reads the accents), ``;`` or ``,``, RFC 4180 quoting, CRLF. Text
cells are neutralised (injection.py), NIK and phone stay text, times are local ``HH:MM:SS``.
The recap (counts per day and outcome) goes to a second file, see ``write_recap``.

The same bytes come faster from csv_fast.py (this loop inlined) and csv_sql.py (the cells
computed by SQLite); tests/test_export_csv_sql.py keeps the three equal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

from counter.services.export.cells import Converter, recap_rows
from counter.services.export.contract import BOM, headers, recap_headers
from counter.services.export.injection import neutralise, neutralise_phone
from counter.services.export.items import Discard, item_line
from counter.services.export.selection import VisitRow


def open_csv(fh: IO[bytes], delimiter: str) -> tuple[io.TextIOWrapper, Any]:
    """A csv.writer over ``fh`` after the BOM (then plain UTF-8: the "utf-8-sig" encoder is slow
    Python code per write). Finish with ``close_csv``."""
    fh.write(BOM)
    tw = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
    w = csv.writer(tw, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return tw, w


def close_csv(tw: io.TextIOWrapper) -> None:
    """Flush the text layer and hand ``fh`` back open (its owner closes it)."""
    tw.flush()
    tw.detach()


def day_text(day: Any) -> str:
    return day if isinstance(day, str) else str(day.isoformat())


def cells(row: VisitRow, conv: Converter) -> tuple[Any, ...]:
    """The CSV cells of one visit, in COLUMNS order."""
    return (
        neutralise(row.id),
        neutralise(row.office_code),
        neutralise(row.counter_id),
        neutralise(row.officer),
        day_text(row.day),
        conv.time_text(row.started_at),
        conv.time_text(row.ended_at),
        neutralise(row.nik),
        conv.district(row.district_code),
        conv.yes if row.in_batang else conv.no,
        neutralise(row.ikd_status),
        neutralise(row.outcome),
        neutralise(row.reason),
        row.handling_seconds,
        neutralise(row.note),
        neutralise_phone(row.phone) if (row.consent_contact and row.phone) else "",
        conv.yes if row.correction else conv.no,
        row.revision,
    )


def write(
    fh: IO[bytes],
    rows: Iterable[tuple[Any, ...]],
    conv: Converter,
    side: IO[str] | Discard,
    delimiter: str,
) -> None:
    """The visits file: the header, then one row per visit; each visit's item goes to ``side``
    and into the recap counts of ``conv``."""
    tw, w = open_csv(fh, delimiter)
    w.writerow(headers())
    for raw in rows:
        row = VisitRow(*raw)
        correction = bool(row.correction)
        w.writerow(cells(row, conv))
        side.write(item_line(row.id, row.revision, correction))
        conv.rev_sum += row.revision
        conv.count(day_text(row.day), row.outcome, correction)
    close_csv(tw)


def write_recap(fh: IO[bytes], conv: Converter, delimiter: str) -> None:
    """The recap file: one row per day (counts per outcome, total), then the totals."""
    from counter.i18n import catalog

    tw, w = open_csv(fh, delimiter)
    w.writerow(recap_headers())
    days, totals = recap_rows(conv)
    for day_key, counts in days:
        w.writerow((str(day_key), *counts))
    w.writerow((catalog("id").t("export.recap.total"), *totals))
    close_csv(tw)
