"""Benchmark: importing an outreach bundle of 5,000 visits with their events (issue 7).

* A laptop database gets 5,000 visits with their step events (``seed_demo``, events on).
* ``bundle export`` writes them to one file (time, size).
* ``bundle import`` into a fresh office database: the first import (everything new) is timed;
  then the same file again (already imported: nothing to write) must take a small fraction of it.
* A re-export of the same visits (a different file, so not recognised by its checksum) is merged
  too: every visit and event is found present and nothing is written.
* The same first/second import on PostgreSQL when one answers at IKD_TEST_PG.

Usage: .venv/bin/python bench/bench_bundles.py [--visits 5000]
Prints markdown rows ``| what | measured | goal | ok? |`` and writes bench/results/bundles.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from counter.config import load_settings  # noqa: E402
from counter.services import bundle_key, bundles  # noqa: E402
from counter.services.context import Context, make_context  # noqa: E402
from counter.store.models import Visit, VisitEvent  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
RESULTS = ROOT / "bench" / "results" / "bundles.md"
PG_BASE = os.environ.get("IKD_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


def ctx_for(url: str, workdir: Path) -> Context:
    s = load_settings(
        workdir / "none.toml",
        env={},
        overrides={"database.url": url, "paths.data": str(workdir / "data")},
    )
    return make_context(s, clock=Clock())


def counts(ctx: Context) -> tuple[int, int]:
    with ctx.db.read() as s:
        return (
            int(s.exec(select(func.count()).select_from(Visit)).one()),
            int(s.exec(select(func.count()).select_from(VisitEvent)).one()),
        )


def timed(fn, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN201
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def pg_schema() -> tuple[str, str] | None:
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(
            PG_BASE.replace("+psycopg", ""), autocommit=True, connect_timeout=3
        ) as c:
            c.execute(f"CREATE SCHEMA {schema}")
        return schema, f"{PG_BASE}?options=-csearch_path%3D{schema}"
    except Exception:  # noqa: BLE001 - no PostgreSQL: those rows are left out
        return None


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE.replace("+psycopg", ""), autocommit=True) as c:
        c.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visits", type=int, default=5000)
    args = ap.parse_args()
    from counter.services.seed import seed_demo

    rows: list[str] = []

    def row(what: str, measured: str, goal: str = "-", ok: str = "-") -> None:
        line = f"| {what} | {measured} | {goal} | {ok} |"
        rows.append(line)
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-bundles-") as tmp:
        work = Path(tmp)
        laptop = ctx_for(str(work / "laptop.db"), work)
        _, t_seed = timed(
            seed_demo, laptop, registry=0, visits=args.visits, days=10, seed=7, events=True
        )
        n_visits, n_events = counts(laptop)
        print(
            f"laptop: {n_visits} visits, {n_events} events (seeded in {t_seed:.1f} s)", flush=True
        )
        key = bundle_key.ensure(laptop)  # the office's key, as copied to the laptop
        out = work / "laptop.ikdb"
        res, t_export = timed(bundles.export_bundle, laptop, out)
        size = out.stat().st_size
        row(
            f"export {res.visits:,} visits + {res.events:,} events to one bundle",
            f"{t_export:.2f} s, {size / 1e6:.2f} MB",
            "-",
            "-",
        )
        _, t_read = timed(bundles.read_bundle, out, key)
        row(
            "read + verify the bundle (signature, bounded gunzip, every record checked)",
            f"{t_read:.2f} s",
        )

        office = ctx_for(str(work / "office.db"), work)
        bundle_key.install(office, key)
        first, t1 = timed(bundles.import_bundle, office, out)
        ok_counts = counts(office) == (n_visits, n_events)
        row(
            f"first import into SQLite ({first.new_visits:,} new visits, "
            f"{first.events_added:,} events)",
            f"{t1:.2f} s",
            "< 30 s; all rows present",
            "ok" if t1 < 30 and ok_counts else "NO",
        )
        second, t2 = timed(bundles.import_bundle, office, out)
        ratio = t2 / t1
        row(
            "same bundle again (already imported, nothing written)",
            f"{t2:.2f} s ({ratio:.0%} of the first)",
            "< 20% of the first",
            "ok" if second.already_imported and ratio < 0.2 else "NO",
        )
        laptop.clock.now += timedelta(seconds=1)  # type: ignore[attr-defined]
        out2 = work / "again.ikdb"
        bundles.export_bundle(laptop, out2)
        third, t3 = timed(bundles.import_bundle, office, out2)
        row(
            "re-export of the same visits merged (all present, nothing new)",
            f"{t3:.2f} s ({t3 / t1:.0%} of the first)",
            "nothing changed",
            "ok" if not third.changed_anything and counts(office) == (n_visits, n_events) else "NO",
        )
        laptop.db.dispose()
        office.db.dispose()

        pg = pg_schema()
        if pg:
            schema, url = pg
            try:
                pctx = ctx_for(url, work)
                bundle_key.install(pctx, key)
                p1, tp1 = timed(bundles.import_bundle, pctx, out)
                ok = counts(pctx) == (n_visits, n_events)
                row(
                    "first import into PostgreSQL",
                    f"{tp1:.2f} s",
                    "< 30 s; all rows present",
                    "ok" if tp1 < 30 and ok else "NO",
                )
                p2, tp2 = timed(bundles.import_bundle, pctx, out)
                row(
                    "same bundle again on PostgreSQL",
                    f"{tp2:.2f} s ({tp2 / tp1:.0%})",
                    "< 20% of the first",
                    "ok" if p2.already_imported and tp2 / tp1 < 0.2 else "NO",
                )
                pctx.db.dispose()
            finally:
                drop_schema(schema)
        else:
            print("PostgreSQL not reachable: PostgreSQL rows left out", flush=True)

    head = [
        "# Benchmark: outreach bundles (issue 7)",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}. Bundle: {n_visits:,} visits with {n_events:,} "
        f"step events (seed_demo, 10 days, 3 officers), {size / 1e6:.2f} MB.",
        "",
        "| what | measured | goal | ok? |",
        "|---|---|---|---|",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(head + rows) + "\n", encoding="utf-8")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
