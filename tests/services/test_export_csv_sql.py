"""The SQLite CSV fast path (cells computed in SQL) writes the same bytes as the Python path."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from counter.services import export
from counter.services.context import Context
from tests.helpers.export import NIKS, people, read_csv, visit

PAYLOADS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", 'a "quoted"; b, c\nd', ""]


def _export(ctx: Context, sup: Any, out: Path, d1: date, d2: date) -> export.ExportResult:
    return export.export_visits(
        ctx, sup, "range", date_from=d1, date_to=d2, fmt="csv", delimiter=",", out=out
    )


def test_sql_cells_match_the_python_path(
    ctx: Context, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    off, sup = people(ctx)
    ids = []
    for i, p in enumerate(PAYLOADS):
        ids.append(
            visit(
                ctx,
                clock,
                off,
                NIKS[i % 4],
                "FAILED" if i % 2 else "ACTIVATED",
                reason=p or "x",
                note=p or None,
                phone="081234567890" if i % 2 else None,
                consent=bool(i % 2),
            )
        )
    day = ctx.today()
    first = _export(ctx, sup, tmp_path / "first.csv", day, day)
    assert first.rows == len(PAYLOADS)
    with ctx.db.write() as s:
        # a correction after the export; an officer-less row; an unknown kecamatan; a visit
        # that ended far outside the SQL time window (converted in Python); a fraction of a
        # second that must be cut, not rounded; no handling time
        s.execute(
            text("UPDATE visit SET revision = revision + 1, note = '-koreksi' WHERE id = :i"),
            {"i": ids[0]},
        )
        s.execute(
            text(
                "UPDATE visit SET district_code = '3325zz', handling_seconds = NULL WHERE id = :i"
            ),
            {"i": ids[1]},
        )
        s.execute(
            text("UPDATE visit SET ended_at = '2027-03-01 23:59:59.999999' WHERE id = :i"),
            {"i": ids[2]},
        )
        s.execute(text("UPDATE visit SET consent_contact = 0 WHERE id = :i"), {"i": ids[5]})
        s.execute(text("UPDATE visit SET phone = '' WHERE id = :i"), {"i": ids[7]})
        s.execute(
            text(
                "UPDATE visit SET started_at = substr(started_at, 1, 19) || '.999999', "
                "in_batang = 0, office_code = '=X' WHERE id = :i"
            ),
            {"i": ids[3]},
        )
    used = []
    real = export._write_csv_sql

    def spy(*a: Any) -> None:
        used.append(True)
        real(*a)

    monkeypatch.setattr(export, "_write_csv_sql", spy)
    fast = _export(ctx, sup, tmp_path / "fast.csv", day - timedelta(days=1), day)
    assert used == [True]
    monkeypatch.setattr(export, "_fixed_offset", lambda *a: None)  # forces the Python path
    slow = _export(ctx, sup, tmp_path / "slow.csv", day - timedelta(days=1), day)
    assert used == [True]
    assert fast.path.read_bytes() == slow.path.read_bytes()
    assert fast.recap_path.read_bytes() == slow.recap_path.read_bytes()
    assert (fast.rows, fast.corrections) == (slow.rows, slow.corrections) == (len(PAYLOADS), 1)
    assert export.batch_items(ctx, fast.batch_id) == export.batch_items(ctx, slow.batch_id)
    _, rows = read_csv(fast.path, ",")
    by_id = {r[0]: r for r in rows}
    assert by_id[ids[0]][14] == "'-koreksi" and by_id[ids[0]][16] == "Ya"
    assert by_id[ids[2]][6] == "06:59:59"  # 2027-03-01 23:59:59 UTC is 06:59:59 in Jakarta
    assert by_id[ids[3]][1] == "'=X"
    assert by_id[ids[1]][15] == "081234567890" and by_id[ids[5]][15] == ""


def test_zone_with_dst_uses_the_python_path() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    lo = datetime(2026, 1, 1, tzinfo=UTC)
    assert export._fixed_offset(
        ZoneInfo("Asia/Jakarta"), lo, lo + timedelta(days=400)
    ) == timedelta(hours=7)
    assert export._fixed_offset(ZoneInfo("Europe/Berlin"), lo, lo + timedelta(days=200)) is None
    assert export._fixed_offset(
        ZoneInfo("Europe/Berlin"), lo, lo + timedelta(days=30)
    ) == timedelta(hours=1)


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Jayapura", "Asia/Kolkata", "UTC"])
def test_sql_times_match_the_python_path_across_midnight(
    tmp_path: Path, zone: str, make_ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-hour zones take the hour from a lookup string, others SQLite's time(): both give
    the Python path's bytes, also for visits whose local time crosses midnight."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import FixedClock

    start = (datetime(2026, 11, 27, tzinfo=ZoneInfo(zone)) - timedelta(hours=1)).astimezone(UTC)
    clock = FixedClock(start)
    ctx = make_ctx({"database.timezone": zone}, clock_=clock)
    off, sup = people(ctx)
    for i in range(8):  # 23:00 local onwards, ~20 minutes apart: local midnight in between
        visit(ctx, clock, off, NIKS[i % 4], seconds=600 + 7 * i)
        clock.advance(seconds=570)
    d1, d2 = date(2026, 11, 25), date(2026, 11, 28)
    fast = _export(ctx, sup, tmp_path / "fast.csv", d1, d2)
    monkeypatch.setattr(export, "_fixed_offset", lambda *a: None)
    slow = _export(ctx, sup, tmp_path / "slow.csv", d1, d2)
    assert fast.rows == slow.rows == 8
    assert fast.path.read_bytes() == slow.path.read_bytes()
    _, rows = read_csv(fast.path, ",")
    assert rows[0][5] == "23:00:00"  # the first start, local
    assert {r[4] for r in rows} == {"2026-11-26", "2026-11-27"}  # two local days
