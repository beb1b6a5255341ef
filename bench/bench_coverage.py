"""Benchmark: coverage per kecamatan / desa and the plan on a 631,075-row registry, against a
plain ``GROUP BY`` over the same table in the same run, and the registry import before/after.

    .venv/bin/python bench/bench_coverage.py [--rows 631075] [--rounds 3] [--before REV]

* import: ``import_registry`` of the same CSV (bench_registry.make_csv: it has a KELURAHAN column)
  into a fresh SQLite database with this code, and with the code of ``--before`` (default: the
  merge base with main) extracted by ``git archive`` and run in a subprocess; alternating, best
  round of each by CPU time (this process plus the child it forks for the second half of the
  file, RUSAGE_CHILDREN; the machine is shared), ratio after/before (goal <= 1.10).
* coverage: ``services.coverage.coverage`` by kecamatan and by desa, and ``services.plan.plan``,
  best of ``--rounds``, against ``SELECT substr(nik,5,2), count(*), sum(..) FROM registry_entry
  GROUP BY 1`` (and ``GROUP BY desa``) on the same database; tracemalloc peak of each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = """
import sys, time, json
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from counter.config import load_settings
from counter.services.context import make_context
from counter.services.registry import import_registry
db = Path(sys.argv[3])
s = load_settings(db.parent / "none.toml", env={},
                  overrides={"database.url": str(db), "paths.data": str(db.parent / "data")})
ctx = make_context(s)
import resource
def kids():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime
c0, k0, t0 = time.process_time(), kids(), time.perf_counter()
import_registry(ctx, sys.argv[2])
print(json.dumps({"wall": time.perf_counter() - t0,
                  "cpu": time.process_time() - c0 + kids() - k0}))
"""


def _rm(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def time_import(code: Path, csv_path: Path, db: Path) -> tuple[float, float]:
    _rm(db)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(code), str(csv_path), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    d = json.loads(out.strip().splitlines()[-1])
    return d["wall"], d["cpu"]


def best(fn, rounds: int) -> tuple[float, int]:
    times, peak = [], 0
    for _ in range(rounds):
        tracemalloc.start()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return min(times), peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=631075)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", default=None)
    a = ap.parse_args()
    from bench_registry import make_csv

    work = Path(tempfile.mkdtemp(prefix="bench-cov-"))
    csv_path = work / "registry.csv"
    make_csv(csv_path, a.rows)
    before = (
        a.before
        or subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    old = work / "before"
    old.mkdir()
    subprocess.run(
        f"git -C {ROOT} archive {before} counter | tar -x -C {old}", shell=True, check=True
    )
    res: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    for _ in range(a.rounds):
        res["before"].append(time_import(old, csv_path, work / "before.db"))
        res["after"].append(time_import(ROOT, csv_path, work / "after.db"))
    b_cpu = min(c for _, c in res["before"])
    a_cpu = min(c for _, c in res["after"])
    b_wall = min(w for w, _ in res["before"])
    a_wall = min(w for w, _ in res["after"])

    from counter.config import load_settings
    from counter.services import coverage, plan
    from counter.services.context import make_context

    db = work / "after.db"
    s = load_settings(
        work / "none.toml",
        env={},
        overrides={"database.url": str(db), "paths.data": str(work / "data")},
    )
    ctx = make_context(s)
    raw = ctx.db.engine.raw_connection()

    def group_by(expr: str) -> None:
        raw.execute(
            f"SELECT {expr}, count(*), sum(ikd_status = 'active') FROM registry_entry "
            f"GROUP BY {expr}"
        ).fetchall()

    rows = []
    for label, fn, base in (
        (
            "coverage by kecamatan",
            lambda: coverage.coverage(ctx, "kecamatan"),
            lambda: group_by("substr(nik, 5, 2)"),
        ),
        ("coverage by desa", lambda: coverage.coverage(ctx, "desa"), lambda: group_by("desa")),
        ("plan (ranked desa + events)", lambda: plan.plan(ctx, "desa"), lambda: group_by("desa")),
        (
            "coverage by kecamatan, plain GROUP BY path",
            lambda: coverage.coverage(ctx, "kecamatan", plain=True),
            lambda: group_by("substr(nik, 5, 2)"),
        ),
    ):
        t, peak = best(fn, a.rounds)
        tb, _ = best(base, a.rounds)
        rows.append((label, t, tb, peak))
    print(f"File: {a.rows:,} rows; best of {a.rounds} rounds; before = {before[:10]}\n")
    print("| what | measured | baseline (plain GROUP BY, same run) | ratio | peak memory |")
    print("|---|---|---|---|---|")
    for label, t, tb, peak in rows:
        print(
            f"| {label} | {t * 1000:.1f} ms | {tb * 1000:.1f} ms | {t / tb:.3f}x | "
            f"{peak / 1024:.0f} KiB |"
        )
    print("\n| registry import (CSV with KELURAHAN) | before | after | ratio (goal <= 1.10) |")
    print("|---|---|---|---|")
    print(f"| CPU | {b_cpu:.2f} s | {a_cpu:.2f} s | {a_cpu / b_cpu:.3f}x |")
    print(f"| wall | {b_wall:.2f} s | {a_wall:.2f} s | {a_wall / b_wall:.3f}x |")
    raw.close()
    ctx.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
