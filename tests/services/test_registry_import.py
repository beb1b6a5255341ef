"""Registry import: CSV/XLSX, loose headers, upsert by NIK, rejects file; SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from counter.domain import nik as nikmod
from counter.services.context import Context
from counter.services.registry import (
    RegistryError,
    detect_delimiter,
    import_registry,
    match_columns,
    parse_date,
    status_code,
)
from counter.store.models import RegistryImport
from tests.helpers.registry import entries, read_rejects

TODAY = date(2026, 11, 27)


def N(i: int, district: str = "332501", born: date = date(1990, 5, 3), sex: str = "M") -> str:
    return nikmod.compose(district, born, sex, i)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word,code",
    [
        ("SUDAH", "active"),
        ("sudah", "active"),
        ("Ya", "active"),
        ("AKTIF", "active"),
        ("aktif", "active"),
        ("Y", "active"),
        ("1", "active"),
        ("TRUE", "active"),
        ("true", "active"),
        (" Sudah Aktivasi ", "active"),
        (True, "active"),
        (1, "active"),
        ("BELUM", "not_active"),
        ("tidak", "not_active"),
        ("TIDAK AKTIF", "not_active"),
        ("Belum Aktif", "not_active"),
        ("belum_aktif", "not_active"),
        ("N", "not_active"),
        ("0", "not_active"),
        ("FALSE", "not_active"),
        (False, "not_active"),
        (0, "not_active"),
        ("MUNGKIN", None),
        ("", None),
        (None, None),
        ("2", None),
        ("T", None),
    ],
)
def test_status_words(word: object, code: str | None) -> None:
    assert status_code(word) == code


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("01/07/2024", date(2024, 7, 1)),
        ("1/7/2024", date(2024, 7, 1)),
        ("01-07-2024", date(2024, 7, 1)),
        ("2024-07-01", date(2024, 7, 1)),
        ("2024-07-01 00:00:00", date(2024, 7, 1)),
        (datetime(2024, 7, 1, 9, 30), date(2024, 7, 1)),
        (date(2025, 2, 28), date(2025, 2, 28)),
        ("", None),
        ("  ", None),
        (None, None),
        (45474, date(2024, 7, 1)),  # an Excel serial day number
    ],
)
def test_dates(raw: object, expected: date | None) -> None:
    assert parse_date(raw, TODAY) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2024",
        "2024/07/01",
        "07-2024",
        "kemarin",
        "01/07/24",
        "01/12/2026x",
        "28/11/2026",
        "13/13/2024",
    ],
)
def test_bad_dates(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_date(raw, TODAY)


@pytest.mark.parametrize(
    "headers,expected",
    [
        (["NO", "NIK", "NAMA LENGKAP", "STATUS IKD", "TGL AKTIVASI"], (1, 3, 4)),
        (["nik", "name", "ikd_status", "activated_on"], (0, 2, 3)),
        (["\ufeffNIK ", " Nama", "status", "tanggal aktivasi"], (0, 2, 3)),
        (["No.", "Nama", "TGL LAHIR", "N.I.K", "Status Aktivasi IKD", "Tgl. Aktivasi"], (3, 4, 5)),
        (["NO KK", "NIK", "STATUS KAWIN", "IKD"], (1, 3, None)),
        (["Nomor Induk Kependudukan", "Sudah aktivasi", "Tanggal"], (0, 1, 2)),
        (["NAMA", "ALAMAT"], (None, None, None)),
    ],
)
def test_header_matching(headers: list[str], expected: tuple) -> None:
    assert match_columns(headers) == expected


def test_delimiter_detection() -> None:
    assert detect_delimiter("NIK;NAMA;STATUS\r\n1;a,b;SUDAH\r\n") == ";"
    assert detect_delimiter("NIK\tNAMA\tSTATUS\n") == "\t"
    assert detect_delimiter("Data IKD, Kab. Batang\nNO,NIK,STATUS\n") == ","
    assert detect_delimiter("DATA IKD; Batang\nNO\tNIK\tSTATUS\n") == "\t"


# ---- imports on both engines -----------------------------------------------------------------


def test_csv_bom_semicolon_crlf_messy_headers_and_rejects(any_ctx: Context, tmp_path: Path) -> None:
    a, b, c, d = N(1), N(2, "332515", date(2005, 1, 9), "F"), N(3), N(4)
    excel = "3.32501E+15"
    lines = [
        "DATA PENDUDUK WAJIB KTP KAB. BATANG;;;;",  # a title row above the header
        " No. ; N I K ;Nama Lengkap; Status IKD ;Tgl. Aktivasi ",
        "no;nik;nama;status;tgl",  # never a header again: line 3 has an invalid NIK
        f"1;{a};SITI RAHAYU;SUDAH;01/07/2024",
        f"2;{b};BUDI;belum;",
        f"3;{excel};ANI;SUDAH;02-07-2024",
        f"4;{c};DEWI;MUNGKIN;",
        f"5;{d};EKO;SUDAH;31/02/2024",
        "6;33250101900;AGUS;BELUM;",
        "7;3325990305900001;TRI;BELUM;",
        f"8;{a[:12]}0000;NUR;BELUM;",
        ";;;;",  # an empty row: skipped, not reported
        f"9;{c};DEWI;Y;2024-07-03",
    ]
    f = write(tmp_path / "ikd.csv", "\ufeff" + "\r\n".join(lines) + "\r\n")
    res = import_registry(any_ctx, f, lang="en")
    got = entries(any_ctx)
    assert res.read == 10 and res.rejected == 7
    assert (res.inserted, res.updated, res.unchanged) == (3, 0, 0)
    assert got == {
        a: ("active", date(2024, 7, 1), "ikd.csv"),
        b: ("not_active", None, "ikd.csv"),
        c: ("active", date(2024, 7, 3), "ikd.csv"),
    }
    assert res.rejects_file == str(tmp_path / "ikd.csv.rejects.csv")
    rej = read_rejects(res.rejects_file)
    assert rej[0] == ["line", "NIK", "status", "activation date", "reason"]
    by_line = {int(r[0]): r for r in rej[1:]}
    assert sorted(by_line) == [3, 6, 7, 8, 9, 10, 11]
    assert "NIK" in by_line[3][4]
    assert by_line[6][1] == excel and "Excel" in by_line[6][4] and "lost" in by_line[6][4]
    assert "MUNGKIN" in by_line[7][4] and "status" in by_line[7][4]
    assert "31/02/2024" in by_line[8][4]
    assert "16 digits" in by_line[9][4]
    assert "33.25.99" in by_line[10][4]
    assert "0000" in by_line[11][4]


def test_same_file_twice_changes_nothing_newer_file_updates(
    any_ctx: Context, tmp_path: Path
) -> None:
    niks = [N(i) for i in range(1, 41)]
    rows = ["NIK,STATUS IKD,TGL AKTIVASI,NAMA"]
    for i, n in enumerate(niks):
        rows.append(
            f"{n},{'SUDAH' if i % 5 == 0 else 'BELUM'},"
            f"{'15/03/2025' if i % 5 == 0 else ''},Warga {i}"
        )
    f1 = write(tmp_path / "ikd-2025-06.csv", "\n".join(rows) + "\n")
    r1 = import_registry(any_ctx, f1)
    assert (r1.read, r1.inserted, r1.updated, r1.unchanged, r1.rejected) == (40, 40, 0, 0, 0)
    assert r1.rejects_file is None
    first = entries(any_ctx)
    r2 = import_registry(any_ctx, f1)
    assert (r2.read, r2.inserted, r2.updated, r2.unchanged, r2.rejected) == (40, 0, 0, 40, 0)
    assert entries(any_ctx) == first
    # a newer extract: 3 more activations (one without a date), 2 new residents
    rows2 = ["nik;ikd_status;activated_on"]
    for i, n in enumerate(niks):
        if i in (1, 2):
            rows2.append(f"{n};AKTIF;2026-11-20")
        elif i == 3:
            rows2.append(f"{n};AKTIF;")
        else:
            rows2.append(
                f"{n};{'YA' if i % 5 == 0 else 'TIDAK'};{'2025-03-15' if i % 5 == 0 else ''}"
            )
    rows2 += [f"{N(100)};TIDAK AKTIF;", f"{N(101)};Y;26/11/2026"]
    f2 = write(tmp_path / "ikd-2026-11.csv", "\r\n".join(rows2))
    r3 = import_registry(any_ctx, f2)
    assert (r3.read, r3.inserted, r3.updated, r3.unchanged, r3.rejected) == (42, 2, 3, 37, 0)
    got = entries(any_ctx)
    assert got[niks[1]] == ("active", date(2026, 11, 20), "ikd-2026-11.csv")
    assert got[niks[3]] == ("active", None, "ikd-2026-11.csv")
    assert got[niks[0]] == first[niks[0]]  # unchanged rows keep their source
    assert got[N(101)] == ("active", date(2026, 11, 26), "ikd-2026-11.csv")
    assert len(got) == 42
    with any_ctx.db.read() as s:  # each import is one registry_import row with its counts
        imports = [
            (i.source, i.read, i.inserted, i.updated, i.rejected)
            for i in s.execute(select(RegistryImport).order_by(RegistryImport.id)).scalars()
        ]
    assert imports == [
        ("ikd-2025-06.csv", 40, 40, 0, 0),
        ("ikd-2025-06.csv", 40, 0, 0, 0),
        ("ikd-2026-11.csv", 42, 2, 3, 0),
    ]


def test_tab_delimited_duplicates_short_rows_multiline_cells(
    any_ctx: Context, tmp_path: Path
) -> None:
    a, b = N(7), N(8)
    text = (
        "NIK\tNAMA\tSTATUS\tTANGGAL AKTIVASI\n"
        f"{a}\tSITI\tBELUM\t\n"  # line 2: superseded by line 6
        f'{b}\t"NAMA\nDUA BARIS"\tBELUM\n'  # lines 3-4, no date cell at all
        "\n"  # line 5: blank
        f"{a}\tSITI\tSUDAH\t05/05/2025\n"  # line 6
        f"{b[:4]} {b[4:8]} {b[8:12]} {b[12:]}\tX\tbelum\t\n"
    )  # line 7: spaces removed
    f = write(tmp_path / "tab.tsv", text)
    res = import_registry(any_ctx, f, lang="en")
    assert (res.read, res.inserted, res.updated, res.rejected) == (4, 2, 0, 2)
    got = entries(any_ctx)
    assert got[a] == ("active", date(2025, 5, 5), "tab.tsv")
    assert got[b] == ("not_active", None, "tab.tsv")
    rej = read_rejects(res.rejects_file)  # type: ignore[arg-type]
    reasons = {int(r[0]): r[4] for r in rej[1:]}
    assert reasons == {
        2: "the same NIK appears again on line 6; that later line is used",
        3: "the same NIK appears again on line 7; that later line is used",
    }


def test_no_nik_column_refused_whole(any_ctx: Context, tmp_path: Path) -> None:
    f = write(tmp_path / "wrong.csv", "Nama;Alamat;Status IKD\nSiti;Batang;SUDAH\n")
    with pytest.raises(RegistryError) as e:
        import_registry(any_ctx, f)
    assert e.value.code == "no_nik_column"
    msg = e.value.message("en")
    assert "wrong.csv" in msg and "Nama, Alamat, Status IKD" in msg
    assert entries(any_ctx) == {}
    assert not (tmp_path / "wrong.csv.rejects.csv").exists()


def test_xlsx_real_dates_nik_as_number_and_text(any_ctx: Context, tmp_path: Path) -> None:
    import openpyxl

    text_nik, exact_num, zeroed = N(11), N(12), N(20)
    assert zeroed.endswith("0")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["REKAP IKD KECAMATAN WONOTUNGGAL"])
    ws.append([])
    ws.append(["No", "NIK", "Nama", "Status IKD", "Tanggal Aktivasi"])
    ws.append([1, text_nik, "Siti", "SUDAH", datetime(2024, 7, 1)])
    ws.append([2, int(exact_num), "Budi", "BELUM", None])  # a number, all 16 digits kept
    ws.append([3, int(zeroed), "Ani", "SUDAH", date(2024, 8, 2)])  # Excel-style: last digit 0
    ws.append([4, float(text_nik), "Dewi", "SUDAH", "03/09/2024"])
    ws.append([5, N(13), "Eko", True, "2024-09-04"])
    ws.append([6, N(14), "Nur", "SUDAH", "bukan tanggal"])
    ws.cell(row=4, column=2).number_format = "@"
    f = tmp_path / "ikd.xlsx"
    wb.save(f)
    res = import_registry(any_ctx, f, lang="en")
    got = entries(any_ctx)
    assert got[N(13)] == ("active", date(2024, 9, 4), "ikd.xlsx")
    assert got[exact_num] == ("not_active", None, "ikd.xlsx")
    assert zeroed not in got
    rej = read_rejects(res.rejects_file)  # type: ignore[arg-type]
    reasons = {int(r[0]): r for r in rej[1:]}
    assert sorted(reasons) == [4, 6, 9]
    assert "Excel" in reasons[6][4] and reasons[6][1] == f"{zeroed}.0"
    assert "bukan tanggal" in reasons[9][4]
    assert "line 7" in reasons[4][4]  # the float NIK on row 7 kept all digits and wins
    assert got[text_nik] == ("active", date(2024, 9, 3), "ikd.xlsx")
    assert (res.read, res.inserted, res.rejected) == (6, 3, 3)


def test_xlsx_without_nik_column(any_ctx: Context, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Nama", "Status"])
    wb.active.append(["Siti", "SUDAH"])
    f = tmp_path / "x.xlsx"
    wb.save(f)
    with pytest.raises(RegistryError) as e:
        import_registry(any_ctx, f)
    assert "Nama, Status" in e.value.message("en")


def test_names_never_stored(ctx: Context, tmp_path: Path) -> None:
    f = write(tmp_path / "n.csv", f"NIK,NAMA,STATUS\n{N(1)},SITI RAHAYU UNIQUE,SUDAH\n")
    import_registry(ctx, f)
    assert ctx.db.path is not None
    raw = ctx.db.path.read_bytes() + (
        Path(str(ctx.db.path) + "-wal").read_bytes()
        if Path(str(ctx.db.path) + "-wal").exists()
        else b""
    )
    assert N(1).encode() in raw and b"SITI RAHAYU UNIQUE" not in raw


# ---- CLI -------------------------------------------------------------------------------------


def test_cli_registry_import_json_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter.cli import main
    from tests.helpers.auth import AS_SUP, SUP_PIN, add_supervisor, stdin

    db = str(tmp_path / "c.db")
    add_supervisor(db)
    f = write(tmp_path / "r.csv", f"NIK;STATUS IKD\n{N(1)};SUDAH\n{N(2)};??\n")
    stdin(monkeypatch, SUP_PIN)
    assert main(["--db", db, "registry", "import", str(f), "--json", *AS_SUP]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "read",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "rejects_file",
        "seconds",
    }
    assert (out["read"], out["inserted"], out["rejected"]) == (2, 1, 1)
    assert out["rejects_file"].endswith("r.csv.rejects.csv")
    stdin(monkeypatch, SUP_PIN)
    assert main(["--db", db, "--lang", "en", "registry", "import", str(f), *AS_SUP]) == 0
    text = capsys.readouterr().out
    assert "Read 2, new 0, updated 0, unchanged 1, rejected 1." in text
    bad = write(tmp_path / "bad.csv", "Nama,Alamat\nx,y\n")
    stdin(monkeypatch, SUP_PIN)
    assert main(["--db", db, "--lang", "en", "registry", "import", str(bad), *AS_SUP]) == 1
    err = capsys.readouterr().err
    assert "no NIK column" in err and "Nama, Alamat" in err


def test_progress_bar_only_on_a_terminal() -> None:
    from counter.cli.progress import ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, tty = io.StringIO(), Tty()
    for stream in (quiet, tty):
        bar = ProgressBar("Importing", stream=stream, show_counts=False)
        bar(50, 100)
        bar(100, 100)
        bar.close()
    assert quiet.getvalue() == ""
    assert "Importing" in tty.getvalue() and "100.0%" in tty.getvalue()
    assert tty.getvalue().endswith("\n")


def test_fast_birth_digit_pattern_agrees_with_nik_birth_date() -> None:
    import re

    from counter.services.registry import BIRTH_DIGITS_RE

    pat = re.compile(BIRTH_DIGITS_RE)
    for day in range(0, 80):
        for month in range(0, 14):
            for yy in range(0, 100):
                digits = f"{day:02d}{month:02d}{yy:02d}"
                try:
                    nikmod.birth_date(digits, TODAY)
                    ok = True
                except nikmod.NikError:
                    ok = False
                assert bool(pat.fullmatch(digits)) == ok, digits


def test_batches_above_one_statement_update_counts(any_ctx: Context, tmp_path: Path) -> None:
    niks = sorted(
        {
            N(i, d, date(1960 + i % 40, 1 + i % 12, 1 + i % 28), "MF"[i % 2])
            for i in range(1, 1300)
            for d in ("332502",)
        }
    )
    rows = [
        f"{n},{'SUDAH' if k % 3 == 0 else 'BELUM'},{'2025-01-02' if k % 3 == 0 else ''}"
        for k, n in enumerate(niks)
    ]
    f = write(tmp_path / "big.csv", "NIK,STATUS,TGL AKTIVASI\n" + "\n".join(rows) + "\n")
    r1 = import_registry(any_ctx, f)
    assert (r1.inserted, r1.updated, r1.unchanged, r1.rejected) == (len(niks), 0, 0, 0)
    rows2 = [f"{n},SUDAH,2025-01-02" for n in niks] + [f"{N(9999)},BELUM,"]
    f2 = write(tmp_path / "big2.csv", "NIK,STATUS,TGL AKTIVASI\n" + "\n".join(rows2) + "\n")
    r2 = import_registry(any_ctx, f2)
    n_active_before = len(range(0, len(niks), 3))
    assert (r2.inserted, r2.updated, r2.unchanged) == (
        1,
        len(niks) - n_active_before,
        n_active_before,
    )
    got = entries(any_ctx)
    assert len(got) == len(niks) + 1
    assert all(got[n][:2] == ("active", date(2025, 1, 2)) for n in niks)
    assert [got[n][2] for n in niks[:4]] == ["big.csv", "big2.csv", "big2.csv", "big.csv"]


def test_header_only_file_imports_nothing(ctx: Context, tmp_path: Path) -> None:
    f = write(tmp_path / "empty.csv", "sep=;\r\nNIK;STATUS IKD;TGL AKTIVASI\r\n")
    res = import_registry(ctx, f)
    assert (res.read, res.inserted, res.rejected, res.rejects_file) == (0, 0, 0, None)


def test_quoted_csv_uses_the_csv_reader(any_ctx: Context, tmp_path: Path) -> None:
    a, b = N(21), N(22)
    f = write(
        tmp_path / "q.csv",
        f'NIK,NAMA,STATUS IKD\r\n"{a}","RAHAYU, SITI",SUDAH\r\n"{b}","SANTOSO; BUDI","BELUM"\r\n',
    )
    res = import_registry(any_ctx, f)
    assert (res.read, res.inserted, res.rejected) == (2, 2, 0)
    assert entries(any_ctx) == {a: ("active", None, "q.csv"), b: ("not_active", None, "q.csv")}


def test_locked_database_reports_busy_and_keeps_nothing(tmp_path: Path, make_ctx) -> None:  # noqa: ANN001
    import sqlite3

    from counter.store.db import DatabaseBusy

    ctx = make_ctx({"database.busy_timeout": 0.3}, name="busy.db")
    f = write(tmp_path / "r.csv", f"NIK,STATUS\n{N(1)},SUDAH\n")
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        with pytest.raises(DatabaseBusy):
            import_registry(ctx, f)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert entries(ctx) == {}
    assert import_registry(ctx, f).inserted == 1
