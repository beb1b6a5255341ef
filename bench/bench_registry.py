"""Benchmark: registry import vs sqlite3's own ``.import``, and NIK lookup latency.

    .venv/bin/python bench/bench_registry.py [--rows 631075] [--rounds 3] [--lookups 10000]

Makes a deterministic registry CSV shaped like the central extract (631,075 rows: Batang's wajib-KTP
population; a row number, NIK, name, sex, kecamatan, desa, status, activation date), then, side by
side and alternating, for ``--rounds`` rounds:

* ``sqlite3 bare.db ".import --csv FILE reg"``: the sqlite3 command-line shell loading the same
  file into a bare table (no key, no checks);
* ``import_registry`` (the service behind ``ikd-counter registry import``) into a fresh, migrated
  SQLite database (WAL, synchronous=FULL), timed in-process;
* the whole ``ikd-counter registry import FILE --json`` command (Python start-up included).

The best round of each is compared (the machine is shared; the best round is the least disturbed),
by wall time and by CPU time (``time.process_time`` of this process, plus
``getrusage(RUSAGE_CHILDREN)`` should the service ever start a child process; the latter alone
for the commands), as CPU time is less disturbed by other jobs.
Then 10,000 random NIK lookups through ``services.lookup.lookup`` in the imported registry (90%
NIKs present, 10% absent), p50/p99. Needs the ``sqlite3`` shell (``apt-get install -y sqlite3``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = [
    "SITI",
    "BUDI",
    "ANI",
    "AHMAD",
    "SRI",
    "MUHAMAD",
    "DWI",
    "EKO",
    "NUR",
    "RINA",
    "AGUS",
    "TRI",
    "DEWI",
    "SUGENG",
    "WAHYU",
    "FITRI",
    "SLAMET",
    "ENDANG",
    "JOKO",
    "YULI",
]
LAST = [
    "RAHAYU",
    "SANTOSO",
    "WULANDARI",
    "HIDAYAT",
    "LESTARI",
    "PRASETYO",
    "SETIAWAN",
    "KURNIAWAN",
    "HANDAYANI",
    "SAPUTRA",
    "",
    "",
    "",
]


def make_csv(path: Path, rows: int, seed: int = 2024, today: date = date(2026, 11, 27)) -> None:
    """The same file for the same arguments: unique valid Batang NIKs, about 7% active."""
    from counter.domain import regions

    rng = random.Random(seed)
    dists = [(r.code.replace(".", ""), r.name) for r in regions.districts()]
    villages = {d: [v.name for v in regions.villages(d)] for d, _ in dists}
    seen: set[str] = set()
    base = today.toordinal()
    start = date(2023, 1, 2).toordinal()
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("NO,NIK,NAMA LENGKAP,JENIS KELAMIN,KECAMATAN,KELURAHAN,STATUS IKD,TGL AKTIVASI\r\n")
        i = 0
        while i < rows:
            d, dname = dists[rng.randrange(len(dists))]
            born = date.fromordinal(base - 6210 - rng.randrange(60 * 365))
            female = rng.random() < 0.5
            nik = (
                f"{d}{born.day + (40 if female else 0):02d}{born.month:02d}"
                f"{born.year % 100:02d}{1 + rng.randrange(2500):04d}"
            )
            if nik in seen:
                continue
            seen.add(nik)
            i += 1
            name = (rng.choice(FIRST) + " " + rng.choice(LAST)).strip()
            active = rng.random() < 0.07
            when = (
                date.fromordinal(start + rng.randrange(base - start)).strftime("%d/%m/%Y")
                if active
                else ""
            )
            f.write(
                f"{i},{nik},{name},{'PEREMPUAN' if female else 'LAKI-LAKI'},{dname},"
                f"{rng.choice(villages[d])},{'SUDAH' if active else 'BELUM'},{when}\r\n"
            )


def _rm_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_sqlite_import(sqlite3: str, csv_path: Path, work: Path) -> tuple[float, float]:
    db = work / "bare.db"
    _rm_db(db)
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run([sqlite3, str(db), f".import --csv {csv_path} reg"], check=True)
    wall = time.perf_counter() - t0
    return wall, _children_cpu() - cpu0


def _fresh_ctx(db: Path):  # noqa: ANN202
    from counter.config import load_settings
    from counter.services.context import make_context

    _rm_db(db)
    s = load_settings(
        db.parent / "none.toml",
        env={},
        overrides={"database.url": str(db), "paths.data": str(db.parent / "data")},
    )
    return make_context(s)


def time_service_import(csv_path: Path, work: Path) -> tuple[float, float, dict]:
    from counter.services.registry import import_registry

    ctx = _fresh_ctx(work / "svc.db")  # migrated, empty
    try:
        c0, k0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
        res = import_registry(ctx, csv_path)
        wall = time.perf_counter() - t0
        # CPU of this process and of any child process it started
        cpu = time.process_time() - c0 + _children_cpu() - k0
    finally:
        ctx.db.dispose()
    return wall, cpu, res.to_json()


def cpu_by_phase(csv_path: Path, work: Path) -> dict[str, tuple[float, float]] | None:
    """(wall, CPU) seconds of the service's phases on the fastest path into an empty registry
    (one extra run, fresh database): read the file and make the sorted row keys (two processes
    where fork is available: CPU of both), then write + commit."""
    from counter.services.registry import fastpath

    ctx = _fresh_ctx(work / "phase.db")
    try:
        c0, w0 = time.process_time() + _children_cpu(), time.perf_counter()
        layout = fastpath.probe(csv_path)
        got = fastpath.read_keys(csv_path, layout, ctx.today(), True) if layout else None
        c1, w1 = time.process_time() + _children_cpu(), time.perf_counter()
        if got is None:
            return None
        with ctx.db.write_engine.begin() as conn:
            raw = conn.connection.driver_connection
            fastpath.write_sqlite(raw, got, 1, True, None)
        c2, w2 = time.process_time() + _children_cpu(), time.perf_counter()
    finally:
        ctx.db.dispose()
        _rm_db(work / "phase.db")
    return {
        "read, match, pack and sort the rows": (w1 - w0, c1 - c0),
        "write + commit": (w2 - w1, c2 - c1),
    }


def time_cli_import(csv_path: Path, work: Path) -> tuple[float, float]:
    db = work / "cli.db"
    ctx = _fresh_ctx(db)  # the schema exists already, as after `ikd-counter init`
    from counter.services import accounts

    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")  # the import needs --as
    ctx.db.dispose()
    exe = Path(sys.executable).parent / "ikd-counter"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "counter"]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(
        cmd + ["--db", str(db), "registry", "import", str(csv_path), "--json", "--as", "kasi"],
        input=b"246802\n",
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0, _children_cpu() - cpu0


def bench_lookup(work: Path, n: int, seed: int = 7) -> tuple[float, float, float, float]:
    from sqlalchemy import select

    from counter.config import load_settings
    from counter.domain import nik as nikmod
    from counter.services.context import make_context
    from counter.services.lookup import lookup
    from counter.store.models import RegistryEntry

    db = work / "svc.db"
    s = load_settings(
        work / "none.toml",
        env={},
        overrides={"database.url": str(db), "paths.data": str(work / "data")},
    )
    ctx = make_context(s)
    rng = random.Random(seed)
    with ctx.db.read() as sess:
        niks = [r[0] for r in sess.execute(select(RegistryEntry.nik))]
    picks = []
    for _ in range(n):
        if rng.random() < 0.9:
            picks.append(niks[rng.randrange(len(niks))])
        else:
            picks.append(nikmod.compose("332507", date(1950, 1, 1), "M", 9000 + rng.randrange(999)))
    for nik in picks[:200]:  # warm up (connection pool, statement cache)
        lookup(ctx, nik)
    times, cpu = [], []
    for nik in picks:
        c0, t0 = time.thread_time(), time.perf_counter()
        lookup(ctx, nik)
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    ctx.db.dispose()
    times.sort()
    cpu.sort()
    p99 = int(len(times) * 0.99) - 1
    return (
        statistics.median(times) * 1000,
        times[p99] * 1000,
        statistics.median(cpu) * 1000,
        cpu[p99] * 1000,
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=631_075)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--lookups", type=int, default=10_000)
    ap.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    args = ap.parse_args()
    sqlite3 = shutil.which("sqlite3")
    if not sqlite3:
        print("the sqlite3 shell is needed: apt-get install -y sqlite3", file=sys.stderr)
        return 2
    import tempfile

    work = Path(args.work or tempfile.mkdtemp(prefix="ikd-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"registry-{args.rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, args.rows)
    sq, svc, cli = [], [], []
    result: dict = {}
    for _ in range(args.rounds):
        sq.append(time_sqlite_import(sqlite3, csv_path, work))
        w, c, result = time_service_import(csv_path, work)
        svc.append((w, c))
        cli.append(time_cli_import(csv_path, work))
    assert result["inserted"] == args.rows and result["rejected"] == 0, result
    sq_w, sq_c = min(x[0] for x in sq), min(x[1] for x in sq)
    svc_w, svc_c = min(x[0] for x in svc), min(x[1] for x in svc)
    cli_w, cli_c = min(x[0] for x in cli), min(x[1] for x in cli)
    p50, p99, c50, c99 = bench_lookup(work, args.lookups)
    phases = cpu_by_phase(csv_path, work)

    sqlite_version = subprocess.run(
        [sqlite3, "--version"], capture_output=True, text=True
    ).stdout.split()[0]
    load = os.getloadavg()[0]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, sqlite3 shell "
        f"{sqlite_version}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load:.1f} "
        f"(shared machine); best of {args.rounds} rounds, run alternately."
    )
    print(f"File: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB CSV.")
    print()
    print("| what | measured | goal | ok? |")
    print("|---|---|---|---|")
    ratio = svc_w / sq_w
    print(
        f"| registry import of {args.rows:,} rows, vs sqlite3 `.import` into a bare table "
        f"(wall) | {svc_w:.2f} s vs {sq_w:.2f} s = {ratio:.2f}x | <= 1.5x | "
        f"{'yes' if ratio <= 1.5 else 'no'} |"
    )
    cratio = svc_c / sq_c
    print(
        f"| same, CPU time | {svc_c:.2f} s vs {sq_c:.2f} s = {cratio:.2f}x | <= 1.5x | "
        f"{'yes' if cratio <= 1.5 else 'no'} |"
    )
    eratio = cli_w / sq_w
    print(
        f"| whole `ikd-counter registry import` command incl. Python start-up (wall) | "
        f"{cli_w:.2f} s vs {sq_w:.2f} s = {eratio:.2f}x | <= 1.5x | "
        f"{'yes' if eratio <= 1.5 else 'no'} |"
    )
    ecratio = cli_c / sq_c
    print(
        f"| same, CPU time | {cli_c:.2f} s vs {sq_c:.2f} s = {ecratio:.2f}x | <= 1.5x | "
        f"{'yes' if ecratio <= 1.5 else 'no'} |"
    )
    print(
        f"| NIK lookup in the {args.rows:,}-row registry, {args.lookups:,} lookups | "
        f"p50 {p50:.3f} ms, p99 {p99:.3f} ms | p99 < 1 ms | {'yes' if p99 < 1 else 'no'} |"
    )
    print(
        f"| same, CPU time of the lookup thread | p50 {c50:.3f} ms, p99 {c99:.3f} ms | "
        f"p99 < 1 ms | {'yes' if c99 < 1 else 'no'} |"
    )
    if phases:
        print()
        print(
            "Service by phase (one more run; wall / CPU of both processes): "
            + ", ".join(f"{k} {w:.2f} / {c:.2f} s" for k, (w, c) in phases.items())
            + f"; sqlite3 `.import` in all: {sq_w:.2f} / {sq_c:.2f} s (best round)."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
