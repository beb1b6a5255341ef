"""Benchmark: ``report`` for one day in a database holding 1,000,000 visits (issue 5).

* The 1M-visit SQLite database (about four years of three counters, ``seed_demo`` with bulk
  inserts, no step events) is cached under bench/out/ so reruns are quick.
* The same day's visits are copied into a database holding only that day.
* ``services.report.summary`` (the function behind ``ikd-counter report --date D``) is timed on
  both (median of N warm calls, the databases taking turns), on the 1M database twice: as
  seed-demo leaves it (no day closed: the target's running ACTIVATED count comes from the
  running-count cache) and with every earlier day closed through ``dayclose.close_day`` (closed
  days anchor the count). Goal: < 100 ms and within 2x of the one-day database. The first call
  after the cache is dropped (a full count) is shown too.
* Also: the day's report numbers are identical on all databases except the target's running
  total; the query plans use the Visit.day indexes; the CLI end to end (process start included).
* Finally the report of the test fixture day (tests/supervisor_fixture.py), for the closing note.

Usage: .venv/bin/python bench/bench_report.py [--visits 1000000] [--days 1460] [--reps 30]
Prints markdown rows ``| what | measured | goal | ok? |`` and writes bench/results/report.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from counter.config import load_settings  # noqa: E402
from counter.services import accounts, dayclose, report  # noqa: E402
from counter.services.context import Context, make_context  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 16:00 Jakarta: the counters have closed
DAY = date(2026, 11, 26)  # the last full day before "today"
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results" / "report.md"


def ctx_for(path: Path, workdir: Path) -> Context:
    s = load_settings(
        workdir / "none.toml",
        env={},
        overrides={"database.url": str(path), "paths.data": str(workdir / "data")},
    )
    return make_context(s, clock=lambda: NOW)


def build_big(path: Path, visits: int, days: int, workdir: Path) -> float:
    from counter.services.seed import seed_demo

    tmp = path.with_suffix(".building")
    for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    ctx = ctx_for(tmp, workdir)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  seeding {done:,}/{total:,}", file=sys.stderr, flush=True)

    seed_demo(ctx, registry=0, visits=visits, days=days, seed=5, events=False, progress=progress)
    with ctx.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("ANALYZE")
    ctx.db.dispose()
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    return time.perf_counter() - t0


def build_day_only(big: Path, small: Path, workdir: Path) -> None:
    small.unlink(missing_ok=True)
    ctx = ctx_for(small, workdir)  # fresh schema through the migrations
    ctx.db.dispose()
    con = sqlite3.connect(small)
    con.execute("ATTACH DATABASE ? AS big", (str(big),))
    con.execute("INSERT INTO officer SELECT * FROM big.officer")
    con.execute("INSERT INTO visit SELECT * FROM big.visit WHERE day = ?", (DAY.isoformat(),))
    con.commit()
    con.execute("DETACH DATABASE big")
    con.execute("ANALYZE")
    con.close()


def build_closed(big: Path, closed: Path, workdir: Path) -> tuple[int, float]:
    """A copy of the big database with every day before DAY closed through the service."""
    tmp = closed.with_suffix(".building")
    src = sqlite3.connect(big)
    dst = sqlite3.connect(tmp)
    src.backup(dst)
    src.close()
    dst.close()
    ctx = ctx_for(tmp, workdir)
    kasi = accounts.get_officer(ctx, "kasi")
    assert kasi is not None
    with ctx.db.engine.connect() as conn:
        days = [
            date.fromisoformat(str(r[0]))
            for r in conn.exec_driver_sql(
                "SELECT DISTINCT day FROM visit WHERE day < ? ORDER BY day", (DAY.isoformat(),)
            )
        ]
    t0 = time.perf_counter()
    for d in days:
        dayclose.close_day(ctx, d, kasi, backup=False)
    took = time.perf_counter() - t0
    with ctx.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.db.dispose()
    os.replace(tmp, closed)
    return len(days), took


def time_reports(
    paths: list[Path], workdir: Path, reps: int
) -> list[tuple[float, float, dict[str, Any], float]]:
    """Median and p95 (ms) of warm ``summary`` calls; the databases take turns call by call, so
    background load on the machine hits all of them alike."""
    ctxs = [ctx_for(p, workdir) for p in paths]
    js = []
    first = []
    for c in ctxs:
        t0 = time.perf_counter()
        report.summary(c, DAY)
        first.append((time.perf_counter() - t0) * 1000)
        for _ in range(3):
            j = report.summary(c, DAY).to_json()
        js.append(j)
    times: list[list[float]] = [[] for _ in ctxs]
    for _ in range(reps):
        for i, c in enumerate(ctxs):
            t0 = time.perf_counter()
            report.summary(c, DAY)
            times[i].append(time.perf_counter() - t0)
    out = []
    for c, ts, j, f in zip(ctxs, times, js, first, strict=True):
        c.db.dispose()
        ts.sort()
        out.append((statistics.median(ts) * 1000, ts[max(0, int(len(ts) * 0.95) - 1)] * 1000, j, f))
    return out


def drop_cache(path: Path) -> None:
    """Forget the running-count cache, so the first report counts from scratch."""
    con = sqlite3.connect(path)
    con.execute("DELETE FROM app_setting WHERE key = ?", (report.CACHE_KEY,))
    con.commit()
    con.close()


def plans(path: Path, workdir: Path) -> list[str]:
    """EXPLAIN QUERY PLAN of every statement ``summary`` really sends (captured from SQLAlchemy),
    with the cache validity checks forced (the cache row is dropped and rebuilt first)."""
    from sqlalchemy import event

    drop_cache(path)
    ctx = ctx_for(path, workdir)
    report.summary(ctx, DAY)  # rebuild the cache, so the next call takes the cached path
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(ctx.db.engine, "before_cursor_execute", grab)
    report.summary(ctx, DAY)
    event.remove(ctx.db.engine, "before_cursor_execute", grab)
    ctx.db.dispose()
    con = sqlite3.connect(path)
    out = []
    for sql, params in seen:
        rows = con.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        first = " ".join(sql.split())[:70]
        out.append(f"`{first}…` → " + " / ".join(str(r[-1]) for r in rows))
    con.close()
    return out


def cli_time(path: Path) -> float:
    env = dict(os.environ, IKD_COUNTER_CONFIG=str(path.parent / "none.toml"))
    cmd = [
        str(ROOT / ".venv" / "bin" / "ikd-counter"),
        "--db",
        str(path),
        "report",
        "--date",
        DAY.isoformat(),
        "--json",
    ]
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def fixture_day_report() -> dict[str, Any]:
    from tests.conftest import T0, FixedClock
    from tests.helpers.supervisor import DAY as FDAY
    from tests.helpers.supervisor import build

    with tempfile.TemporaryDirectory() as d:
        s = load_settings(
            Path(d) / "none.toml",
            env={},
            overrides={"database.url": str(Path(d) / "f.db"), "paths.data": str(Path(d) / "data")},
        )
        clock = FixedClock(T0)
        ctx = make_context(s, clock=clock)
        build(ctx, clock)
        j = report.summary(ctx, FDAY).to_json()
        ctx.db.dispose()
    return j


def strip_target(j: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in j.items() if k != "target"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visits", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=1460)
    ap.add_argument("--reps", type=int, default=50)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-report-"))
    tag = f"{args.visits}-{args.days}"
    big = OUT / f"report-{tag}.db"
    closed = OUT / f"report-{tag}-closed.db"
    small = OUT / f"report-{tag}-day.db"
    notes: list[str] = []
    if not big.exists():
        took = build_big(big, args.visits, args.days, workdir)
        notes.append(f"built {big.name} in {took:.0f} s")
        closed.unlink(missing_ok=True)
        small.unlink(missing_ok=True)
    if not closed.exists():
        n, took = build_closed(big, closed, workdir)
        notes.append(
            f"closed {n} days through dayclose.close_day in {took:.0f} s "
            f"({took / max(1, n) * 1000:.0f} ms per close, backup off)"
        )
    if not small.exists():
        build_day_only(big, small, workdir)

    con = sqlite3.connect(big)
    total = con.execute("SELECT count(*) FROM visit").fetchone()[0]
    first, last = con.execute("SELECT min(day), max(day) FROM visit").fetchone()
    con.close()

    for p in (big, closed, small):
        drop_cache(p)
    (
        (m_open, p_open, j_open, cold_open),
        (m_closed, p_closed, j_closed, cold_closed),
        (m_day, p_day, j_day, cold_day),
    ) = time_reports([big, closed, small], workdir, args.reps)
    cli_ms = cli_time(closed)
    cli_day_ms = cli_time(small)
    same = strip_target(j_open) == strip_target(j_closed) == strip_target(j_day)
    same_target = j_open["target"] == j_closed["target"]

    def ok(flag: bool) -> str:
        return "ok" if flag else "NO"

    rows = [
        "| what | measured | goal | ok? |",
        "|---|---|---|---|",
        f"| report {DAY} in a {total:,}-visit DB, earlier days closed (median of {args.reps}) "
        f"| {m_closed:.1f} ms (p95 {p_closed:.1f}) | < 100 ms | {ok(m_closed < 100)} |",
        f"| same report in a DB holding only that day ({j_day['visits']} visits) "
        f"| {m_day:.1f} ms (p95 {p_day:.1f}) | - | - |",
        f"| ratio 1M (days closed) / one-day DB | {m_closed / m_day:.2f}x | <= 2x "
        f"| {ok(m_closed / m_day <= 2)} |",
        f"| report {DAY} in the {total:,}-visit DB as seed-demo leaves it (no day closed), "
        f"running-count cache warm | {m_open:.1f} ms (p95 {p_open:.1f}) | < 100 ms "
        f"| {ok(m_open < 100)} |",
        f"| ratio 1M (no day closed, warm) / one-day DB | {m_open / m_day:.2f}x | <= 2x "
        f"| {ok(m_open / m_day <= 2)} |",
        f"| first report after the cache is dropped, 1M DB, no day closed (counts all "
        f"ACTIVATED visits once and leaves the cache) | {cold_open:.0f} ms | - | - |",
        f"| first report, 1M DB with earlier days closed / one-day DB | {cold_closed:.0f} ms / "
        f"{cold_day:.0f} ms | - | - |",
        f"| day figures identical on the three DBs (all keys but target) | {same} | True "
        f"| {ok(same)} |",
        f"| target identical with and without closed days "
        f"(activated_total {j_closed['target']['activated_total']:,}) | {same_target} | True "
        f"| {ok(same_target)} |",
        f"| `ikd-counter report --date {DAY} --json` end to end, 1M DB / one-day DB (best of 3, "
        f"process start and imports included) | {cli_ms:.0f} ms / {cli_day_ms:.0f} ms | - | - |",
    ]
    plan = plans(big, workdir)
    text = [
        "# Benchmark: supervisor report (issue 5)",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite "
        f"{sqlite3.sqlite_version}. DB: {total:,} visits from {first} to {last} "
        f"(seed_demo, events off), report day {DAY}.",
        "",
        *rows,
        "",
        "Query plans on the 1M DB of every statement the report sends (warm path, SQLite "
        "EXPLAIN QUERY PLAN):",
        "",
        *[f"- {p}" for p in plan],
        "",
    ]
    if notes:
        text += ["Set-up this run: " + "; ".join(notes) + ".", ""]
    fixture = fixture_day_report()
    text += [
        "## Report of the test fixture day (tests/supervisor_fixture.py, counted by hand)",
        "",
        "`ikd-counter report --date 2026-11-27 --json` on the fixture database:",
        "",
        "```json",
        json.dumps(fixture, indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    print("\n".join(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(text), encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nwritten {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
