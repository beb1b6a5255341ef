"""The desa column through every path of the registry import: the fastest path (one process and
two), the general path (quoted cells), a desa column elsewhere (read once more), XLSX, and an
upsert. Same desa per NIK and same stored totals everywhere, equal to the plain GROUP BY."""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from counter.domain import nik as nikmod
from counter.domain import places, regions
from counter.services import coverage as cov
from counter.services import registry as reg
from counter.services.context import Context

ROWS = 3000
KEC = places.kecamatan_numbers()
VILLAGES = {kk: regions.villages(f"3325{kk:02d}") for kk in KEC}


def N(i: int) -> str:
    return nikmod.compose(
        f"3325{KEC[i % 15]:02d}",
        date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        "F" if i % 2 else "M",
        1 + i // 500,
    )


def row(i: int) -> tuple[str, str, str, str]:
    kk = KEC[i % 15]
    v = VILLAGES[kk][i % len(VILLAGES[kk])]
    # names (with prefixes and case), full and short codes, some empty cells
    desa = [v.name, "Desa " + v.name.upper(), v.code, v.code.replace(".", "")[4:], ""][i % 5]
    active = i % 7 == 0
    return N(i), desa, "SUDAH" if active else "BELUM", f"{1 + i % 28:02d}/03/2025" if active else ""


def expected_desa(i: int) -> int | None:
    if i % 5 == 4:
        return None
    kk = KEC[i % 15]
    return places.desa_int(VILLAGES[kk][i % len(VILLAGES[kk])].code)


def write_csv(path: Path, layout: str = "before", quote: bool = False) -> Path:
    out = []
    for i in range(ROWS):
        n, d, s, w = row(i)
        name = f'"WARGA {i}"' if quote else f"WARGA {i}"
        out.append(
            f"{i},{n},{name},{d},{s},{w}" if layout == "before" else f"{i},{n},{name},{s},{w},{d}"
        )
    head = (
        "NO,NIK,NAMA,KELURAHAN,STATUS IKD,TGL AKTIVASI"
        if layout == "before"
        else "NO,NIK,NAMA,STATUS IKD,TGL AKTIVASI,DESA/KEL"
    )
    path.write_text("\r\n".join([head, *out]) + "\r\n", encoding="utf-8")
    return path


def write_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ekstrak IKD"])
    ws.append(["NIK", "NAMA", "DESA", "STATUS IKD", "TGL AKTIVASI"])
    for i in range(ROWS):
        n, d, s, w = row(i)
        ws.append([n, f"WARGA {i}", d, s, w])
    wb.save(path)
    return path


def desa_of(ctx: Context) -> dict[str, int | None]:
    with ctx.db.read() as s:
        return {n: d for n, d in s.execute(text("SELECT nik, desa FROM registry_entry"))}


def check(ctx: Context, res: reg.ImportResult) -> None:
    got = desa_of(ctx)
    assert got == {N(i): expected_desa(i) for i in range(ROWS)}
    assert res.desa is not None and res.desa["unmatched"] == {}
    assert res.desa["empty"] == ROWS // 5 and res.desa["matched"] == ROWS - ROWS // 5
    for by in ("kecamatan", "desa"):
        assert cov.coverage(ctx, by).rows == cov.coverage(ctx, by, plain=True).rows
    d = cov.coverage(ctx, "desa")
    assert d.without_desa == ROWS // 5 and d.residents == ROWS


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_fastest_path_in_two_processes(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reg, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    calls: list[bool] = []
    real = reg._keys_in_two_processes

    def spy(*a: Any) -> Any:
        out = real(*a)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(reg, "_keys_in_two_processes", spy)
    check(ctx, reg.import_registry(ctx, write_csv(tmp_path / "a.csv")))
    assert calls == [True]


@pytest.mark.parametrize("how", ["one_process", "quoted", "desa_last", "xlsx", "upsert"])
def test_every_path_gives_the_same_desa(
    ctx: Context, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reg, "PARALLEL_MIN_BYTES", 1 << 40)
    if how == "xlsx":
        f = write_xlsx(tmp_path / "a.xlsx")
    else:
        f = write_csv(
            tmp_path / "a.csv", "last" if how == "desa_last" else "before", quote=how == "quoted"
        )
    if how == "upsert":  # a registry with rows and other desa first
        reg.import_registry(ctx, write_csv(tmp_path / "old.csv", "last"))
        with ctx.db.write() as s:
            s.execute(text("UPDATE registry_entry SET desa = 12001"))
    check(ctx, reg.import_registry(ctx, f))


def test_extract_without_a_desa_keeps_earlier_desa(ctx: Context, tmp_path: Path) -> None:
    reg.import_registry(ctx, write_csv(tmp_path / "a.csv"))
    f = tmp_path / "b.csv"
    f.write_text("NIK;STATUS\n" + "".join(f"{N(i)};SUDAH\n" for i in range(ROWS)), "utf-8")
    res = reg.import_registry(ctx, f)
    assert res.desa is None
    assert desa_of(ctx) == {N(i): expected_desa(i) for i in range(ROWS)}
    d = cov.coverage(ctx, "desa")
    assert d.rows == cov.coverage(ctx, "desa", plain=True).rows
    assert d.active == ROWS and all(r.change is not None for r in d.rows)
