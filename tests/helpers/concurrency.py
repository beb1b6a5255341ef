"""Worker processes for the concurrency tests (importable by spawned children; no pytest)."""

from __future__ import annotations

import time
import traceback
from datetime import UTC, date, datetime, timedelta
from typing import Any

# 2026-11-27 09:00 in Asia/Jakarta, like the tests' FixedClock; the workers' clocks run from it
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 27)
EVENTS_PER_VISIT = 4  # start, two steps, outcome
OUTCOMES = ("ACTIVATED", "ACTIVATED", "PENDING", "ALREADY_ACTIVE", "FAILED", "DECLINED")


class RunningClock:
    """Starts at T0 and runs with real time (keeps every visit on one office day)."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self) -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - self.start)


def _ctx(url: str, counter: str, data_dir: str, busy: float = 30.0):  # noqa: ANN202
    from counter.config import load_settings
    from counter.services.context import make_context

    s = load_settings(
        f"{data_dir}/none.toml",
        env={},
        overrides={
            "database.url": url,
            "paths.data": data_dir,
            "office.counter": counter,
            "database.busy_timeout": busy,
        },
    )
    return make_context(s, clock=RunningClock())


def nik_for(worker: int, i: int) -> str:
    from counter.domain.nik import compose

    return compose(
        "332501", date(1990, 1 + worker, 1 + i % 28), "M" if i % 2 else "F", 1 + i + 1000 * worker
    )


def record_visits(
    url: str, data_dir: str, worker: int, username: str, n: int, start: Any
) -> dict[str, Any]:
    """Record ``n`` complete visits as fast as possible; returns ids and any error text."""
    from counter.services import accounts, visits

    try:
        ctx = _ctx(url, f"LOKET-{worker + 1}", data_dir)
        off = accounts.get_officer(ctx, username)
        assert off is not None
        start.wait(60)
        ids, outcomes = [], {}
        for i in range(n):
            v = visits.start_visit(ctx, off, nik_for(worker, i))
            visits.record_event(ctx, v.id, "step", "install", {"ok": True}, off.id)
            visits.record_event(ctx, v.id, "step", "login", {"ok": True}, off.id)
            outcome = OUTCOMES[i % len(OUTCOMES)]
            reason = "email_not_received" if outcome == "FAILED" else None
            visits.finish_visit(ctx, v.id, outcome, reason, officer_id=off.id)
            ids.append(v.id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        ctx.db.dispose()
        return {"ids": ids, "outcomes": outcomes, "error": None}
    except BaseException:  # noqa: BLE001 - the parent reports it
        return {"ids": [], "outcomes": {}, "error": traceback.format_exc()}


def report_loop(
    url: str, data_dir: str, start: Any, stop: Any, pause: float = 0.05
) -> dict[str, Any]:
    """Run the daily report again and again until told to stop; checks it is self-consistent."""
    try:
        from counter.services import report

        ctx = _ctx(url, "SUPERVISOR", data_dir)
        start.wait(60)
        runs, seen, inconsistent = 0, [], []
        while not stop.is_set():
            r = report.summary(ctx, DAY)
            finished = sum(r.outcomes.values())
            if ctx.db.kind == "sqlite" and finished + r.unfinished != r.visits:
                inconsistent.append((r.visits, finished, r.unfinished))
            seen.append(r.visits)
            runs += 1
            stop.wait(pause)  # a (very) impatient supervisor: refresh every ``pause`` seconds
        ctx.db.dispose()
        return {"runs": runs, "seen": seen, "inconsistent": inconsistent, "error": None}
    except BaseException:  # noqa: BLE001
        return {"runs": 0, "seen": [], "inconsistent": [], "error": traceback.format_exc()}


def hold_write_lock(path: str, seconds: float, ready: Any) -> None:
    """Take SQLite's write lock (BEGIN IMMEDIATE) in this process and keep it ``seconds``."""
    import sqlite3

    con = sqlite3.connect(path, isolation_level=None, timeout=10)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO app_setting(key, value) VALUES ('lock_holder', 'x')")
    ready.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


def open_at_once(url: str, barrier: Any) -> str | None:
    """Open (and so migrate) a database right when the other processes do; error text or None."""
    try:
        import alembic.command  # noqa: F401  (imported before the race, not during it)

        from counter.store.db import open_database
        from counter.store.migrate import current_revision, head_revision

        barrier.wait(60)
        db = open_database(url)
        ok = current_revision(db) == head_revision()
        db.dispose()
        return None if ok else "not at head"
    except BaseException:  # noqa: BLE001
        return traceback.format_exc()


def import_at_once(url: str, data_dir: str, bundle: str, barrier: Any) -> dict[str, Any]:
    """Import ``bundle`` right when another process imports it too."""
    try:
        from counter.services import bundles

        ctx = _ctx(url, "OFFICE", data_dir)
        barrier.wait(60)
        summ = bundles.import_bundle(ctx, bundle, None)
        ctx.db.dispose()
        return {"summary": summ.to_json(), "error": None}
    except BaseException:  # noqa: BLE001
        return {"summary": None, "error": traceback.format_exc()}
