"""Registry import into an empty SQLite registry: the second half of a large CSV is matched,
packed and sorted by a forked child. Same entries as one process alone; a bad row, a NIK twice
across the halves or a child that dies all end in the right result (the general path where a
row needs a reason, with its line number)."""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from counter.domain import nik as nikmod
from counter.services import registry as reg
from counter.services.context import Context
from tests.helpers.registry import entries, rejects

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")

ROWS = 3000


def N(i: int) -> str:
    return nikmod.compose(
        f"3325{1 + i % 15:02d}",
        date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        "F" if i % 2 else "M",
        1 + i // 500,
    )


@pytest.fixture
def two(make_ctx: Any) -> tuple[Context, Context]:
    return make_ctx(name="forked.db"), make_ctx(name="alone.db")


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Small files take the two-process route too; one entry per call: keys came back."""
    monkeypatch.setattr(reg, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # other tests' threads: no matter
    calls: list[bool] = []
    real = reg._keys_in_two_processes

    def spy(*a: Any) -> Any:
        out = real(*a)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(reg, "_keys_in_two_processes", spy)
    return calls


def _csv(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "ikd.csv"
    head = "NO,NIK,NAMA LENGKAP,KECAMATAN,STATUS IKD,TGL AKTIVASI"
    p.write_bytes(("\r\n".join([head, *lines]) + "\r\n").encode())
    return p


def _lines() -> list[str]:
    return [
        f"{i},{N(i)},WARGA {i},BANDAR,{'SUDAH' if i % 7 == 0 else 'BELUM'},"
        f"{f'{1 + i % 28:02d}/03/2025' if i % 7 == 0 else ''}"
        for i in range(ROWS)
    ]


def test_same_entries_as_one_process(
    two: tuple[Context, Context],
    tmp_path: Path,
    forked: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    f = _csv(tmp_path, _lines())
    ra = reg.import_registry(two[0], f)
    assert forked == [True]
    monkeypatch.setattr(reg, "PARALLEL_MIN_BYTES", 1 << 40)  # one process
    rb = reg.import_registry(two[1], f)
    assert forked == [True, False]
    assert (
        (ra.read, ra.inserted, ra.rejected)
        == (rb.read, rb.inserted, rb.rejected)
        == (ROWS, ROWS, 0)
    )
    got = entries(two[0])
    assert got == entries(two[1]) and len(got) == ROWS
    assert got[N(7)] == ("active", date(2025, 3, 8), "ikd.csv")
    assert got[N(ROWS - 1)][0] == "not_active"
    # a registry with rows: upserts check for a NIK twice in one process, no child
    again = reg.import_registry(two[0], f)
    assert (again.inserted, again.unchanged) == (0, ROWS) and len(forked) == 2


def test_bad_status_in_the_childs_half_goes_to_the_rejects(
    two: tuple[Context, Context], tmp_path: Path, forked: list[bool]
) -> None:
    lines = _lines()
    lines[ROWS - 10] = f"{ROWS - 10},{N(ROWS - 10)},X,BANDAR,MUNGKIN,"
    r = reg.import_registry(two[0], _csv(tmp_path, lines), lang="en")
    assert forked == [False]  # the child said: this file needs the general path
    assert (r.read, r.inserted, r.rejected) == (ROWS, ROWS - 1, 1)
    rej = rejects(r.rejects_file)  # type: ignore[arg-type]
    assert list(rej) == [ROWS - 10 + 2]  # header is line 1
    assert "MUNGKIN" in rej[ROWS - 10 + 2][2]


def test_a_nik_in_both_halves_is_caught_by_the_key(
    two: tuple[Context, Context], tmp_path: Path, forked: list[bool]
) -> None:
    lines = _lines()
    lines[ROWS - 5] = f"{ROWS - 5},{N(3)},X,BANDAR,SUDAH,01/02/2025"  # N(3) is in the first half
    r = reg.import_registry(two[0], _csv(tmp_path, lines), lang="en")
    assert forked[0] is True  # each half alone was clean; the primary key refused the write
    assert (r.read, r.inserted, r.rejected) == (ROWS, ROWS - 1, 1)
    assert entries(two[0])[N(3)] == ("active", date(2025, 2, 1), "ikd.csv")  # the later line
    assert N(ROWS - 5) not in entries(two[0])


def test_a_child_that_dies_changes_nothing(
    two: tuple[Context, Context],
    tmp_path: Path,
    forked: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    real = reg._keys

    def dying(*a: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)
        return real(*a)

    monkeypatch.setattr(reg, "_keys", dying)
    f = _csv(tmp_path, _lines())
    r = reg.import_registry(two[0], f)
    assert forked == [False]  # the parent read the file alone
    assert (r.read, r.inserted, r.rejected) == (ROWS, ROWS, 0) and len(entries(two[0])) == ROWS
