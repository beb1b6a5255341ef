"""TUI benchmark: start-up to the login screen vs a minimal Textual app; peak RSS with a big registry.

Both apps are started the same way: as a fresh process on a pseudo-terminal (80x24), with
IKD_COUNTER_BENCH_T0 set to the wall clock just before spawning; each writes the seconds elapsed
when its first screen has been painted and exits. Runs alternate between the two apps.

  .venv/bin/python bench/bench_tui.py [--runs 15] [--big-db PATH]

``--keys``: the counter's key budget (express path <= 16 + 3 keys, full activation <= 16 + 15)
on the real TUI in a pseudo-terminal, each Enter's event committed before the next key.

``--big-db``: a database holding a 631,075-row registry (``ikd-counter seed-demo --registry
631075``); the TUI is started on it in a pseudo-terminal, an officer logs in, types a NIK and the
peak resident memory (VmHWM) of the process is read before it quits.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
IKD = str(Path(PY).parent / "ikd-counter")


def spawn(cmd: list[str], env: dict[str, str], cols: int = 80, rows: int = 24):  # noqa: ANN201
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        cmd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    return proc, master


def drain(master: int, proc: subprocess.Popen, until: float) -> bytes:  # type: ignore[type-arg]
    out = b""
    while time.time() < until and proc.poll() is None:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
    return out


def timed_start(cmd: list[str], extra_env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds to the first screen, CPU seconds of the whole process) of one start."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "t.txt"
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": "80",
            "LINES": "24",
            "IKD_COUNTER_BENCH_OUT": str(out),
            **extra_env,
        }
        env["IKD_COUNTER_BENCH_T0"] = f"{time.time():.6f}"
        proc, master = spawn(cmd, env)
        end = time.time() + 60
        while time.time() < end:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    os.read(master, 65536)
                except OSError:
                    pass
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
        else:
            proc.kill()
            raise RuntimeError(f"{cmd} did not exit")
        os.close(master)
        text = out.read_text().strip() if out.exists() else ""
        if not text:
            raise RuntimeError(f"{cmd} did not report (exit {proc.returncode})")
        return float(text), usage.ru_utime + usage.ru_stime


def startup(runs: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        db, cfg = str(Path(tmp) / "c.db"), str(Path(tmp) / "config.toml")
        base = {"IKD_COUNTER_CONFIG": cfg}
        # a database with officers (as on any day but the first): the login screen, not set-up
        subprocess.run(
            [IKD, "--db", db, "seed-demo", "--registry", "1000", "--visits", "50", "--json"],
            check=True,
            capture_output=True,
            env={**os.environ, **base},
        )
        minimal = [PY, str(ROOT / "bench" / "_minimal_app.py")]
        ours = [IKD, "--db", db]
        t_min: list[tuple[float, float]] = []
        t_shown: list[tuple[float, float]] = []
        t_ready: list[tuple[float, float]] = []
        timed_start(minimal, base)  # warm the file cache once for both
        timed_start(ours, {**base, "IKD_COUNTER_BENCH_EXIT": "ready"})
        for _ in range(runs):
            t_min.append(timed_start(minimal, base))
            t_shown.append(timed_start(ours, {**base, "IKD_COUNTER_BENCH_EXIT": "shown"}))
            t_ready.append(timed_start(ours, {**base, "IKD_COUNTER_BENCH_EXIT": "ready"}))

    def med(xs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    m, s, r = (med(x, 0) for x in (t_min, t_shown, t_ready))
    mc, sc, rc = (med(x, 1) for x in (t_min, t_shown, t_ready))

    def ok(x: float, goal: float = 1.5) -> str:
        return "yes" if x <= goal else "no"

    return [
        f"| start-up wall time: minimal Textual app, one label (median of {runs}) "
        f"| {m * 1000:.0f} ms | reference | - |",
        f"| start-up wall time: login screen shown, typing possible | {s * 1000:.0f} ms "
        f"= {s / m:.2f}x minimal | <= 1.5x | {ok(s / m)} |",
        f"| start-up wall time: login screen ready incl. database open (SQLAlchemy import, "
        f"schema check; the ORM loads after) | {r * 1000:.0f} ms = {r / m:.2f}x minimal "
        f"| <= 2x | {ok(r / m, 2.0)} |",
        f"| start-up CPU time (user+sys, whole process): minimal | {mc * 1000:.0f} ms "
        f"| reference | - |",
        f"| start-up CPU time: login screen shown | {sc * 1000:.0f} ms = {sc / mc:.2f}x minimal "
        f"| <= 1.5x | {ok(sc / mc)} |",
        f"| start-up CPU time: login screen ready incl. database open | {rc * 1000:.0f} ms "
        f"= {rc / mc:.2f}x minimal | <= 2x | {ok(rc / mc, 2.0)} |",
    ]


def vm(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    return 0


def peak_rss(big_db: str) -> list[str]:
    from counter.config import load_settings
    from counter.services.context import make_context

    ctx = make_context(load_settings(None, env={}, overrides={"database.url": big_db}))
    from sqlalchemy import text

    with ctx.db.read() as s:
        rows = s.exec(text("SELECT count(*) FROM registry_entry")).one()[0]  # type: ignore[call-overload]
        nik = s.exec(text("SELECT nik FROM registry_entry LIMIT 1 OFFSET 300000")).one()[0]  # type: ignore[call-overload]
    ctx.db.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "IKD_COUNTER_CONFIG": str(Path(tmp) / "config.toml"),
        }
        proc, master = spawn([IKD, "--db", big_db], env)
        drain(master, proc, time.time() + 4)
        after_start = vm(proc.pid, "VmHWM")
        for chunk in (b"siti", b"\r", b"135790", b"\r"):
            os.write(master, chunk)
            drain(master, proc, time.time() + 0.5)
        drain(master, proc, time.time() + 3)
        after_login = vm(proc.pid, "VmHWM")
        os.write(master, b"\x1b")  # a possible resume prompt: "later"
        drain(master, proc, time.time() + 1)
        for ch in nik:
            os.write(master, ch.encode())
            drain(master, proc, time.time() + 0.05)
        drain(master, proc, time.time() + 3)
        peak, now = vm(proc.pid, "VmHWM"), vm(proc.pid, "VmRSS")
        os.write(master, b"\x11")  # ctrl+q
        drain(master, proc, time.time() + 5)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    ok = "yes" if peak < 150 * 1024 else "no"
    return [
        f"| peak RSS after start, login screen ({rows:,} registry rows in the DB) "
        f"| {after_start / 1024:.0f} MB | < 150 MB | {'yes' if after_start < 150 * 1024 else 'no'} |",
        f"| peak RSS after login (argon2 PIN check, 64 MiB by design) "
        f"| {after_login / 1024:.0f} MB | < 150 MB | {'yes' if after_login < 150 * 1024 else 'no'} |",
        f"| peak RSS of the TUI after login + a NIK typed and looked up ({rows:,} registry rows) "
        f"| {peak / 1024:.0f} MB (RSS now {now / 1024:.0f} MB) | < 150 MB | {ok} |",
    ]


def _wait(cond: Any, master: int, proc: subprocess.Popen, timeout: float = 20.0) -> float:  # type: ignore[type-arg]
    """Drain the terminal until ``cond()`` holds; the seconds it took (raises on timeout)."""
    t0 = time.time()
    while not cond():
        if time.time() - t0 > timeout:
            raise RuntimeError("the TUI did not record the expected change in time")
        drain(master, proc, time.time() + 0.05)
    return time.time() - t0


def key_budget() -> list[str]:
    """The counter's key budget, measured on the real ``ikd-counter`` in a pseudo-terminal: the
    keys sent for the express path and for a full activation, and after every Enter that the
    event it causes is committed before the next key is sent (crash-safe ordering)."""
    from datetime import date

    from counter.config import load_settings
    from counter.domain import nik as nikmod
    from counter.services import accounts, visits
    from counter.services.context import make_context
    from counter.store.models import RegistryEntry, RegistryImport

    with tempfile.TemporaryDirectory() as tmp:
        db, cfg = str(Path(tmp) / "k.db"), str(Path(tmp) / "config.toml")
        ctx = make_context(load_settings(None, env={}, overrides={"database.url": db}))
        accounts.create_officer(ctx, "siti", "135790", role="officer")
        active = nikmod.compose("332501", date(1990, 1, 1), "F", 1)
        new = nikmod.compose("332503", date(2001, 5, 17), "M", 12)
        with ctx.db.write() as s:
            imp = RegistryImport(source="bench.csv", imported_at=ctx.now())
            s.add(imp)
            s.flush()
            s.add(RegistryEntry(nik=active, ikd_status="active", import_id=imp.id))
        env = {**os.environ, "TERM": "xterm-256color", "IKD_COUNTER_CONFIG": cfg}
        proc, master = spawn([IKD, "--db", db], env)
        rows: list[str] = []
        try:
            drain(master, proc, time.time() + 4)
            for chunk in (b"siti", b"\r", b"135790", b"\r"):
                os.write(master, chunk)
                drain(master, proc, time.time() + 0.5)
            drain(master, proc, time.time() + 4)

            def events(nik: str) -> int:
                vs = visits.history(ctx, nik)
                return sum(len(visits.timeline(ctx, v.id)) for v in vs)

            def send(nik: str, enters: int, outcome: str) -> tuple[int, int, float]:
                """NIK, then Enter after Enter, each only once the last one is committed."""
                keys, took, ordered = 0, 0.0, 0
                for ch in nik:
                    os.write(master, ch.encode())
                    keys += 1
                    drain(master, proc, time.time() + 0.03)
                drain(master, proc, time.time() + 0.5)
                for i in range(enters):
                    before = events(nik)
                    os.write(master, b"\r")
                    keys += 1
                    if i == 0:  # checking the NIK records nothing: the status view shows
                        drain(master, proc, time.time() + 1.0)
                        continue
                    took += _wait(lambda b=before: events(nik) > b, master, proc)
                    ordered += 1
                (v,) = visits.history(ctx, nik)
                assert v.outcome == outcome, (v.outcome, outcome)
                return keys, ordered, took

            k1, o1, t1 = send(active, 2, "ALREADY_ACTIVE")
            rows.append(
                f"| keys: express path (registry says active) -> ALREADY_ACTIVE saved "
                f"| {k1} keys = 16 + {k1 - 16}; {o1} writes, each committed before "
                f"the next key ({t1:.2f} s) | <= 16 + 3 | {'yes' if k1 <= 19 else 'no'} |"
            )
            k2, o2, t2 = send(new, 11, "ACTIVATED")
            rows.append(
                f"| keys: full assisted activation, no problem -> ACTIVATED saved "
                f"| {k2} keys = 16 + {k2 - 16}; {o2} writes, each committed before "
                f"the next key ({t2:.2f} s) | <= 16 + 15 | {'yes' if k2 <= 31 else 'no'} |"
            )
        finally:
            os.write(master, b"\x11")  # ctrl+q (no visit open: quits at once)
            drain(master, proc, time.time() + 3)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            os.close(master)
            ctx.db.dispose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--big-db", default="")
    ap.add_argument("--keys", action="store_true", help="measure the counter's key budget")
    ap.add_argument("--keys-only", action="store_true", help="only the key budget")
    args = ap.parse_args()
    rows = ["| what | measured | goal | ok? |", "|---|---|---|---|"]
    if args.keys_only:
        print("\n".join(rows + key_budget()))
        return
    rows += startup(args.runs)
    if args.keys:
        rows += key_budget()
    if args.big_db:
        rows += peak_rss(args.big_db)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
