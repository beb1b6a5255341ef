"""The same behaviour on SQLite and PostgreSQL: visit ids, aware timestamps shown in Asia/Jakarta,
local days around midnight, reports, outreach splits, and bundles crossing engines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, bundles, outreach, report, visits
from counter.services.context import Context, make_context
from tests.helpers.bundle import share_key


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


# 23:59:30 and 00:00:30 in Jakarta, with microseconds that must survive every engine
BEFORE_MIDNIGHT = datetime(2026, 11, 27, 16, 59, 30, 123456, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 27, 17, 0, 30, 654321, tzinfo=UTC)


def _nik(i: int) -> str:
    return nikmod.compose("332502", date(1985, 3, 1 + i), "M", 100 + i)


def _record(c: Context, clock, off, i: int, at: datetime, outcome: str):  # noqa: ANN001, ANN202
    clock.set(at)
    v = visits.start_visit(c, off, _nik(i))
    clock.advance(seconds=95)
    visits.finish_visit(
        c, v.id, outcome, "email_not_received" if outcome == "FAILED" else None, officer_id=off.id
    )
    return v


def test_ids_timestamps_days_and_reports_match(any_ctx, clock) -> None:  # noqa: ANN001
    c = any_ctx
    off = accounts.create_officer(c, "siti", "135790")
    ev = outreach.create_event(c, village_code="3325022003", day=date(2026, 11, 27))
    outreach.set_active(c, ev.id)
    a = _record(c, clock, off, 1, BEFORE_MIDNIGHT, "ACTIVATED")
    outreach.stop(c)
    b = _record(c, clock, off, 2, AFTER_MIDNIGHT, "FAILED")

    for v in (a, b):
        assert str(uuid.UUID(v.id)) == v.id  # a canonical UUID string on both engines
    got_a, got_b = visits.get_visit(c, a.id), visits.get_visit(c, b.id)
    assert got_a.started_at == BEFORE_MIDNIGHT and got_a.started_at.tzinfo is not None
    assert got_a.started_at.utcoffset() == timedelta(0)
    assert c.local(got_a.started_at).isoformat() == "2026-11-27T23:59:30.123456+07:00"
    assert c.local(got_b.started_at).isoformat() == "2026-11-28T00:00:30.654321+07:00"
    assert got_a.ended_at - got_a.started_at == timedelta(seconds=95)
    assert (got_a.day, got_b.day) == (date(2026, 11, 27), date(2026, 11, 28))
    assert got_a.handling_seconds == 95
    tl = visits.timeline(c, b.id)
    assert [e.kind for e in tl] == ["start", "outcome"]
    assert tl[0].at == AFTER_MIDNIGHT and tl[0].at.tzinfo is not None

    d1 = report.summary(c, date(2026, 11, 27))
    assert (d1.visits, d1.outcomes["ACTIVATED"], d1.outcomes["FAILED"]) == (1, 1, 0)
    assert d1.per_hour["23"] == 1 and d1.handling_max == 95
    d2 = report.summary(c, date(2026, 11, 28))
    assert (d2.visits, d2.outcomes["FAILED"]) == (1, 1)
    assert d2.per_hour["00"] == 1
    both = report.summary(c, date(2026, 11, 27), date(2026, 11, 28))
    assert both.visits == 2 and both.handling_median == 95

    split = outreach.by_event(c, date(2026, 11, 27), date(2026, 11, 28))
    assert [(s.key, s.place_kind, s.visits, s.activated, s.failed, s.attempted) for s in split] == [
        (ev.id, "village", 1, 1, 0, 1),
        ("", "office", 1, 0, 1, 1),
    ]
    assert split[0].conversion == 1.0
    places = outreach.by_place(c, date(2026, 11, 27), date(2026, 11, 27))
    assert [(p.key, p.visits) for p in places] == [("33.25.02.2003", 1)]


def _sqlite_ctx(tmp: Path, clock) -> Context:  # noqa: ANN001
    s = load_settings(
        tmp / "none.toml",
        env={},
        overrides={"database.url": str(tmp / "other.db"), "paths.data": str(tmp / "other-data")},
    )
    return make_context(s, clock=clock)


def test_bundles_cross_engines(any_ctx, clock, tmp_path) -> None:  # noqa: ANN001
    """A laptop on SQLite and an office on PostgreSQL (and the other way round)."""
    office, laptop = any_ctx, _sqlite_ctx(tmp_path, clock)
    try:
        lo = accounts.create_officer(laptop, "budi", "975310")
        oo = accounts.create_officer(office, "siti", "135790")
        share_key(office, laptop)
        outreach.start(laptop, school="SMP Negeri 2 Batang")
        a = _record(laptop, clock, lo, 1, BEFORE_MIDNIGHT, "ACTIVATED")
        b = _record(office, clock, oo, 2, AFTER_MIDNIGHT, "PENDING")
        bundles.export_bundle(laptop, tmp_path / "l.ikdb")
        s1 = bundles.import_bundle(office, tmp_path / "l.ikdb")
        assert (s1.new_visits, s1.events_added, s1.officers_created) == (1, 2, ["budi"])
        bundles.export_bundle(office, tmp_path / "o.ikdb")
        s2 = bundles.import_bundle(laptop, tmp_path / "o.ikdb")
        assert (s2.new_visits, s2.unchanged_visits, s2.officers_created) == (1, 1, ["siti"])
        assert bundles.import_bundle(office, tmp_path / "l.ikdb").already_imported
        for v in (a, b):
            x, y = visits.get_visit(office, v.id), visits.get_visit(laptop, v.id)
            assert (x.started_at, x.ended_at, x.day, x.outcome, x.event_id) == (
                y.started_at,
                y.ended_at,
                y.day,
                y.outcome,
                y.event_id,
            )
            assert [(e.at, e.kind) for e in visits.timeline(office, v.id)] == [
                (e.at, e.kind) for e in visits.timeline(laptop, v.id)
            ]
        assert visits.get_visit(office, a.id).started_at == BEFORE_MIDNIGHT
        r_office = report.summary(office, date(2026, 11, 27), date(2026, 11, 28))
        r_laptop = report.summary(laptop, date(2026, 11, 27), date(2026, 11, 28))
        assert r_office.outcomes == r_laptop.outcomes and r_office.visits == 2
        assert r_office.per_hour == r_laptop.per_hour
    finally:
        laptop.db.dispose()
