"""The CSV writer of csv_plain.py with its loop inlined: same bytes, fewer Python calls per row.

Used for CSV whenever the cells cannot come from SQL (PostgreSQL, a zone with DST in the
range). Every branch below is a copy of csv_plain.cells() / Converter.count(); the
neutralising uses injection.DANGER and injection.PREFIX (the one rule). Equal output is
tested in tests/test_export_csv_sql.py and tests/test_export_injection.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import IO, Any

from counter.services.export.cells import Converter
from counter.services.export.contract import headers
from counter.services.export.csv_plain import close_csv, open_csv
from counter.services.export.injection import DANGER, PREFIX, neutralise_phone
from counter.services.export.items import Discard


def write(
    fh: IO[bytes],
    rows: Iterable[tuple[Any, ...]],
    conv: Converter,
    side: IO[str] | Discard,
    delimiter: str,
) -> None:
    tw, w = open_csv(fh, delimiter)
    w.writerow(headers())
    _rows(w.writerow, rows, conv, side.write)
    close_csv(tw)


def _rows(
    writerow: Callable[[Any], Any],
    rows: Iterable[tuple[Any, ...]],
    conv: Converter,
    side_write: Callable[[str], Any],
) -> None:
    """The hot loop: every row's cells, item line and recap count."""
    yes, no = conv.yes, conv.no
    local, offsets, offset, fromiso = conv.local, conv.offsets, conv.offset, datetime.fromisoformat
    districts = conv.districts
    danger, q = DANGER, PREFIX
    index = conv.index
    day_s: str | None = None
    counts: list[int] = []
    rev_sum = 0
    for (
        vid,
        office,
        counter,
        officer,
        day,
        started,
        ended,
        nik,
        dcode,
        in_batang,
        status,
        outcome,
        reason,
        secs,
        note,
        phone,
        consent,
        rev,
        corr,
    ) in rows:
        if day != day_s:
            day_s = day if isinstance(day, str) else day.isoformat()
            counts = conv.day_counts(day_s)
        if type(started) is str and type(ended) is str:  # SQLite: naive UTC text
            off = offsets.get(started[:13]) or offset(started)
            s = str(fromiso(started[:19]) + off)[11:]
            off = offsets.get(ended[:13]) or offset(ended)
            e = str(fromiso(ended[:19]) + off)[11:]
        else:
            s = str(local(started))[11:] if started else ""
            e = str(local(ended))[11:] if ended else ""
        dname = districts.get(dcode)
        if dname is None:
            dname = conv.district(dcode)
        writerow(
            (
                q + vid if vid and vid[0] in danger else vid,
                q + office if office and office[0] in danger else office,
                q + counter if counter and counter[0] in danger else counter,
                q + officer if officer and officer[0] in danger else officer,
                day_s,
                s,
                e,
                q + nik if nik and nik[0] in danger else nik,
                dname,
                yes if in_batang else no,
                q + status if status and status[0] in danger else status,
                q + outcome if outcome and outcome[0] in danger else outcome,
                q + reason if reason and reason[0] in danger else reason,
                secs,
                q + note if note and note[0] in danger else note,
                neutralise_phone(phone) if (consent and phone) else "",
                yes if corr else no,
                rev,
            )
        )
        rev_sum += rev
        side_write(_item_line(vid, rev, corr))
        if corr:
            conv.corrections += 1
        counts[index.get(outcome, -2)] += 1
        counts[-1] += 1
    conv.rev_sum = rev_sum


def _item_line(vid: str, rev: int, corr: Any) -> str:
    """items.item_line, cheaper: visit ids are UUIDs (anything else is JSON-escaped)."""
    if '"' in vid or "\\" in vid:
        vid = json.dumps(vid)[1:-1]
    return f'["{vid}",{rev},{1 if corr else 0}]\n'
