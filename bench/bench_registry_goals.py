"""Benchmark: the registry import's goals of issues 13 and 15, each against a baseline in the
same run (alternating, best of ``--rounds``; the machine is shared and noisy).

    .venv/bin/python bench/bench_registry_goals.py [--rows 631075] [--rounds 3] [--before REV]
        [--pg postgresql+psycopg://root@127.0.0.1:5432/ikd_bench_registry]

Every import runs in a fresh subprocess (``CHILD``) into a fresh, migrated database; it reports
wall and CPU time (its own plus the child it forks, RUSAGE_CHILDREN) and its peak memory: the
growth of its maximum resident set size during the import (``ru_maxrss`` after minus before,
so Python, SQLAlchemy and the models already loaded are not counted; SQLite's page cache is).

* SQLite: the fast route vs the sqlite3 shell's ``.import`` into a table with a primary key
  (goal: no worse than 0.62x); its peak memory (goal <= 100 MiB);
* the plain reference route (``route="plain"``) vs the fast one (goal <= 3x);
* the fast route vs the code of ``--before`` (default cbc18dc8f6, before coverage was kept):
  what keeping the desa and the totals costs (goal <= 1.10x); and, this code only, the same
  rows with and without their KELURAHAN column (what the desa alone costs);
* PostgreSQL (``--pg``; skipped without psql): the fast route vs ``psql \\copy`` of the same
  file into a table with a primary key (goal <= 1.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from counter.config import load_settings
from counter.services.context import make_context
from counter.services.registry import import_registry
url, route = sys.argv[3], sys.argv[4]
work = Path(sys.argv[5])
s = load_settings(work / "none.toml", env={},
                  overrides={"database.url": url, "paths.data": str(work / "data")})
ctx = make_context(s)
if url.startswith("postgresql"):
    from sqlalchemy import text
    with ctx.db.write() as ss:
        for t in ("registry_coverage", "registry_entry", "registry_import"):
            ss.execute(text(f"DELETE FROM {t}"))
def kids():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kw = {} if route == "auto" else {"route": route}
c0, k0, t0 = time.process_time(), kids(), time.perf_counter()
r = import_registry(ctx, sys.argv[2], **kw)
wall = time.perf_counter() - t0
cpu = time.process_time() - c0 + kids() - k0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert r.rejected == 0 and r.inserted > 0, r
print(json.dumps({"wall": wall, "cpu": cpu, "mib": (rss - rss0) / 1024}))
"""


def _rm(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _kids() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def service(code: Path, csv_path: Path, url: str, route: str, work: Path) -> dict[str, float]:
    if not url.startswith("postgresql"):
        _rm(Path(url))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(code), str(csv_path), url, route, str(work)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


HEADER = "no, nik PRIMARY KEY, nama, jk, kecamatan, kelurahan, status, tgl"
PG_HEADER = (
    "no integer, nik varchar(16) PRIMARY KEY, nama text, jk text, kecamatan text, "
    "kelurahan text, status text, tgl text"
)


def sqlite_shell(sqlite3: str, csv_path: Path, work: Path) -> dict[str, float]:
    db = work / "shell.db"
    _rm(db)
    subprocess.run([sqlite3, str(db), f"CREATE TABLE reg ({HEADER});"], check=True)
    c0, t0 = _kids(), time.perf_counter()
    subprocess.run([sqlite3, str(db), f".import --csv --skip 1 {csv_path} reg"], check=True)
    return {"wall": time.perf_counter() - t0, "cpu": _kids() - c0, "mib": 0.0}


def psql_copy(psql: str, dsn: str, csv_path: Path) -> dict[str, float]:
    subprocess.run(
        [
            psql,
            "-q",
            dsn,
            "-c",
            f"DROP TABLE IF EXISTS bench_reg; CREATE TABLE bench_reg ({PG_HEADER})",
        ],
        check=True,
    )
    c0, t0 = _kids(), time.perf_counter()
    subprocess.run(
        [psql, "-q", dsn, "-c", f"\\copy bench_reg FROM '{csv_path}' WITH (FORMAT csv, HEADER)"],
        check=True,
    )
    return {"wall": time.perf_counter() - t0, "cpu": _kids() - c0, "mib": 0.0}


def best(runs: list[dict[str, float]], key: str) -> float:
    return min(r[key] for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=631_075)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", default="cbc18dc8f6")
    ap.add_argument("--pg", default="postgresql+psycopg://root@127.0.0.1:5432/ikd_bench_registry")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    from bench_registry import make_csv

    work = Path(a.work or tempfile.mkdtemp(prefix="bench-reg-goals-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"registry-{a.rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, a.rows)
    # the same rows without the KELURAHAN column: what keeping the desa alone costs
    no_desa = work / f"registry-{a.rows}-no-desa.csv"
    if not no_desa.exists():
        with (
            csv_path.open(encoding="utf-8", newline="") as src,
            no_desa.open("w", encoding="utf-8", newline="") as dst,
        ):
            for line in src:
                cells = line.split(",")
                dst.write(",".join(cells[:5] + cells[6:]))
    old = work / "before"
    if not old.exists():
        old.mkdir()
        subprocess.run(
            f"git -C {ROOT} archive {a.before} counter | tar -x -C {old}", shell=True, check=True
        )
    sqlite3, psql = shutil.which("sqlite3"), shutil.which("psql")
    dsn = a.pg.replace("postgresql+psycopg://", "postgresql://")
    if psql:
        admin = dsn.rsplit("/", 1)[0] + "/postgres"
        name = dsn.rsplit("/", 1)[1]
        subprocess.run(
            [psql, "-q", admin, "-c", f"CREATE DATABASE {name}"], capture_output=True, check=False
        )
    db = str(work / "svc.db")
    runs: dict[str, list[dict[str, float]]] = {}
    for k in range(a.rounds):
        if k:
            print(f"round {k}: " + json.dumps({n: r[-1] for n, r in runs.items()}), file=sys.stderr)
        if sqlite3:
            runs.setdefault("shell", []).append(sqlite_shell(sqlite3, csv_path, work))
        runs.setdefault("fast", []).append(service(ROOT, csv_path, db, "auto", work))
        runs.setdefault("before", []).append(service(old, csv_path, db, "auto", work))
        runs.setdefault("no_desa", []).append(service(ROOT, no_desa, db, "auto", work))
        runs.setdefault("plain", []).append(service(ROOT, csv_path, db, "plain", work))
        if psql:
            runs.setdefault("psql", []).append(psql_copy(psql, dsn, csv_path))
            runs.setdefault("pg", []).append(service(ROOT, csv_path, a.pg, "auto", work))
    load = os.getloadavg()[0]
    print(
        f"{a.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB CSV); best of {a.rounds} "
        f"rounds, alternating; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load:.1f} "
        f"on {os.cpu_count()} CPUs (shared machine); before = {a.before}\n"
    )
    print("| what | measured (wall / CPU) | baseline (wall / CPU) | ratio wall / CPU | goal |")
    print("|---|---|---|---|---|")

    def row(label: str, subj: str, base: str, goal: str) -> None:
        if subj not in runs or base not in runs:
            return
        sw, sc = best(runs[subj], "wall"), best(runs[subj], "cpu")
        bw, bc = best(runs[base], "wall"), best(runs[base], "cpu")
        print(
            f"| {label} | {sw:.2f} / {sc:.2f} s | {bw:.2f} / {bc:.2f} s | "
            f"{sw / bw:.2f}x / {sc / bc:.2f}x | {goal} |"
        )

    row("SQLite import vs sqlite3 `.import` into a keyed table", "fast", "shell", "<= 0.62x")
    row("keeping coverage: this code vs before it (same file)", "fast", "before", "<= 1.10x")
    row("same file vs the file without its desa column (this code)", "fast", "no_desa", "")
    row("plain reference route vs the fast route", "plain", "fast", "<= 3x")
    row("PostgreSQL import vs `psql \\copy` into a keyed table", "pg", "psql", "<= 1.5x")
    print("\n| peak memory (growth of max RSS during the import) | MiB | goal |")
    print("|---|---|---|")
    for label, key in (
        ("SQLite, fast route", "fast"),
        ("SQLite, before", "before"),
        ("SQLite, plain route", "plain"),
        ("PostgreSQL, fast route", "pg"),
    ):
        if key in runs:
            goal = "<= 100" if key == "fast" else ""
            print(f"| {label} | {max(r['mib'] for r in runs[key]):.0f} | {goal} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
