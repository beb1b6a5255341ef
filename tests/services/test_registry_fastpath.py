"""Registry import, fastest CSV path (SQLite, unquoted, NIK before the status and date cells):
the same results as the general path, and every row that needs a reason goes to the general
path with its line number. Runs on SQLite and PostgreSQL (which never takes this path)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from counter.domain import nik as nikmod
from counter.services import registry as reg
from counter.services.context import Context
from counter.store.models import RegistryImport
from tests.helpers.registry import entries, rejects


def N(i: int, district: str = "332503", born: date = date(1988, 2, 29), sex: str = "F") -> str:
    return nikmod.compose(district, born, sex, i)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per _span_params call: True when the fastest path took the whole file."""
    calls: list[bool] = []
    real = reg._span_params

    def wrapped(table, today, **kw):  # noqa: ANN001, ANN202, ANN003
        out = real(table, today, **kw)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(reg, "_span_params", wrapped)
    return calls


def _file(tmp_path: Path, name: str, body: list[str]) -> Path:
    head = "NO,NIK,NAMA LENGKAP,KECAMATAN,STATUS IKD,TGL AKTIVASI,KETERANGAN"
    p = tmp_path / name
    p.write_bytes(("\r\n".join([head, *body]) + "\r\n").encode())
    return p


def test_clean_file_takes_the_fast_path_and_upserts(
    any_ctx: Context, tmp_path: Path, spy: list[bool]
) -> None:
    niks = [N(i) for i in (9, 3, 7, 1, 5)]  # not in NIK order
    body = [
        f"{k},{n},WARGA {k},BANDAR,{st},{when},x"
        for k, (n, st, when) in enumerate(
            zip(
                niks,
                ["SUDAH", "belum", " Ya ", "TIDAK", "1"],
                ["15/03/2025", "15/03/2025", "", "", "2026-11-01"],
            ),
            start=1,
        )
    ]
    f = _file(tmp_path, "a.csv", body)
    r = reg.import_registry(any_ctx, f)
    assert (r.read, r.inserted, r.updated, r.unchanged, r.rejected) == (5, 5, 0, 0, 0)
    assert r.rejects_file is None
    assert spy == ([True] if any_ctx.db.kind == "sqlite" else [])
    assert entries(any_ctx) == {
        niks[0]: ("active", date(2025, 3, 15), "a.csv"),
        niks[1]: ("not_active", None, "a.csv"),  # a date on a not-active row is not kept
        niks[2]: ("active", None, "a.csv"),
        niks[3]: ("not_active", None, "a.csv"),
        niks[4]: ("active", date(2026, 11, 1), "a.csv"),
    }
    again = reg.import_registry(any_ctx, f)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    body[1] = f"2,{niks[1]},WARGA 2,BANDAR,SUDAH,16/03/2025,x"  # activated
    body[0] = f"1,{niks[0]},WARGA 1,BANDAR,SUDAH,14/03/2025,x"  # date corrected
    body.append(f"6,{N(11)},WARGA 6,BANDAR,BELUM,,x")
    g = _file(tmp_path, "b.csv", body)
    r3 = reg.import_registry(any_ctx, g)
    assert (r3.read, r3.inserted, r3.updated, r3.unchanged, r3.rejected) == (6, 1, 2, 3, 0)
    got = entries(any_ctx)
    assert got[niks[0]] == ("active", date(2025, 3, 14), "b.csv")
    assert got[niks[1]] == ("active", date(2025, 3, 16), "b.csv")
    assert got[niks[2]] == ("active", None, "a.csv")


@pytest.mark.parametrize(
    "bad,reason",
    [
        ("{n},WARGA,BANDAR,MUNGKIN,,x", "MUNGKIN"),  # unknown status word
        ("{n},WARGA,BANDAR,SUDAH,31/02/2025,x", "31/02/2025"),  # impossible date
        ("{n},WARGA,BANDAR,SUDAH,01/01/2027,x", "01/01/2027"),  # in the future
        ("{n},WARGA,BANDAR,,,x", "status"),  # empty status
    ],
)
def test_a_bad_status_or_date_goes_to_the_rejects_with_its_line(
    any_ctx: Context, tmp_path: Path, spy: list[bool], bad: str, reason: str
) -> None:
    body = [
        f"1,{N(1)},A,BANDAR,SUDAH,01/02/2025,x",
        f"2,{N(2)},B,BANDAR,BELUM,,x",
        "3," + bad.format(n=N(3)),
        f"4,{N(4)},D,BANDAR,BELUM,,x",
    ]
    r = reg.import_registry(any_ctx, _file(tmp_path, "c.csv", body), lang="en")
    assert (r.read, r.inserted, r.rejected) == (4, 3, 1)
    assert spy == ([False] if any_ctx.db.kind == "sqlite" else [])
    rej = rejects(r.rejects_file)  # type: ignore[arg-type]
    assert list(rej) == [4] and rej[4][1] == N(3) and reason in rej[4][4]
    assert set(entries(any_ctx)) == {N(1), N(2), N(4)}


def test_a_nik_twice_keeps_the_later_line(
    any_ctx: Context, tmp_path: Path, spy: list[bool]
) -> None:
    body = [
        f"1,{N(1)},A,BANDAR,BELUM,,x",
        f"2,{N(2)},B,BANDAR,BELUM,,x",
        f"3,{N(1)},A,BANDAR,SUDAH,02/02/2025,x",
    ]
    r = reg.import_registry(any_ctx, _file(tmp_path, "d.csv", body), lang="en")
    assert (r.read, r.inserted, r.rejected) == (3, 2, 1)
    # empty registry: the fastest path skips its own duplicate check, the primary key refuses
    # the NIK twice while writing (rolled back), and the general path reads the file again
    assert spy == ([True] if any_ctx.db.kind == "sqlite" else [])
    rej = rejects(r.rejects_file)  # type: ignore[arg-type]
    assert rej[2][4] == "the same NIK appears again on line 4; that later line is used"
    assert entries(any_ctx)[N(1)] == ("active", date(2025, 2, 2), "d.csv")
    with any_ctx.db.read() as s:  # the rolled-back attempt left no import record
        assert [i.source for i in s.execute(select(RegistryImport)).scalars()] == ["d.csv"]
    # a registry with rows: upserts, so the fastest path checks for a NIK twice itself
    body2 = [f"1,{N(3)},C,BANDAR,BELUM,,x", f"2,{N(3)},C,BANDAR,SUDAH,03/03/2025,x"]
    r2 = reg.import_registry(any_ctx, _file(tmp_path, "d2.csv", body2), lang="en")
    assert (r2.read, r2.inserted, r2.rejected) == (2, 1, 1)
    assert spy[1:] == ([False] if any_ctx.db.kind == "sqlite" else [])
    assert entries(any_ctx)[N(3)] == ("active", date(2025, 3, 3), "d2.csv")


def test_other_layouts_use_the_general_path_with_the_same_result(
    any_ctx: Context, tmp_path: Path, spy: list[bool]
) -> None:
    # date before status (not adjacent in NIK, status, date order); a file without dates
    f1 = tmp_path / "e.csv"
    f1.write_text(f"TGL AKTIVASI;NIK;STATUS\n03/03/2025;{N(1)};SUDAH\n;{N(2)};BELUM\n")
    r1 = reg.import_registry(any_ctx, f1)
    assert (r1.inserted, r1.rejected) == (2, 0)
    f2 = tmp_path / "f.csv"
    f2.write_text(f"NIK\tSTATUS IKD\n{N(3)}\tSUDAH\n{N(4)}\tBELUM\n")
    r2 = reg.import_registry(any_ctx, f2)
    assert (r2.inserted, r2.rejected) == (2, 0)
    assert spy == ([True] if any_ctx.db.kind == "sqlite" else [])  # only f2: status, no date
    assert entries(any_ctx) == {
        N(1): ("active", date(2025, 3, 3), "e.csv"),
        N(2): ("not_active", None, "e.csv"),
        N(3): ("active", None, "f.csv"),
        N(4): ("not_active", None, "f.csv"),
    }


def test_an_invalid_nik_line_skips_the_fast_path(
    any_ctx: Context, tmp_path: Path, spy: list[bool]
) -> None:
    body = [f"1,{N(1)},A,BANDAR,BELUM,,x", f"2,{N(2)[:12]}0000,B,BANDAR,BELUM,,x"]
    r = reg.import_registry(any_ctx, _file(tmp_path, "g.csv", body), lang="en")
    assert (r.read, r.inserted, r.rejected) == (2, 1, 1)
    assert spy == []  # the reader's pattern did not fit every line
    assert "0000" in rejects(r.rejects_file)[3][4]  # type: ignore[arg-type]
