"""The XLSX writer (openpyxl, write-only): the visits sheet and the recap sheet.

NIK and phone are text cells (number format ``@``), date and times real date/time cells, text
neutralised (openpyxl makes a formula of any text starting with ``=``) and cleaned of what XML
cannot hold. A sheet a Kasi can print: landscape A4, header row repeated, filters on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from counter.services.export.cells import Converter, as_date, recap_rows
from counter.services.export.contract import (
    COLUMNS,
    SHEET_RECAP,
    SHEET_VISITS,
    headers,
    recap_headers,
)
from counter.services.export.injection import neutralise, neutralise_phone
from counter.services.export.items import Discard

# Column widths (characters) of the visits sheet: at least the Indonesian header, so nothing is cut.
WIDTHS = {
    "visit_id": 14,
    "office_code": 12,
    "counter": 10,
    "officer": 14,
    "date": 12,
    "start": 11,
    "end": 12,
    "nik": 19,
    "district": 16,
    "in_batang": 11,
    "ikd_status": 14,
    "outcome": 15,
    "reason": 22,
    "handling_seconds": 12,
    "note": 40,
    "phone": 16,
    "correction": 9,
    "revision": 8,
}
WRAPPED = frozenset(
    {"note", "reason", "district", "phone", "handling_seconds", "ikd_status", "in_batang", "end"}
)
EXCEL_CELL_MAX = 32767  # characters in one cell


def cleaner(
    neutral: Callable[[str | None], str | None] = neutralise,
) -> Callable[[Any], Any]:
    """Cell text as it may go into the XLSX: neutralised (never a formula), without the
    characters XML cannot hold, within Excel's length. Non-text values (numbers from an edited
    database) pass as text too."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    search, sub = ILLEGAL_CHARACTERS_RE.search, ILLEGAL_CHARACTERS_RE.sub

    def clean(v: Any) -> Any:
        if not v:
            return v
        text = neutral(v if isinstance(v, str) else str(v)) or ""
        if search(text):
            text = sub("", text)
        return text[:EXCEL_CELL_MAX]

    return clean


def write(
    fh: IO[bytes], rows: Iterable[tuple[Any, ...]], conv: Converter, side: IO[str] | Discard
) -> None:
    """Both sheets into ``fh``; each visit's item to ``side`` and into ``conv``'s recap."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        _visits_sheet(wb, rows, conv, side)
        _recap_sheet(wb, conv)
        _save(wb, fh)
    except BaseException:
        # close the sheets' row writers now, not in the garbage collector after the file is gone
        for sheet in wb.worksheets:
            gen = getattr(sheet, "_rows", None)  # openpyxl's write-only row generator
            try:
                if gen is not None:
                    gen.close()
            except Exception:
                pass
        raise


@dataclass
class _Styled:
    """Prepared cells, re-used row after row (write-only rows are serialised on append): the
    style is looked up once instead of once per cell."""

    uuid: Any
    day: Any
    start: Any
    end: Any
    nik: Any
    note: Any
    phone: Any


def astuple_shallow(c: _Styled) -> tuple[Any, ...]:
    """The prepared cells as locals for the hot loop (uuid, day, start, end, nik, note, phone)."""
    return (c.uuid, c.day, c.start, c.end, c.nik, c.note, c.phone)


def _styled_cells(ws: Any) -> _Styled:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    def styled(fmt: str) -> Any:
        c = WriteOnlyCell(ws)
        c.number_format = fmt
        return c

    note = styled("@")
    note.alignment = Alignment(wrap_text=True, vertical="top")
    uuid = WriteOnlyCell(ws)
    uuid.font = Font(color="808080", size=8)
    return _Styled(
        uuid=uuid,
        day=styled("yyyy-mm-dd"),
        start=styled("hh:mm:ss"),
        end=styled("hh:mm:ss"),
        nik=styled("@"),
        note=note,
        phone=styled("@"),
    )


def _visits_sheet(
    wb: Any, rows: Iterable[tuple[Any, ...]], conv: Converter, side: IO[str] | Discard
) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(SHEET_VISITS)
    for i, k in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[k]
    ws.freeze_panes = "A2"
    page_setup(ws)
    ws.append(header_cells(ws, headers(), [k in WRAPPED for k in COLUMNS]))
    c = _styled_cells(ws)
    uuid_c, day_c, start_c, end_c, nik_c, note_c, phone_c = astuple_shallow(c)
    yes, no = conv.yes, conv.no
    district, local, count = conv.district, conv.local, conv.count
    clean, clean_phone = cleaner(), cleaner(neutralise_phone)
    side_write, append = side.write, ws.append
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
        d, s, e, corr = as_date(day), local(started), local(ended), bool(corr)
        day_c.value = d
        nik_c.value = clean(nik)
        if s:
            start_c.value = s.time()
        if e:
            end_c.value = e.time()
        if consent and phone:
            phone_c.value = clean_phone(phone)
        uuid_c.value = clean(vid)
        note_c.value = clean(note)
        append(
            (
                uuid_c,
                clean(office),
                clean(counter),
                clean(officer),
                day_c,
                start_c if s else None,
                end_c if e else None,
                nik_c,
                district(dcode),
                yes if in_batang else no,
                clean(status),
                clean(outcome),
                clean(reason),
                secs,
                note_c if note else None,
                phone_c if (consent and phone) else None,
                yes if corr else no,
                rev,
            )
        )
        side_write(f"[{json.dumps(vid)},{rev},{1 if corr else 0}]\n")
        conv.rev_sum += rev
        count(d, outcome, corr)
    ranges(ws, "B", get_column_letter(len(COLUMNS)), conv.rows + 1)


def _recap_sheet(wb: Any, conv: Converter) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from counter.i18n import catalog

    names = recap_headers()
    rs = wb.create_sheet(SHEET_RECAP)
    rs.column_dimensions["A"].width = 12
    for i, h in enumerate(names[1:], 2):
        rs.column_dimensions[get_column_letter(i)].width = max(10, len(h) + 2)
    rs.freeze_panes = "B2"
    page_setup(rs)
    rs.append(header_cells(rs, names, [False] * len(names)))
    days, totals = recap_rows(conv)
    for day_key, counts in days:
        rd = WriteOnlyCell(rs, day_key)
        rd.number_format = "yyyy-mm-dd"
        rs.append((rd, *counts))
    total_label = WriteOnlyCell(rs, catalog("id").t("export.recap.total"))
    total_label.font = Font(bold=True)
    rs.append((total_label, *totals))
    ranges(rs, "A", get_column_letter(len(names)), len(conv.recap) + 2)


def page_setup(ws: Any) -> None:
    """A sheet a Kasi can print: landscape A4, fit to the page width, the header row on every
    page. Set before the first row (a write-only sheet writes its properties then)."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def ranges(ws: Any, first_col: str, last_col: str, rows: int) -> None:
    """Filter on the header; the print area starts at ``first_col`` (the visits sheet leaves out
    its visit_id, which the central import reads but nobody reads on paper)."""
    ws.auto_filter.ref = f"A1:{last_col}{max(rows, 1)}"
    ws.print_area = f"{first_col}1:{last_col}{max(rows, 1)}"


def header_cells(ws: Any, names: list[str], wrapped: list[bool]) -> list[Any]:
    """Bold header cells; long headers of narrow columns wrap instead of being cut."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    cells = []
    for name, wrap in zip(names, wrapped, strict=True):
        c = WriteOnlyCell(ws, name)
        c.font = bold
        c.alignment = Alignment(wrap_text=wrap, vertical="top")
        cells.append(c)
    return cells


def _save(wb: Any, fh: IO[bytes]) -> None:
    """openpyxl's save_workbook, but a failed save does not leave a ZipFile for the collector."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).save()
    except BaseException:
        try:
            archive.close()
        except Exception:
            pass
        archive.fp = None  # nothing left for ZipFile.__del__ to write
        raise
