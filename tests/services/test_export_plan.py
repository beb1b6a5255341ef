"""plan(): the one place an export's route is chosen (writer, phases, items), checked from its
inputs; Plan.check refuses a route that cannot run a request."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter.services import export
from counter.services.context import Context
from counter.services.export import Facts, Items, Plan, Writer
from tests.helpers.export import NIKS, people, visit

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


def _private_uses(path: Path) -> list[str]:
    """Private names of counter.services.export (or its modules) that ``path`` reaches."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = "counter.services.export"
    bound: set[str] = set()  # local names bound to the package or one of its modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if node.module == "counter.services" and a.name == "export":
                    bound.add(a.asname or a.name)
                elif node.module == package or node.module.startswith(package + "."):
                    if a.name.startswith("_"):
                        found.append(f"{node.module}.{a.name}")
                    elif node.module == package and not a.name[0].isupper():
                        bound.add(a.asname or a.name)  # a module (or a function: harmless)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"counter\.services\.export(\.\w+)*\._", node.value):
                found.append(node.value)  # monkeypatch.setattr("counter.services.export._x", ..)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound and not node.attr.startswith("__"):
                found.append(f"{root.id}.{node.attr}")
    return found


def test_no_test_or_bench_reaches_a_private_name_of_the_export_package(tmp_path: Path) -> None:
    root = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").exists())
    files = [*root.joinpath("tests").rglob("*.py"), *root.joinpath("bench").rglob("*.py")]
    files.remove(Path(__file__).resolve())  # this file names private names, as probes
    reached = {str(p.relative_to(root)): u for p in files if (u := _private_uses(p))}
    assert reached == {}
    # the check sees them: a test reaching a private name would fail
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from counter.services import export\n"
        "from counter.services.export.items import _sqlite_from_side_file\n"
        "export.csv_sql._fix_times\n"
        "setattr_target = 'counter.services.export.plan._x'\n",
        encoding="utf-8",
    )
    assert sorted(_private_uses(probe)) == [
        "counter.services.export.items._sqlite_from_side_file",
        "counter.services.export.plan._x",
        "export._fix_times",
    ]
