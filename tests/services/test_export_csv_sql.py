"""The CSV writers give the same bytes: csv_plain (the reference), csv_fast (its loop inlined)
and csv_sql (SQLite computes the cells); each route records the same items."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from counter.services import export
from counter.services.context import Context
from counter.services.export import Writer, csv_sql
from tests.helpers.export import NIKS, people, read_csv, visit

PAYLOADS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", 'a "quoted"; b, c\nd', ""]


def _export_each_way(
    ctx: Context, sup: Any, folder: Path, d1: date, d2: date
) -> dict[Writer, export.ExportResult]:
    """The same CSV export by each writer: the planned SQL route, the inlined Python copy on
    the same route, and the plain reference route."""
    req = export.request("range", d1, d2, "csv", ",")
    facts = export.survey(ctx, req)
    sql = export.plan(req, facts)
    assert sql.writer is Writer.CSV_SQL and sql.window is not None
    routes = {
        Writer.CSV_SQL: sql,
        Writer.CSV_FAST: replace(sql, writer=Writer.CSV_FAST, window=None),
        Writer.CSV_PLAIN: export.plan(req, facts, fast=False),
    }
    assert routes[Writer.CSV_PLAIN].writer is Writer.CSV_PLAIN
    return {
        w: export.run(ctx, sup, req, route, folder / f"{w.value}.csv")
        for w, route in routes.items()
    }


def _assert_equal(ctx: Context, results: dict[Writer, export.ExportResult]) -> Path:
    """Same file bytes, recap, counts and items whatever the writer; the file's path."""
    sql = results[Writer.CSV_SQL]
    assert sql.path is not None and sql.recap_path is not None and sql.batch_id is not None
    for w, other in results.items():
        assert other.path is not None and other.recap_path is not None, w
        assert other.path.read_bytes() == sql.path.read_bytes(), w
        assert other.recap_path.read_bytes() == sql.recap_path.read_bytes(), w
        assert (other.rows, other.corrections) == (sql.rows, sql.corrections), w
        assert other.batch_id is not None
        items = export.batch_items(ctx, other.batch_id)
        assert items == export.batch_items(ctx, sql.batch_id), w
    return sql.path


def test_sql_cells_match_the_python_paths(ctx: Context, clock, tmp_path: Path) -> None:  # noqa: ANN001
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
    first = export.export_visits(ctx, sup, "date", date_from=day, fmt="csv", out=tmp_path / "1.csv")
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
                "in_batang = 0, office_code = '=X', phone = '+6281234', "
                "consent_contact = 1 WHERE id = :i"
            ),
            {"i": ids[3]},
        )
        s.execute(
            text("UPDATE visit SET phone = '+62-81', consent_contact = 1 WHERE id = :i"),
            {"i": ids[4]},
        )
    results = _export_each_way(ctx, sup, tmp_path, day - timedelta(days=1), day)
    assert results[Writer.CSV_SQL].corrections == 1
    _, rows = read_csv(_assert_equal(ctx, results), ",")
    assert len(rows) == len(PAYLOADS)
    by_id = {r[0]: r for r in rows}
    assert by_id[ids[0]][14] == "'-koreksi" and by_id[ids[0]][16] == "Ya"
    assert by_id[ids[2]][6] == "06:59:59"  # 2027-03-01 23:59:59 UTC is 06:59:59 in Jakarta
    assert by_id[ids[3]][1] == "'=X"
    assert by_id[ids[3]][15] == "+6281234" and by_id[ids[4]][15] == "'+62-81"
    assert by_id[ids[1]][15] == "081234567890" and by_id[ids[5]][15] == ""


def test_zone_with_dst_takes_the_python_writer() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    lo = datetime(2026, 1, 1, tzinfo=UTC)
    jakarta, berlin = ZoneInfo("Asia/Jakarta"), ZoneInfo("Europe/Berlin")
    assert csv_sql.fixed_offset(jakarta, lo, lo + timedelta(days=400)) == timedelta(hours=7)
    assert csv_sql.fixed_offset(berlin, lo, lo + timedelta(days=200)) is None
    assert csv_sql.fixed_offset(berlin, lo, lo + timedelta(days=30)) == timedelta(hours=1)
    # the plan: a range across Berlin's DST change is written in Python, a winter week in SQL
    req = export.request("range", date(2026, 3, 1), date(2026, 4, 30), "csv")
    facts = export.Facts("sqlite", berlin, 10, req.date_from, req.date_to)
    assert export.plan(req, facts).writer is Writer.CSV_FAST
    winter = export.request("range", date(2026, 1, 5), date(2026, 1, 11), "csv")
    facts = export.Facts("sqlite", berlin, 10, winter.date_from, winter.date_to)
    assert export.plan(winter, facts).writer is Writer.CSV_SQL


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Jayapura", "Asia/Kolkata", "UTC"])
def test_sql_times_match_the_python_paths_across_midnight(
    tmp_path: Path, zone: str, make_ctx: Any
) -> None:
    """Whole-hour zones take the hour from a lookup string, others SQLite's time(): both give
    the Python paths' bytes, also for visits whose local time crosses midnight."""
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
    results = _export_each_way(ctx, sup, tmp_path, date(2026, 11, 25), date(2026, 11, 28))
    assert results[Writer.CSV_SQL].rows == 8
    _, rows = read_csv(_assert_equal(ctx, results), ",")
    assert rows[0][5] == "23:00:00"  # the first start, local
    assert {r[4] for r in rows} == {"2026-11-26", "2026-11-27"}  # two local days
