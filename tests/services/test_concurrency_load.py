"""Four counters record 1,000 visits at once while a supervisor runs the report: SQLite and PG."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from counter.config import load_settings
from counter.services import accounts, report
from counter.services.context import make_context
from counter.store.models import Visit, VisitEvent
from tests.helpers import concurrency as cu

WORKERS = 4
PER_WORKER = int(os.environ.get("IKD_CONCURRENCY_VISITS", "250"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    # A real SQLite file with real locking; on tmpfs when there is one, because this test is
    # about concurrent correctness and fsync latency (synchronous=FULL) would only make it slow.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = shm / f"ikd-{os.getpid()}-{tmp_path.name}"
        folder.mkdir()
        request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        return str(folder / "shared.db")
    return str(tmp_path / "shared.db")


def test_four_counters_and_a_reporter(db_url: str, tmp_path: Path) -> None:
    s = load_settings(
        tmp_path / "none.toml",
        env={},
        overrides={"database.url": db_url, "paths.data": str(tmp_path)},
    )
    ctx = make_context(s, clock=cu.RunningClock())  # creates and migrates the database
    names = [f"loket{k + 1}" for k in range(WORKERS)]
    for i, name in enumerate(names):  # argon2 once, here in the parent
        accounts.create_officer(ctx, name, f"13579{i}")

    spawn = mp.get_context("spawn")
    manager = spawn.Manager()
    start, stop = manager.Event(), manager.Event()
    with spawn.Pool(WORKERS + 1) as pool:
        rep = pool.apply_async(cu.report_loop, (db_url, str(tmp_path), start, stop))
        jobs = [
            pool.apply_async(
                cu.record_visits, (db_url, str(tmp_path), k, names[k], PER_WORKER, start)
            )
            for k in range(WORKERS)
        ]
        start.set()
        results = [j.get(timeout=600) for j in jobs]
        stop.set()
        rep_result = rep.get(timeout=120)
    manager.shutdown()

    for r in results:
        assert r["error"] is None, r["error"]
    assert rep_result["error"] is None, rep_result["error"]
    assert rep_result["runs"] >= 2  # the report really ran while the counters wrote
    assert rep_result["inconsistent"] == []
    assert rep_result["seen"] == sorted(rep_result["seen"])  # never went backwards

    total = WORKERS * PER_WORKER
    ids = [i for r in results for i in r["ids"]]
    assert len(ids) == len(set(ids)) == total
    with ctx.db.read() as ses:
        db_ids = set(ses.exec(select(Visit.id)))
        assert db_ids == set(ids)  # nothing lost, nothing doubled
        assert int(ses.exec(select(func.count(func.distinct(Visit.nik)))).one()) == total
        per_visit = dict(
            ses.exec(select(VisitEvent.visit_id, func.count()).group_by(VisitEvent.visit_id)).all()
        )
        assert set(per_visit) == db_ids
        assert set(per_visit.values()) == {cu.EVENTS_PER_VISIT}
        dup_seq = ses.exec(
            select(VisitEvent.visit_id, VisitEvent.seq, func.count())
            .group_by(VisitEvent.visit_id, VisitEvent.seq)
            .having(func.count() > 1)
        ).all()
        assert dup_seq == []
        direct = dict(
            ses.exec(
                select(Visit.outcome, func.count())
                .where(Visit.day == cu.DAY)
                .group_by(Visit.outcome)
            ).all()
        )
        unfinished = int(
            ses.exec(
                select(func.count()).select_from(Visit).where(col(Visit.ended_at).is_(None))
            ).one()
        )
        per_counter = dict(
            ses.exec(select(Visit.counter_id, func.count()).group_by(Visit.counter_id)).all()
        )
    assert unfinished == 0
    assert per_counter == {f"LOKET-{k + 1}": PER_WORKER for k in range(WORKERS)}
    expected = Counter()
    for r in results:
        expected.update(r["outcomes"])
    assert direct == dict(expected)

    r = report.summary(ctx, cu.DAY)
    assert r.visits == total == sum(direct.values())
    assert {k: v for k, v in r.outcomes.items() if v} == direct
    assert r.unfinished == 0
    assert {k: v["visits"] for k, v in r.by_counter.items()} == per_counter
    assert sum(v["visits"] for v in r.by_officer.values()) == total
    ctx.db.dispose()
