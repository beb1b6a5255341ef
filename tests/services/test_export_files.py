"""Export files read back: XLSX with openpyxl, CSV with the csv module."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from pathlib import Path

import pytest

from counter.services import export, visits
from counter.services.context import Context
from tests.helpers.export import NIKS, people, read_csv, read_xlsx, visit

HEADERS = [
    "ID Kunjungan",
    "Kode Kantor",
    "Loket",
    "Petugas",
    "Tanggal",
    "Jam Mulai",
    "Jam Selesai",
    "NIK",
    "Kecamatan NIK",
    "Dalam Kab. Batang",
    "Status IKD Ditemukan",
    "Hasil",
    "Alasan",
    "Lama Layanan (detik)",
    "Catatan",
    "No. HP (dengan persetujuan)",
    "Koreksi",
    "Revisi",
]
COL = {h: i for i, h in enumerate(HEADERS)}

PAYLOADS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x";"klik")']


@pytest.fixture
def day_visits(any_ctx: Context, clock) -> dict:  # noqa: ANN001
    """Two days of visits: phones with and without consent, outside Batang, a correction."""
    ctx = any_ctx
    off, sup = people(ctx)
    ids = {}
    ids["active"] = visit(ctx, clock, off, NIKS[0], "ALREADY_ACTIVE", seconds=20)
    ids["consent"] = visit(
        ctx,
        clock,
        off,
        NIKS[1],
        "PENDING",
        phone="0812-3456-7890",
        consent=True,
        note="email belum masuk",
        seconds=300,
    )
    ids["outside"] = visit(
        ctx,
        clock,
        off,
        NIKS[2],
        "FAILED",
        reason="email_not_received",
        note='baris 1\nbaris 2; "kutip"',
        seconds=200,
    )
    ids["open"] = visit(ctx, clock, off, NIKS[3], finish=False)
    clock.advance(days=1)
    ids["next"] = visit(ctx, clock, off, "0003325015505900001"[3:], "ACTIVATED", seconds=400)
    visits.correct_visit(ctx, ids["outside"], sup, "REFERRED", "nik_not_found", "salah input")
    return {"ctx": ctx, "off": off, "sup": sup, "ids": ids}


def test_csv_reads_back_with_bom_delimiter_and_all_columns(
    day_visits: dict,
    tmp_path: Path,
) -> None:
    ctx, sup, ids = day_visits["ctx"], day_visits["sup"], day_visits["ids"]
    res = export.export_visits(
        ctx,
        sup,
        "range",
        date_from=date(2026, 11, 27),
        date_to=date(2026, 11, 28),
        fmt="csv",
        out=tmp_path / "a.csv",
    )
    assert res.rows == 4 and res.batch_id
    head, rows = read_csv(res.path, ";")
    assert head == HEADERS
    assert [r[0] for r in rows] == [ids["active"], ids["consent"], ids["outside"], ids["next"]]
    by = {r[0]: r for r in rows}
    r = by[ids["consent"]]
    assert r[COL["NIK"]] == NIKS[1]
    assert r[COL["Tanggal"]] == "2026-11-27"
    # started after the first visit (20 s + 30 s gap) at 09:00 Jakarta
    assert r[COL["Jam Mulai"]] == "09:00:50" and r[COL["Jam Selesai"]] == "09:05:50"
    assert r[COL["Lama Layanan (detik)"]] == "300"
    assert r[COL["No. HP (dengan persetujuan)"]] == "081234567890"
    assert r[COL["Kecamatan NIK"]] == "Tulis" and r[COL["Dalam Kab. Batang"]] == "Ya"
    assert r[COL["Kode Kantor"]] == ctx.settings.office_code
    assert r[COL["Loket"]] == ctx.settings.counter_id and r[COL["Petugas"]] == "siti"
    o = by[ids["outside"]]
    assert o[COL["Dalam Kab. Batang"]] == "Tidak" and o[COL["Kecamatan NIK"]] == ""
    assert o[COL["Catatan"]] == 'baris 1\nbaris 2; "kutip"'  # RFC 4180 quoting round-trips
    assert o[COL["Hasil"]] == "REFERRED" and o[COL["Alasan"]] == "nik_not_found"
    assert o[COL["Revisi"]] == "1"
    # never exported before, so not a correction from the central sheet's point of view
    assert o[COL["Koreksi"]] == "Tidak"
    assert by[ids["active"]][COL["No. HP (dengan persetujuan)"]] == ""
    assert by[ids["next"]][COL["Tanggal"]] == "2026-11-28"
    assert ids["open"] not in by  # unfinished visits are not exported
    # the recap file, per outcome per day
    rhead, rrows = read_csv(res.recap_path, ";")
    assert res.recap_path.name == "a-rekap.csv"
    assert rhead[0] == "Tanggal" and rhead[-1] == "Jumlah"
    rec = {r[0]: dict(zip(rhead, r, strict=True)) for r in rrows}
    assert rec["2026-11-27"]["ALREADY_ACTIVE"] == "1" and rec["2026-11-27"]["PENDING"] == "1"
    assert rec["2026-11-27"]["REFERRED"] == "1" and rec["2026-11-27"]["Jumlah"] == "3"
    assert rec["2026-11-28"]["ACTIVATED"] == "1" and rec["Jumlah"]["Jumlah"] == "4"


def test_csv_comma_delimiter(day_visits: dict, tmp_path: Path) -> None:
    ctx, sup = day_visits["ctx"], day_visits["sup"]
    res = export.export_visits(
        ctx, sup, "date", date_from=date(2026, 11, 27), fmt="csv", delimiter=",", out=tmp_path
    )
    raw = res.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"ID Kunjungan,Kode Kantor")
    head, rows = read_csv(res.path, ",")
    assert head == HEADERS and len(rows) == 3
    assert res.path.parent == tmp_path and res.path.name.startswith("ikd-3325-2026-11-27-")
    # CRLF line ends (RFC 4180)
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n") + 1  # +1: note's own \n


def test_xlsx_cells_are_text_dates_and_times(day_visits: dict, tmp_path: Path) -> None:
    ctx, sup, ids = day_visits["ctx"], day_visits["sup"], day_visits["ids"]
    res = export.export_visits(
        ctx,
        sup,
        "range",
        date_from=date(2026, 11, 27),
        date_to=date(2026, 11, 28),
        fmt="xlsx",
        out=tmp_path / "a.xlsx",
    )
    assert res.recap_path is None
    wb = read_xlsx(res.path)
    assert wb.sheetnames == ["Kunjungan", "Rekap"]
    ws = wb["Kunjungan"]
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == HEADERS
    body = rows[1:]
    assert [r[0].value for r in body] == [
        ids["active"],
        ids["consent"],
        ids["outside"],
        ids["next"],
    ]
    for r in body:
        nik = r[COL["NIK"]]
        assert isinstance(nik.value, str) and len(nik.value) == 16 and nik.value.isdigit()
        assert nik.number_format == "@"
        d = r[COL["Tanggal"]]
        assert d.is_date and isinstance(d.value, datetime)
        assert isinstance(r[COL["Jam Mulai"]].value, time)
        assert isinstance(r[COL["Jam Selesai"]].value, time)
        assert isinstance(r[COL["Lama Layanan (detik)"]].value, int)
    c = body[1]
    assert c[COL["NIK"]].value == NIKS[1]
    assert c[COL["Tanggal"]].value.date() == date(2026, 11, 27)
    assert c[COL["Jam Mulai"]].value == time(9, 0, 50)
    ph = c[COL["No. HP (dengan persetujuan)"]]
    assert ph.value == "081234567890" and ph.number_format == "@"
    assert body[0][COL["No. HP (dengan persetujuan)"]].value is None
    assert body[3][COL["Tanggal"]].value.date() == date(2026, 11, 28)
    rs = wb["Rekap"]
    rec = [[c.value for c in r] for r in rs.iter_rows()]
    assert rec[0][0] == "Tanggal" and rec[0][-1] == "Jumlah"
    assert rec[1][0].date() == date(2026, 11, 27) and rec[1][-1] == 3
    assert rec[-1][0] == "Jumlah" and rec[-1][-1] == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_injection_payloads_are_neutralised(
    ctx: Context,
    clock,
    tmp_path: Path,  # noqa: ANN001
    fmt: str,
) -> None:
    off, sup = people(ctx)
    ids = {}
    for p in PAYLOADS:
        ids[visit(ctx, clock, off, NIKS[0], "FAILED", reason=p, note=p)] = p
    ctx.settings = dataclasses.replace(ctx.settings, counter_id="@LOKET", office_code="-33")
    ids[
        visit(
            ctx,
            clock,
            off,
            NIKS[1],
            "ACTIVATED",
            note="biasa",
            phone="+6281234567890",
            consent=True,
        )
    ] = None
    res = export.export_visits(
        ctx, sup, "date", date_from=ctx.today(), fmt=fmt, out=tmp_path / f"inj.{fmt}"
    )
    if fmt == "csv":
        _, rows = read_csv(res.path)
        values = [r for r in rows]
    else:
        ws = read_xlsx(res.path)["Kunjungan"]
        values = [[c.value for c in r] for r in list(ws.iter_rows())[1:]]
        for r in list(ws.iter_rows())[1:]:
            assert all(c.data_type != "f" for c in r)  # no formula cells at all
    assert len(values) == len(ids)
    for r in values:
        p = ids[r[0]]
        if p is None:
            assert r[COL["Loket"]] == "'@LOKET" and r[COL["Kode Kantor"]] == "'-33"
            assert r[COL["Catatan"]] == "biasa"
            # validated digits are left as they are
            assert r[COL["No. HP (dengan persetujuan)"]] == "+6281234567890"
            assert r[COL["NIK"]] == NIKS[1]
            continue
        for col in ("Catatan", "Alasan"):
            got = r[COL[col]]
            # XML turns a literal CR into LF on reading; the leading quote is what matters
            assert got.startswith("'") and got[1:].replace("\n", "\r") == p.replace("\n", "\r")


def test_neutralise_unit() -> None:
    for p in PAYLOADS:
        assert export.neutralise(p) == "'" + p
    for safe in ("", None, "biasa", "1+1", " =x", "a=b"):
        assert export.neutralise(safe) == safe


def test_headers_come_from_the_indonesian_catalog_whatever_the_ui_language(
    ctx: Context, clock, tmp_path: Path
) -> None:  # noqa: ANN001
    off, sup = people(ctx)
    visit(ctx, clock, off)
    ctx.settings = dataclasses.replace(ctx.settings, lang="en")
    res = export.export_visits(
        ctx, sup, "date", date_from=ctx.today(), fmt="csv", out=tmp_path / "en.csv"
    )
    head, rows = read_csv(res.path)
    assert head == HEADERS and rows[0][COL["Dalam Kab. Batang"]] == "Ya"


def test_default_path_in_exports_folder(ctx: Context, clock) -> None:  # noqa: ANN001
    off, sup = people(ctx)
    visit(ctx, clock, off)
    res = export.export_visits(ctx, sup, "date", date_from=ctx.today())
    assert res.path.parent == ctx.settings.exports_dir
    assert res.path.name == "ikd-3325-2026-11-27-20261127-090230.xlsx"
    res2 = export.export_visits(
        ctx, sup, "range", date_from=date(2026, 11, 1), date_to=date(2026, 11, 27), fmt="csv"
    )
    assert res2.path.name.startswith("ikd-3325-2026-11-01_2026-11-27-")
    assert res2.recap_path.exists()
    assert [p.name for p in ctx.settings.exports_dir.iterdir() if p.name.startswith(".")] == []


def test_xlsx_is_a_sheet_a_kasi_can_read_and_print(day_visits: dict, tmp_path: Path) -> None:
    from openpyxl.utils import get_column_letter

    ctx, sup = day_visits["ctx"], day_visits["sup"]
    res = export.export_visits(
        ctx,
        sup,
        "range",
        date_from=date(2026, 11, 27),
        date_to=date(2026, 11, 28),
        fmt="xlsx",
        out=tmp_path / "a.xlsx",
    )
    wb = read_xlsx(res.path)
    ws = wb["Kunjungan"]
    last = get_column_letter(len(HEADERS))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{last}5"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$1"  # header repeated on every printed page
    assert ws.print_area == f"'Kunjungan'!$B$1:${last}$5"  # the UUID is not printed
    for i, cell in enumerate(next(ws.iter_rows(max_row=1)), 1):
        assert cell.font.b, f"header {cell.value!r} is not bold"
        width = ws.column_dimensions[get_column_letter(i)].width
        # a header fits its column, or wraps inside it
        assert len(cell.value) <= width or cell.alignment.wrap_text, cell.value
    note = [
        r for r in ws.iter_rows(min_row=2) if r[COL["Catatan"]].value == 'baris 1\nbaris 2; "kutip"'
    ]
    assert note and note[0][COL["Catatan"]].alignment.wrap_text
    rs = wb["Rekap"]
    assert all(c.font.b for c in next(rs.iter_rows(max_row=1)))
    assert rs.page_setup.orientation == "landscape" and rs.print_title_rows == "$1:$1"
    for i, cell in enumerate(next(rs.iter_rows(max_row=1)), 1):
        assert len(cell.value) <= rs.column_dimensions[get_column_letter(i)].width, cell.value


def test_output_folder_that_does_not_exist_is_created_not_a_file(
    day_visits: dict, tmp_path: Path
) -> None:
    ctx, sup = day_visits["ctx"], day_visits["sup"]
    for out in (f"{tmp_path}/new/", str(tmp_path / "plain-folder")):
        res = export.export_visits(
            ctx, sup, "date", date_from=date(2026, 11, 27), fmt="xlsx", out=out
        )
        folder = Path(out.rstrip("/"))
        assert folder.is_dir() and res.path.parent == folder
        assert res.path.name.startswith("ikd-") and res.path.suffix == ".xlsx"


def test_an_existing_file_is_never_overwritten(day_visits: dict, tmp_path: Path) -> None:
    ctx, sup = day_visits["ctx"], day_visits["sup"]
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"precious")
    with pytest.raises(export.ExportError) as e:
        export.export_visits(ctx, sup, "date", date_from=date(2026, 11, 27), fmt="xlsx", out=target)
    assert e.value.code == "exists" and str(target) in e.value.message("en")
    assert target.read_bytes() == b"precious"
    assert export.batches(ctx) == []
