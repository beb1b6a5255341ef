"""Several processes on one SQLite file: waits shorter than the busy timeout succeed; longer
ones end in DatabaseBusy with a clear message, never a raw "database is locked"."""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.config import Settings, load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, outreach, report, settings_store, visits
from counter.services.context import Context, make_context
from counter.store.db import DatabaseBusy
from tests.helpers import concurrency as cu
from tests.helpers.auth import stdin

NIK = nikmod.compose("332501", date(1990, 5, 17), "F", 42)


def _ctx_with_timeout(settings: Settings, seconds: float, clock) -> Context:  # noqa: ANN001
    s = load_settings(
        Path(settings.config_file),
        env={},
        overrides={
            "database.url": settings.db_url,
            "paths.data": str(settings.data_path),
            "database.busy_timeout": seconds,
        },
    )
    return make_context(s, clock=clock)


class Holder:
    """Another process holding the write lock (BEGIN IMMEDIATE) for ``seconds``."""

    def __init__(self, path: Path, seconds: float) -> None:
        sp = mp.get_context("spawn")
        self.ready = sp.Event()
        self.proc = sp.Process(target=cu.hold_write_lock, args=(str(path), seconds, self.ready))

    def __enter__(self) -> Holder:
        self.proc.start()
        assert self.ready.wait(60), "lock holder did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.join(30)
        assert self.proc.exitcode == 0


@pytest.fixture
def warm(ctx: Context, officer):  # noqa: ANN001, ANN201
    settings_store.device_id(ctx)  # made before anyone holds the lock
    return officer


def test_wait_longer_than_busy_timeout_gives_a_clear_message(ctx, settings, clock, warm) -> None:  # noqa: ANN001
    short = _ctx_with_timeout(settings, 0.4, clock)
    with Holder(ctx.db.path, 4.0):
        t = time.monotonic()
        with pytest.raises(DatabaseBusy) as e:
            visits.start_visit(short, warm, NIK)
        waited = time.monotonic() - t
    assert 0.35 <= waited < 3.5  # it did wait for the timeout, and gave up at about that
    en, idn = e.value.message("en"), e.value.message("id")
    assert "in use by another process" in en and "0.4 seconds" in en
    assert "0.4" in idn and idn != en
    assert "locked" not in en.lower()
    # nothing half-written: the visit was not recorded, and works once the lock is gone
    assert visits.visits_of_day(short, clock.now.date()) == []
    v = visits.start_visit(short, warm, NIK)
    assert [x.id for x in visits.visits_of_day(ctx, clock.now.date())] == [v.id]
    short.db.dispose()


def test_wait_shorter_than_busy_timeout_succeeds(ctx, settings, clock, warm) -> None:  # noqa: ANN001
    patient = _ctx_with_timeout(settings, 10.0, clock)
    with Holder(ctx.db.path, 0.8):
        t = time.monotonic()
        v = visits.start_visit(patient, warm, NIK)
        waited = time.monotonic() - t
        visits.finish_visit(patient, v.id, "ALREADY_ACTIVE", officer_id=warm.id)
    assert waited >= 0.3  # it really had to wait for the other process
    assert visits.get_visit(ctx, v.id).outcome == "ALREADY_ACTIVE"
    patient.db.dispose()


def test_readers_do_not_wait_for_a_writer(ctx, settings, clock, warm) -> None:  # noqa: ANN001
    v = visits.start_visit(ctx, warm, NIK)
    visits.finish_visit(ctx, v.id, "ACTIVATED", officer_id=warm.id)
    short = _ctx_with_timeout(settings, 0.4, clock)
    with Holder(ctx.db.path, 3.0):
        t = time.monotonic()
        r = report.summary(short, clock.now.date())
        assert visits.timeline(short, v.id)[-1].kind == "outcome"
        assert time.monotonic() - t < 2.0
    assert r.visits == 1 and r.outcomes["ACTIVATED"] == 1
    short.db.dispose()


def test_cli_shows_the_message_not_the_sqlite_error(
    ctx, settings, tmp_path, capsys, monkeypatch
) -> None:  # noqa: ANN001
    settings_store.device_id(ctx)
    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")
    cfg = tmp_path / "busy.toml"
    cfg.write_text("[database]\nbusy_timeout = 0.3\n", encoding="utf-8")
    stdin(monkeypatch, "246802")
    with Holder(ctx.db.path, 4.0):
        code = main(
            [
                "--db",
                str(ctx.db.path),
                "--config",
                str(cfg),
                "--lang",
                "en",
                "outreach",
                "start",
                "--school",
                "SD Negeri 1 Batang",
                "--as",
                "kasi",
            ]
        )
    err = capsys.readouterr().err
    assert code != 0
    assert "in use by another process for more than 0.3 seconds" in err
    assert "database is locked" not in err and "Traceback" not in err
    assert outreach.list_events(ctx) == []
