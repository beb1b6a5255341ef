"""plan(): the one place an export's route is chosen (writer, phases, items), checked from its
inputs; Plan.check refuses a route that cannot run a request."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter.services import export
from counter.services.context import Context
from counter.services.export import Facts, Items, Plan, Writer
from tests._export_util import NIKS, people, visit

JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 27)
SMALL, LARGE = 1_000, export.LOCKED_MAX_ROWS + 1
BERLIN_DST = Facts("sqlite", BERLIN, SMALL, date(2026, 3, 1), date(2026, 4, 30))  # 29 March


def _facts(kind: str = "sqlite", rows: int = SMALL, tz: ZoneInfo = JAKARTA) -> Facts:
    return Facts(kind, tz, rows, DAY - timedelta(days=30), DAY)


@pytest.mark.parametrize(
    ("fmt", "facts", "fast", "expected"),
    [
        ("xlsx", _facts(), True, (Writer.XLSX, False, Items.SIDE_FILE)),
        ("xlsx", _facts(rows=LARGE), True, (Writer.XLSX, False, Items.SIDE_FILE)),
        ("xlsx", _facts("postgresql"), True, (Writer.XLSX, False, Items.CHECKED_SQL)),
        ("csv", _facts(), True, (Writer.CSV_SQL, True, Items.PARALLEL_SQL)),
        (
            "csv",
            _facts(rows=export.LOCKED_MAX_ROWS),
            True,
            (Writer.CSV_SQL, True, Items.PARALLEL_SQL),
        ),
        ("csv", _facts(rows=LARGE), True, (Writer.CSV_SQL, False, Items.SIDE_FILE)),
        ("csv", BERLIN_DST, True, (Writer.CSV_FAST, True, Items.PARALLEL_SQL)),
        ("csv", _facts("postgresql"), True, (Writer.CSV_FAST, False, Items.CHECKED_SQL)),
        ("csv", _facts(), False, (Writer.CSV_PLAIN, False, Items.SIDE_FILE)),
        ("csv", _facts("postgresql"), False, (Writer.CSV_PLAIN, False, Items.SIDE_FILE)),
    ],
)
def test_the_route_follows_from_the_inputs(
    fmt: str, facts: Facts, fast: bool, expected: tuple[Writer, bool, Items]
) -> None:
    req = export.request("range", DAY - timedelta(days=30), DAY, fmt)
    route = export.plan(req, facts, fast=fast)
    assert (route.writer, route.one_phase, route.items) == expected
    assert (route.window is not None) == (route.writer is Writer.CSV_SQL)
    route.check(req, facts.db_kind)  # every planned route is a valid one


def test_the_sql_window_covers_the_days_with_margin() -> None:
    req = export.request("date", DAY, fmt="csv")
    route = export.plan(req, Facts("sqlite", JAKARTA, 3, DAY, DAY))
    assert route.window is not None and route.window.offset == timedelta(hours=7)
    assert route.window.lo.date() == DAY - timedelta(days=2)
    assert route.window.hi.date() == DAY + timedelta(days=3)
    # since-last on an empty database: no days, so no window, and the Python writer
    empty = export.request("since_last", fmt="csv")
    assert export.plan(empty, Facts("sqlite", JAKARTA, 0, None, None)).writer is Writer.CSV_FAST


def test_check_refuses_a_route_that_cannot_run_the_request() -> None:
    csv, xlsx = export.request("date", DAY, fmt="csv"), export.request("date", DAY, fmt="xlsx")
    good = export.plan(csv, _facts())
    bad = [
        (xlsx, "sqlite", good),  # a CSV writer for an XLSX request
        (csv, "sqlite", Plan(Writer.XLSX, False, Items.SIDE_FILE)),
        (csv, "postgresql", good),  # SQL cells and one phase on PostgreSQL
        (csv, "sqlite", replace(good, window=None)),
        (csv, "sqlite", replace(good, one_phase=False)),  # parallel items need one phase
        (csv, "sqlite", replace(good, items=Items.SIDE_FILE)),
        (xlsx, "sqlite", Plan(Writer.XLSX, True, Items.PARALLEL_SQL)),
    ]
    for req, kind, route in bad:
        with pytest.raises(ValueError, match="export plan"):
            route.check(req, kind)


def test_survey_counts_the_range_and_finds_the_days(ctx: Context, clock, tmp_path: Path) -> None:  # noqa: ANN001
    off, sup = people(ctx)
    for n in NIKS[:3]:
        visit(ctx, clock, off, n)
    visit(ctx, clock, off, NIKS[3], finish=False)  # counted: an upper bound of the rows
    today = ctx.today()
    facts = export.survey(ctx, export.request("date", today, fmt="csv"))
    assert (facts.db_kind, facts.rows, facts.first_day, facts.last_day) == (
        "sqlite",
        4,
        today,
        today,
    )
    tomorrow = today + timedelta(days=1)
    assert export.survey(ctx, export.request("date", tomorrow, fmt="csv")).rows == 0
    since = export.survey(ctx, export.request("since_last", fmt="csv"))
    assert (since.rows, since.first_day, since.last_day) == (4, today, today)
    # what export_visits runs is the plan of these facts
    res = export.export_visits(ctx, sup, "date", date_from=today, fmt="csv", out=tmp_path)
    assert res.rows == 3 and res.batch_id is not None
