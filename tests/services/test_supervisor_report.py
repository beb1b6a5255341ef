"""The report service against the hand-counted fixture day, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from counter.services import report
from tests.helpers.supervisor import DAY, build

EXPECTED_DAY = {
    "date": "2026-11-27",
    "visits": 11,
    "outcomes": {
        "ALREADY_ACTIVE": 1,
        "ACTIVATED": 3,
        "PENDING": 1,
        "FAILED": 2,
        "NOT_ELIGIBLE": 1,
        "REFERRED": 1,
        "DECLINED": 1,
    },
    "reasons": {
        "FAILED": {"email_not_received": 1, "face_mismatch": 1},
        "NOT_ELIGIBLE": {"no_smartphone": 1},
        "REFERRED": {"data_mismatch": 1},
    },
    "by_officer": {
        "budi": {"visits": 5, "activated": 1, "avg_seconds": 380},
        "siti": {"visits": 6, "activated": 2, "avg_seconds": 396},
    },
    "by_counter": {
        "LOKET-1": {"visits": 6, "activated": 2, "avg_seconds": 396},
        "LOKET-2": {"visits": 4, "activated": 0, "avg_seconds": 370},
        "LOKET-3": {"visits": 1, "activated": 1, "avg_seconds": 420},
    },
    "handling_seconds": {"median": 360, "max": 900},
    "per_hour": {"08": 3, "09": 2, "10": 2, "11": 1, "12": 0, "13": 1, "14": 2, "15": 0},
    # 1000 + 3 on the 27th + 1 on the 26th; (3000 - 1004) / 24 working days left = 83.2 -> 84
    "target": {"baseline": 1000, "activated_total": 1004, "goal": 3000, "needed_per_day": 84},
}


def test_fixture_day_report_matches_hand_count(any_ctx, clock) -> None:
    build(any_ctx, clock)
    r = report.summary(any_ctx, DAY)
    assert r.to_json() == EXPECTED_DAY
    assert r.unfinished == 1
    assert r.attempted == 8  # ACTIVATED 3 + PENDING 1 + FAILED 2 + NOT_ELIGIBLE 1 + REFERRED 1
    assert r.conversion == 37.5  # 3 of 8
    assert r.working_days_left == 24


def test_range_report_adds_from_to(any_ctx, clock) -> None:
    build(any_ctx, clock)
    j = report.summary(any_ctx, date(2026, 11, 26), DAY).to_json()
    assert j["from"] == "2026-11-26" and j["to"] == "2026-11-27" and j["date"] == "2026-11-27"
    assert j["visits"] == 13
    assert j["outcomes"]["ACTIVATED"] == 4 and j["outcomes"]["FAILED"] == 3
    assert j["reasons"]["FAILED"] == {"email_not_received": 1, "face_mismatch": 1, "no_email": 1}
    assert j["by_officer"]["siti"] == {"visits": 8, "activated": 3, "avg_seconds": 411}
    # handling values: 60 600 900 300 120 480 240 40 720 420 + 600 300 -> sorted middle 300, 420
    assert j["handling_seconds"] == {"median": 360, "max": 900}
    assert j["per_hour"]["10"] == 3 and j["per_hour"]["11"] == 2
    assert j["target"]["activated_total"] == 1004


def test_target_counts_until_the_report_date_only(ctx, clock) -> None:
    build(ctx, clock)
    assert report.summary(ctx, date(2026, 11, 26)).target_percent == pytest.approx(33.4, 0.01)
    j26 = report.summary(ctx, date(2026, 11, 26)).to_json()["target"]
    assert j26["activated_total"] == 1001
    # (3000-1001) / 25 working days (27 Nov + 24) = 79.96 -> 80
    assert j26["needed_per_day"] == 80
    j30 = report.summary(ctx, date(2026, 11, 30)).to_json()
    assert j30["visits"] == 1 and j30["target"]["activated_total"] == 1005


def test_empty_day_has_all_outcomes_at_zero(ctx) -> None:
    j = report.summary(ctx, date(2026, 1, 5)).to_json()
    assert j["visits"] == 0
    assert j["outcomes"] == {
        o: 0
        for o in (
            "ALREADY_ACTIVE",
            "ACTIVATED",
            "PENDING",
            "FAILED",
            "NOT_ELIGIBLE",
            "REFERRED",
            "DECLINED",
        )
    }
    assert j["handling_seconds"] == {"median": None, "max": None}
    assert list(j["per_hour"]) == ["08", "09", "10", "11", "12", "13", "14", "15"]


def test_working_days() -> None:
    assert report.working_days_between(date(2026, 11, 27), date(2026, 12, 31)) == 24
    assert report.working_days_between(date(2026, 12, 31), date(2026, 12, 31)) == 0
    assert report.working_days_between(date(2026, 11, 27), date(2026, 11, 29)) == 0  # weekend
    assert report.working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1


def test_median_of_histogram() -> None:
    assert report.median_from_histogram([]) is None
    assert report.median_from_histogram([(5, 1)]) == 5
    assert report.median_from_histogram([(1, 1), (4, 1)]) == 2.5
    assert report.median_from_histogram([(1, 3), (9, 1)]) == 1


def test_report_query_uses_the_day_index(ctx) -> None:
    """The day's aggregation is an index search on Visit.day, never a full table scan."""
    with ctx.db.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT outcome, count(*) FROM visit WHERE day = '2026-11-27' "
            "GROUP BY outcome"
        ).fetchall()
    text = " ".join(str(r[-1]) for r in plan)
    assert "SEARCH visit USING" in text and "ix_visit_day" in text, text
    assert "SCAN visit" not in text, text


def test_split_by_outreach_event(any_ctx, clock) -> None:
    from counter.services import accounts, outreach, visits
    from tests.helpers.supervisor import nik

    siti = accounts.create_officer(any_ctx, "siti", "135790")
    ev = outreach.create_event(any_ctx, village_code="33.25.01.2001")
    assert "by_event" not in report.summary(any_ctx, DAY).to_json()
    for serial, outcome, event_id in (
        (1, "ACTIVATED", ev.id),
        (2, "DECLINED", ev.id),
        (3, "ACTIVATED", None),
    ):
        v = visits.start_visit(any_ctx, siti, nik(serial), event_id=event_id)
        clock.advance(seconds=120)
        visits.finish_visit(any_ctx, v.id, outcome)
    j = report.summary(any_ctx, DAY).to_json()
    assert j["visits"] == 3
    assert j["by_event"] == {
        ev.id: {"name": ev.name, "place": "Silurah", "visits": 2, "activated": 1}
    }


def test_running_count_cache_is_used_and_invalidated(ctx, clock) -> None:
    """The target's running total comes from a cache that any change to an old day voids."""
    import json as _json

    from counter.services import settings_store, visits
    from tests.helpers.supervisor import at, build, nik

    fx = build(ctx, clock)
    assert report.summary(ctx, DAY).target_percent  # leaves a cache through the 26th
    cache = _json.loads(settings_store.get(ctx, report.CACHE_KEY))
    assert cache["through"] == "2026-11-26" and cache["count"] == 1
    # the cache is really used: a doctored count shows through ...
    settings_store.put(ctx, report.CACHE_KEY, _json.dumps({**cache, "count": 101}))
    assert report.summary(ctx, DAY).activated_total == 1104
    # ... until a visit of a cached day changes (here: a correction of the 26th)
    visits.correct_visit(ctx, fx.before["failed"], fx.kasi, "ACTIVATED", None, "was active")
    assert report.summary(ctx, DAY).activated_total == 1005
    assert _json.loads(settings_store.get(ctx, report.CACHE_KEY))["count"] == 2
    # today's work does not void it; a visit added to an old day does
    clock.set(at(27, 16, 30))
    v = visits.start_visit(ctx, fx.siti, nik(40))
    visits.finish_visit(ctx, v.id, "ACTIVATED")
    assert report.summary(ctx, DAY).activated_total == 1006
    assert _json.loads(settings_store.get(ctx, report.CACHE_KEY))["count"] == 2
    clock.set(at(25, 10, 0))
    v = visits.start_visit(ctx, fx.siti, nik(41))  # e.g. merged from an outreach laptop
    clock.advance(seconds=60)
    visits.finish_visit(ctx, v.id, "ACTIVATED")
    clock.set(at(27, 16, 45))
    assert report.summary(ctx, DAY).activated_total == 1007
    assert _json.loads(settings_store.get(ctx, report.CACHE_KEY))["count"] == 3
    # a report of an older day does not replace the cache of the recent days
    assert report.summary(ctx, date(2026, 11, 10)).activated_total == 1000
    assert _json.loads(settings_store.get(ctx, report.CACHE_KEY))["through"] == "2026-11-26"


def test_cache_checks_walk_new_rows_only(ctx) -> None:
    with ctx.db.engine.connect() as conn:
        for sql in (report.NEW_VISITS_SQL, report.NEW_EVENTS_SQL):
            plan = " / ".join(
                str(r[-1])
                for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, (0, "2026-11-26")
                ).fetchall()
            )
            assert plan.split(" / ")[0].endswith("USING INTEGER PRIMARY KEY (rowid>?)"), plan
