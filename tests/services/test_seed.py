"""seed-demo: deterministic, plausible sample data with step events, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.services import accounts
from counter.services.context import Context, make_context
from counter.services.seed import SeedError, seed_demo
from counter.store.models import Officer, RegistryEntry, Visit, VisitEvent

TZ = ZoneInfo("Asia/Jakarta")


def _ctx(tmp_path: Path, name: str, clock) -> Context:  # noqa: ANN001
    s = load_settings(
        tmp_path / "none.toml",
        env={},
        overrides={
            "database.url": str(tmp_path / f"{name}.db"),
            "paths.data": str(tmp_path / "data"),
        },
    )
    return make_context(s, clock=clock)


def _dump(ctx: Context) -> dict[str, list[tuple]]:
    """All seeded rows, without the database's own device id."""
    out: dict[str, list[tuple]] = {}
    with ctx.db.read() as s:
        for model, order in (
            (RegistryEntry, RegistryEntry.nik),
            (Visit, Visit.id),
            (VisitEvent, VisitEvent.id),
            (Officer, Officer.id),
        ):
            cols = [
                c
                for c in model.__table__.columns  # type: ignore[attr-defined]
                if c.name not in ("device_id", "pin_hash")
            ]
            out[model.__tablename__] = [tuple(r) for r in s.execute(select(*cols).order_by(order))]
    return out


def test_same_seed_same_data_other_seed_differs(tmp_path: Path, clock) -> None:  # noqa: ANN001
    a, b, c = (_ctx(tmp_path, n, clock) for n in ("a", "b", "c"))
    try:
        sa = seed_demo(a, registry=300, visits=150, days=10, seed=7)
        sb = seed_demo(b, registry=300, visits=150, days=10, seed=7)
        seed_demo(c, registry=300, visits=150, days=10, seed=8)
        da, db_, dc = _dump(a), _dump(b), _dump(c)
        assert {k: v for k, v in sa.items() if k != "seconds"} == {
            k: v for k, v in sb.items() if k != "seconds"
        }
        assert da == db_
        assert len(da["visit"]) == 150 and len(da["registry_entry"]) == 300
        assert da["registry_entry"] != dc["registry_entry"]
        assert da["visit"] != dc["visit"]
    finally:
        for x in (a, b, c):
            x.db.dispose()


def test_every_nik_valid_and_registry_mostly_not_active(ctx: Context) -> None:
    summary = seed_demo(ctx, registry=2000, visits=300, days=15, seed=3)
    today = ctx.today()
    with ctx.db.read() as s:
        reg = s.execute(
            select(RegistryEntry.nik, RegistryEntry.ikd_status, RegistryEntry.activated_on)
        ).all()
        visits = s.execute(select(Visit.nik, Visit.in_batang, Visit.district_code)).all()
    assert len(reg) == 2000
    for n, status, act in reg:
        info = nikmod.parse(n, today)
        assert info.in_batang and info.district_name
        assert 17 <= info.age(today) <= 81
        assert (status == oc.ACTIVE) == (act is not None)
        assert act is None or act <= today
    active = sum(1 for _, st, _ in reg if st == oc.ACTIVE)
    assert active == summary["registry_active"]
    assert 0.04 < active / len(reg) < 0.10  # about 7%
    sexes = Counter(nikmod.parse(n, today).sex for n, _, _ in reg)
    assert sexes["F"] > 700 and sexes["M"] > 700
    districts = {n[:6] for n, _, _ in reg}
    assert len(districts) == 15
    for n, in_batang, district in visits:
        info = nikmod.parse(n, today)
        assert info.in_batang == in_batang and district == n[:6]
    assert any(not v.in_batang for v in visits)  # some residents of other regencies


def test_outcome_mix_times_and_reasons_plausible(ctx: Context) -> None:
    seed_demo(ctx, registry=3000, visits=800, days=28, seed=11)
    now, today = ctx.now(), ctx.today()
    with ctx.db.read() as s:
        visits = [r[0] for r in s.execute(select(Visit))]
    counts = Counter(v.outcome for v in visits)
    assert set(counts) == set(oc.OUTCOMES)
    assert (counts[oc.ALREADY_ACTIVE] + counts[oc.ACTIVATED]) / len(visits) > 0.5
    for o in (oc.PENDING, oc.FAILED, oc.NOT_ELIGIBLE, oc.REFERRED, oc.DECLINED):
        assert counts[o] < counts[oc.ACTIVATED]
    reasons = Counter(v.reason for v in visits if v.reason)
    for code in ("email_not_received", "face_fail", "smartphone", "nik_not_found"):
        assert reasons[code] > 0, code
    # every reason and step is one the counter's protocol file knows (labels in reports)
    from counter.domain.protocol import load_protocol

    proto = load_protocol()
    known = set(proto.problems) | {p.id for p in proto.prerequisites}
    assert set(reasons) <= known, set(reasons) - known
    with ctx.db.read() as s:
        steps = {
            r[0] if r[1] == "problem" else json.loads(r[2])["done"]
            for r in s.execute(
                select(VisitEvent.step, VisitEvent.kind, VisitEvent.data).where(
                    VisitEvent.kind.in_(("step", "problem"))
                )
            )
        }
    assert steps == {st.id for st in proto.steps}
    days = set()
    for v in visits:
        if v.outcome in oc.NEEDS_REASON:
            assert v.reason
        if v.outcome in (oc.ALREADY_ACTIVE, oc.ACTIVATED):
            assert v.reason is None
        local = v.started_at.astimezone(TZ)
        assert local.date() == v.day and v.day.weekday() < 5
        assert time(8, 0) <= local.time() <= time(15, 0)
        assert v.ended_at is not None and v.started_at < v.ended_at <= now
        assert v.handling_seconds == int((v.ended_at - v.started_at).total_seconds())
        assert (today - v.day).days < 28
        assert v.counter_id in ("LOKET-1", "LOKET-2", "LOKET-3")
        if v.phone:
            assert v.consent_contact and v.phone.startswith("08") and 10 <= len(v.phone) <= 13
        if v.followup_state == "open":
            assert v.outcome in oc.FOLLOW_UP and v.phone
        days.add(v.day)
    assert len(days) >= 15
    consented = sum(1 for v in visits if v.consent_contact)
    assert 0.1 < consented / len(visits) < 0.6
    # a NIK once activated here is ALREADY_ACTIVE on a later visit, never activated twice
    by_nik: dict[str, list[Visit]] = {}
    for v in sorted(visits, key=lambda v: v.started_at):
        by_nik.setdefault(v.nik, []).append(v)
    for vs in by_nik.values():
        assert sum(1 for v in vs if v.outcome == oc.ACTIVATED) <= 1


def test_visits_have_step_events_like_the_visits_service(any_ctx: Context) -> None:
    seed_demo(any_ctx, registry=400, visits=120, days=10, seed=5)
    with any_ctx.db.read() as s:
        visits = {r[0].id: r[0] for r in s.execute(select(Visit))}
        evs = [
            r[0]
            for r in s.execute(select(VisitEvent).order_by(VisitEvent.visit_id, VisitEvent.seq))
        ]
    assert len(visits) == 120
    timeline: dict[str, list[VisitEvent]] = {}
    for e in evs:
        timeline.setdefault(e.visit_id, []).append(e)
    assert set(timeline) == set(visits)
    kinds = Counter(e.kind for e in evs)
    assert kinds["start"] == 120 and kinds["outcome"] == 120 and kinds["step"] > 0
    assert kinds["prereq"] > 0 and kinds["problem"] > 0
    for vid, tl in timeline.items():
        v = visits[vid]
        assert [e.seq for e in tl] == list(range(1, len(tl) + 1)) == list(range(1, v.last_seq + 1))
        assert tl[0].kind == "start" and tl[0].at == v.started_at
        assert json.loads(tl[0].data)["ikd_status"] == v.ikd_status_found
        out = [e for e in tl if e.kind == "outcome"]
        assert len(out) == 1 and out[0].step == "done" and out[0].at == v.ended_at
        assert json.loads(out[0].data) == {"outcome": v.outcome, "reason": v.reason, "note": v.note}
        assert all(e.officer_id == v.officer_id for e in tl if e.kind != "followup")
        assert all(v.started_at <= e.at for e in tl)
        # the counter screen's shape: a step event names the step done and moves to the next
        if v.outcome == oc.ACTIVATED:
            last = [e for e in tl if e.kind == "step"][-1]
            assert json.loads(last.data)["done"] == "set_pin" and last.step == "outcome"
        if v.outcome == oc.NOT_ELIGIBLE:
            prereq = [json.loads(e.data) for e in tl if e.kind == "prereq"]
            assert prereq == [{"missing": [v.reason]}]
        if v.outcome == oc.FAILED:
            problems = [json.loads(e.data) for e in tl if e.kind == "problem"]
            assert problems[-1] == {"problem": v.reason}
            chosen = [json.loads(e.data) for e in tl if e.kind == "choose_outcome"]
            assert chosen == [{"outcome": "FAILED", "reason": v.reason}]
        # and the whole timeline replays through the visit model, strictly, to the row
        state = vm.replay(
            [vm.parse(e.kind, e.step, json.loads(e.data), e.at) for e in tl], strict=True
        )
        assert (state.status, state.outcome, state.reason) == (vm.Status.ENDED, v.outcome, v.reason)
        if v.followup_state == "resolved":
            assert tl[-1].kind == "followup" and v.revision == 1
            assert json.loads(tl[-1].data) == {
                "state": "resolved",
                "by_visit": v.resolved_by_visit_id,
            }
            assert visits[v.resolved_by_visit_id].outcome == oc.ACTIVATED


def test_officers_can_log_in_and_events_flag(ctx: Context) -> None:
    summary = seed_demo(ctx, registry=50, visits=40, days=5, seed=2, events=False)
    assert summary["events"] == 0
    assert accounts.authenticate(ctx, "kasi", "246802").role == "supervisor"
    for user, pin in (("siti", "135790"), ("budi", "135791"), ("ani", "135792")):
        assert accounts.authenticate(ctx, user, pin).role == "officer"
    with ctx.db.read() as s:
        assert s.execute(select(VisitEvent.id)).first() is None
        assert len(s.execute(select(Visit.id)).all()) == 40
    with pytest.raises(SeedError) as e:
        seed_demo(ctx, registry=0, visits=10, seed=3)
    assert e.value.code == "not_empty" and "visit" in e.value.message("en")


def test_existing_officer_kept(ctx: Context, officer) -> None:  # noqa: ANN001
    seed_demo(ctx, registry=20, visits=10, days=3, seed=1)
    assert accounts.authenticate(ctx, "siti", "135790").id == officer.id
    assert [o.username for o in accounts.list_officers(ctx)] == ["ani", "budi", "kasi", "siti"]


def test_cli_seed_demo_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from counter.cli import main

    db = tmp_path / "demo.db"
    rc = main(
        [
            "--db",
            str(db),
            "seed-demo",
            "--registry",
            "100",
            "--visits",
            "30",
            "--days",
            "7",
            "--seed",
            "4",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["visits"] == 30 and out["registry"] == 100 and out["seed"] == 4
    assert sum(out["outcomes"].values()) == 30 and out["events"] >= 60
    rc = main(["--db", str(db), "--lang", "en", "seed-demo", "--visits", "5"])
    assert rc == 1
    assert "only fills an empty database" in capsys.readouterr().err
