"""Benchmark: QR and slip (issue 4).

* matrix + half-block drawing of the install link (what the widget does on a payload change);
  goal <= 20 ms.
* slip PDF for 80 mm paper and A6 (query, PDF, file); goal <= 500 ms each, so "save + print"
  never keeps the officer waiting (it runs in a worker thread anyway).
* `ikd-counter qr install -o x.png` as a fresh process (start-up included); goal <= 1.5 s.

Usage: .venv/bin/python bench/bench_qr.py
Prints markdown rows ``| what | measured | goal | ok? |``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from counter.config import ANDROID_STORE, load_settings  # noqa: E402
from counter.domain import nik as nikmod  # noqa: E402
from counter.services import accounts, qr, slip, visits  # noqa: E402
from counter.services.context import make_context  # noqa: E402

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def best_of(fn, n: int = 7) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(what: str, seconds: float, goal: float) -> str:
    ok = "yes" if seconds <= goal else "NO"
    return f"| {what} | {seconds * 1000:.1f} ms | <= {goal * 1000:.0f} ms | {ok} |"


def main() -> None:
    rows = ["| what | measured | goal | ok? |", "|---|---|---|---|"]

    def draw() -> None:
        qr._matrix.cache_clear()
        qr.to_half_blocks(qr.matrix(ANDROID_STORE))

    rows.append(row("QR matrix + half blocks, install link (uncached)", best_of(draw), 0.020))

    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        s = load_settings(
            work / "none.toml",
            env={},
            overrides={
                "database.url": str(work / "b.db"),
                "paths.data": str(work / "data"),
                "qr.help": "https://wa.me/6281234567890",
            },
        )
        ctx = make_context(s, clock=lambda: NOW)
        o = accounts.create_officer(ctx, "siti", "135790", full_name="Siti")
        v = visits.start_visit(ctx, o, nikmod.compose("332501", date(1990, 5, 17), "F", 12))
        visits.finish_visit(ctx, v.id, "PENDING", reason="email_not_received")
        for paper in ("80mm", "a6"):
            rows.append(
                row(
                    f"slip PDF {paper} (2 QR codes)",
                    best_of(lambda p=paper: slip.make_slip(ctx, v.id, paper=p)),
                    0.5,
                )
            )
        ctx.db.dispose()
        exe = str(ROOT / ".venv" / "bin" / "ikd-counter")
        cfg = work / "none.toml"

        def cli() -> None:
            subprocess.run(
                [exe, "--config", str(cfg), "qr", "install", "-o", str(work / "x.png")],
                check=True,
                capture_output=True,
            )

        rows.append(row("`ikd-counter qr install -o x.png` (new process)", best_of(cli, 5), 1.5))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
