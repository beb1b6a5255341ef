"""Outreach events: places from the region table or a school, the active event, splits."""

from __future__ import annotations

from datetime import date

import pytest

from counter.domain import nik as nikmod
from counter.services import audit, outreach, visits


def _nik(i: int) -> str:
    return nikmod.compose("332504", date(1988, 7, 1 + i), "F", 10 + i)


def test_places_are_validated(ctx) -> None:  # noqa: ANN001
    with pytest.raises(outreach.OutreachError) as e:
        outreach.create_event(ctx, village_code="33.25.01")  # a kecamatan, not a desa
    assert e.value.code == "bad_village" and "33.25.01" in e.value.message("en")
    with pytest.raises(outreach.OutreachError) as e:
        outreach.create_event(ctx)
    assert e.value.code == "place_required"
    with pytest.raises(outreach.OutreachError):
        outreach.create_event(ctx, village_code="3325012001", school="SD 1")
    with pytest.raises(outreach.OutreachError):
        outreach.create_event(ctx, school="   ")
    ev = outreach.create_event(ctx, village_code="3325012001")
    assert (ev.place_code, ev.place_name, ev.place_kind) == ("33.25.01.2001", "Silurah", "village")
    assert ev.name == "Silurah, Wonotunggal" and ev.day == date(2026, 11, 27)
    sch = outreach.create_event(
        ctx, school="  SMK  Negeri 1   Batang ", day=date(2026, 12, 2), name="Pekan IKD sekolah"
    )
    assert (sch.place_code, sch.place_name, sch.name) == (
        None,
        "SMK Negeri 1 Batang",
        "Pekan IKD sekolah",
    )
    assert [e.id for e in outreach.list_events(ctx)] == [sch.id, ev.id]  # newest day first
    assert [e.id for e in outreach.list_events(ctx, date_to=date(2026, 11, 30))] == [ev.id]
    assert outreach.get_event(ctx, ev.id[:8]).id == ev.id
    with pytest.raises(outreach.OutreachError) as e:
        outreach.get_event(ctx, "zzzzzzzz")
    assert e.value.code == "not_found"
    assert [r.name for r in outreach.find_villages("silur")] == ["Silurah"]


def test_active_event_stamps_visits_and_splits(ctx, officer) -> None:  # noqa: ANN001
    assert outreach.active_event(ctx) is None
    a = outreach.start(ctx, village_code="33.25.01.2001", by=officer)
    assert outreach.active_event(ctx) == a
    v1 = visits.start_visit(ctx, officer, _nik(1))
    visits.finish_visit(ctx, v1.id, "ACTIVATED", officer_id=officer.id)
    v2 = visits.start_visit(ctx, officer, _nik(2))  # left open
    b = outreach.start(ctx, village_code="33.25.01.2001", name="Silurah, kedua")
    v3 = visits.start_visit(ctx, officer, _nik(3))
    visits.finish_visit(ctx, v3.id, "ALREADY_ACTIVE", officer_id=officer.id)
    c = outreach.start(ctx, school="SD Negeri Silurah")
    v4 = visits.start_visit(ctx, officer, _nik(4))
    visits.finish_visit(ctx, v4.id, "NOT_ELIGIBLE", "no_smartphone", officer_id=officer.id)
    assert outreach.stop(ctx, by=officer) == c
    assert outreach.stop(ctx) is None
    v5 = visits.start_visit(ctx, officer, _nik(5))
    visits.finish_visit(ctx, v5.id, "DECLINED", officer_id=officer.id)
    got = {v.id: v.event_id for v in visits.visits_of_day(ctx, date(2026, 11, 27))}
    assert got == {v1.id: a.id, v2.id: a.id, v3.id: b.id, v4.id: c.id, v5.id: None}

    day = date(2026, 11, 27)
    ev = {s.key: s for s in outreach.by_event(ctx, day, day)}
    assert (ev[a.id].visits, ev[a.id].activated, ev[a.id].open) == (2, 1, 1)
    assert (ev[b.id].visits, ev[b.id].already_active, ev[b.id].attempted) == (1, 1, 0)
    assert (ev[c.id].other, ev[c.id].attempted) == (1, 1)
    assert (ev[""].visits, ev[""].other, ev[""].place_kind) == (1, 1, "office")
    assert outreach.by_event(ctx, day, day)[-1].key == ""  # office last
    places = outreach.by_place(ctx, day, day)
    assert [(p.place_kind, p.key, p.visits) for p in places] == [
        ("school", "SD Negeri Silurah", 1),
        ("village", "33.25.01.2001", 3),
        ("office", "", 1),
    ]
    assert outreach.by_event(ctx, date(2026, 11, 28), date(2026, 11, 30)) == []
    actions = [e.action for e in audit.recent(ctx)]
    assert actions.count("outreach_created") == 3 and "outreach_stopped" in actions
