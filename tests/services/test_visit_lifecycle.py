"""The visit's edges, through the services on SQLite and PostgreSQL (issue 12, defects 1-5):
closed days, abandoned visits, one open visit per resident, voids, protocol reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.services import audit, dayclose, daylog, export, followup, report, visits
from counter.services.dayclose import DayCloseError
from counter.services.visits import AlreadyOpen, DayClosed, VisitError, VisitRefused
from tests.helpers.export import NIKS, people, read_csv
from tests.helpers.export import visit as make_visit


@pytest.fixture
def team(any_ctx):
    from counter.services import accounts

    off, sup = people(any_ctx)
    budi = accounts.create_officer(any_ctx, "budi", "135791", role="officer", full_name="Budi")
    return off, sup, budi


# -- 1. a closed day -----------------------------------------------------------------------------


def test_closed_day_refuses_a_new_visit_at_its_start(any_ctx, team) -> None:
    off, sup, _ = team
    dayclose.close_day(any_ctx, any_ctx.today(), sup, backup=False)
    with pytest.raises(DayClosed) as e:
        visits.start_visit(any_ctx, off, NIKS[0])
    msg = e.value.message("en")
    assert "supervisor" in msg and "kasi" in msg and any_ctx.today().isoformat() in msg
    assert "supervisor" in e.value.message("id")
    assert visits.visits_of_day(any_ctx, any_ctx.today()) == []


def test_close_refuses_with_the_open_visits_then_closes_them_in_one_step(
    any_ctx, team, clock
) -> None:
    off, sup, budi = team
    make_visit(any_ctx, clock, off, NIKS[1])  # finished
    open_id = make_visit(any_ctx, clock, budi, NIKS[0], finish=False)
    with pytest.raises(DayCloseError) as e:
        dayclose.close_day(any_ctx, any_ctx.today(), sup, backup=False)
    assert e.value.code == "unfinished"
    assert [(v.visit_id, v.officer) for v in e.value.open_visits] == [(open_id, "budi")]
    assert not dayclose.status(any_ctx, any_ctx.today()).is_closed
    with pytest.raises(VisitError):  # only PENDING / FAILED / DECLINED
        dayclose.close_day(
            any_ctx,
            any_ctx.today(),
            sup,
            backup=False,
            close_open_as=(oc.ACTIVATED, vm.INTERRUPTED),
        )
    res = dayclose.close_day(
        any_ctx, any_ctx.today(), sup, backup=False, close_open_as=(oc.PENDING, vm.INTERRUPTED)
    )
    assert res.report.visits == 2
    v = visits.get_visit(any_ctx, open_id)
    assert (v.outcome, v.reason, v.ended_at is not None) == (oc.PENDING, vm.INTERRUPTED, True)
    assert [a.target for a in audit.recent(any_ctx, action="visit_closed_abandoned")] == [open_id]
    # the officer's screen still holds it: any further key is refused, nothing is added
    with pytest.raises(VisitError):
        visits.record_event(any_ctx, open_id, "step", "open_terms", {"done": "install"}, budi.id)


# -- 2. an abandoned visit -----------------------------------------------------------------------


def test_supervisor_closes_another_officers_abandoned_visit(any_ctx, team, clock) -> None:
    off, sup, budi = team
    vid = make_visit(any_ctx, clock, budi, NIKS[0], finish=False, seconds=100)
    clock.advance(hours=3)  # budi pressed F8 and went home
    with pytest.raises(VisitError) as e:
        visits.close_abandoned(any_ctx, off, vid, oc.PENDING, vm.INTERRUPTED)
    assert e.value.code == "forbidden"
    with pytest.raises(VisitRefused) as e2:
        visits.close_abandoned(any_ctx, sup, vid, oc.ACTIVATED, vm.INTERRUPTED)
    assert e2.value.code == "abandoned_outcome"
    with pytest.raises(VisitRefused) as e3:
        visits.close_abandoned(any_ctx, sup, vid, oc.FAILED, "kode_ngawur")
    assert e3.value.code == "bad_reason"
    v = visits.close_abandoned(any_ctx, sup, vid, oc.FAILED, "app_error")
    assert (v.outcome, v.reason) == (oc.FAILED, "app_error")
    assert v.handling_seconds == 50  # stops at its last event (the step), not 3 hours later
    tl = visits.timeline(any_ctx, vid)
    assert tl[-1].kind == "outcome" and tl[-1].data["abandoned"] is True
    assert tl[-1].officer_id == sup.id
    rows = audit.recent(any_ctx, action="visit_closed_abandoned")
    assert rows[0].target == vid and json.loads(rows[0].detail)["officer_id"] == budi.id
    dayclose.close_day(any_ctx, any_ctx.today(), sup, backup=False)  # nothing blocks it now


# -- 3. one open visit per resident --------------------------------------------------------------


def test_same_nik_with_an_open_visit_is_offered_back_not_opened_twice(any_ctx, team, clock) -> None:
    off, _sup, budi = team
    first = visits.start_visit(any_ctx, budi, NIKS[0], step=vm.PREREQ_STEP)
    found = visits.open_visit_for_nik(any_ctx, "3325-0155-0590-0001")
    assert found is not None and (found.visit_id, found.officer) == (first.id, "budi")
    for who in (off, budi):
        with pytest.raises(AlreadyOpen) as e:
            visits.start_visit(any_ctx, who, NIKS[0])
        assert e.value.visit_id == first.id and e.value.officer == "budi"
        assert "budi" in e.value.message("en")
    assert len(visits.visits_of_day(any_ctx, any_ctx.today())) == 1
    visits.finish_visit(any_ctx, first.id, oc.DECLINED, officer_id=budi.id)
    assert visits.open_visit_for_nik(any_ctx, NIKS[0]) is None
    again = visits.start_visit(any_ctx, off, NIKS[0])  # a finished visit does not block
    assert again.id != first.id


# -- 4. void -------------------------------------------------------------------------------------


def test_void_is_kept_audited_and_counted_nowhere(any_ctx, team, clock) -> None:
    off, sup, budi = team
    keep = make_visit(any_ctx, clock, off, NIKS[1], outcome=oc.ACTIVATED)
    wrong = make_visit(
        any_ctx,
        clock,
        off,
        NIKS[0],
        outcome=oc.PENDING,
        reason="email_not_received",
        phone="081234567890",
        consent=True,
    )
    assert [f.visit_id for f in followup.open_followups(any_ctx)] == [wrong]
    before = report.summary(any_ctx, any_ctx.today())
    with pytest.raises(VisitRefused) as e:
        visits.void_visit(any_ctx, off, wrong, "  ")
    assert e.value.code == "void_reason_required"
    with pytest.raises(VisitRefused) as e:
        visits.void_visit(any_ctx, budi, wrong, "bukan kunjungan saya")
    assert e.value.code == "void_forbidden"
    visits.void_visit(any_ctx, off, wrong, "NIK salah ketik")
    with pytest.raises(VisitRefused):
        visits.void_visit(any_ctx, sup, wrong, "lagi")
    with pytest.raises(VisitError):
        visits.correct_visit(any_ctx, wrong, sup, oc.ACTIVATED, None, "x")
    after = report.summary(any_ctx, any_ctx.today())
    assert (before.visits, after.visits) == (2, 1)
    assert after.outcomes[oc.PENDING] == 0 and after.outcomes[oc.ACTIVATED] == 1
    assert followup.open_followups(any_ctx) == []
    rows = {r.visit_id: r for r in daylog.daily_log(any_ctx, any_ctx.today())}
    assert rows[wrong].voided and not rows[keep].voided  # listed, marked
    assert [
        r.visit_id for r in daylog.daily_log(any_ctx, any_ctx.today(), outcome=daylog.VOIDED)
    ] == [wrong]
    assert [e.kind for e in visits.timeline(any_ctx, wrong)][-1] == "void"
    (a,) = audit.recent(any_ctx, action="visit_voided")
    assert a.target == wrong and json.loads(a.detail)["reason"] == "NIK salah ketik"
    d = daylog.open_visit(any_ctx, wrong, sup)
    assert d.void_reason == "NIK salah ketik" and d.outcome == oc.PENDING  # kept


def test_void_of_an_open_visit_ends_it_and_unblocks_the_day(any_ctx, team, clock) -> None:
    off, sup, _ = team
    vid = make_visit(any_ctx, clock, off, NIKS[0], finish=False)
    visits.void_visit(any_ctx, sup, vid, "warga salah")
    assert visits.unfinished(any_ctx) == [] and visits.open_visit_for_nik(any_ctx, NIKS[0]) is None
    dayclose.close_day(any_ctx, any_ctx.today(), sup, backup=False)
    with pytest.raises(DayClosed):
        visits.void_visit(any_ctx, sup, make_visit_id_of(any_ctx), "x")


def make_visit_id_of(ctx) -> str:
    return visits.visits_of_day(ctx, ctx.today())[0].id


def test_export_contract_for_voided_visits(any_ctx, team, clock, tmp_path: Path) -> None:
    off, sup, _ = team
    sent = make_visit(any_ctx, clock, off, NIKS[0], outcome=oc.DECLINED)
    never = make_visit(any_ctx, clock, off, NIKS[1], outcome=oc.DECLINED)
    keep = make_visit(any_ctx, clock, off, NIKS[2], outcome=oc.ACTIVATED)
    first = export.export_visits(any_ctx, sup, "since_last", fmt="csv", out=tmp_path / "a.csv")
    assert first.rows == 3
    never2 = make_visit(any_ctx, clock, off, NIKS[3], outcome=oc.DECLINED)
    visits.void_visit(any_ctx, sup, sent, "salah orang")
    visits.void_visit(any_ctx, sup, never2, "salah ketik")
    second = export.export_visits(any_ctx, sup, "since_last", fmt="csv", out=tmp_path / "b.csv")
    _, rows = read_csv(second.path)
    # only the already-exported one goes again, as VOID, so the central side can remove it
    assert [(r[0], r[11]) for r in rows] == [(sent, vm.VOID)]
    assert (
        export.export_visits(any_ctx, sup, "since_last", fmt="csv", out=tmp_path / "c.csv").rows
        == 0
    )
    fixed = export.export_visits(
        any_ctx, sup, "date", date_from=any_ctx.today(), fmt="csv", out=tmp_path / "d.csv"
    )
    _, rows = read_csv(fixed.path)
    assert sorted(r[0] for r in rows) == sorted([never, keep])  # fixed ranges: no voided row


# -- 5. correction reasons -----------------------------------------------------------------------


def test_correction_reason_must_be_the_protocols_for_that_outcome(any_ctx, team, clock) -> None:
    off, sup, _ = team
    vid = make_visit(any_ctx, clock, off, NIKS[0], outcome=oc.DECLINED)
    for outcome, reason in (
        (oc.FAILED, "kode_ngawur"),
        (oc.NOT_ELIGIBLE, "face_fail"),
        (oc.REFERRED, "email"),
    ):
        with pytest.raises(VisitRefused) as e:
            visits.correct_visit(any_ctx, vid, sup, outcome, reason, "cek ulang")
        assert e.value.code == "bad_reason" and reason in e.value.message("en")
    assert visits.get_visit(any_ctx, vid).revision == 0  # nothing written
    v = visits.correct_visit(any_ctx, vid, sup, oc.FAILED, "face_fail", "cek ulang")
    assert (v.outcome, v.reason) == (oc.FAILED, "face_fail")


# -- migration 0005 ------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_migration_0005_adds_and_removes_the_void_columns(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    """An old database is upgraded (its visits kept, none voided) and the downgrade drops the
    columns again without losing a visit."""
    from alembic.command import downgrade as alembic_downgrade
    from sqlalchemy import inspect, text

    from counter.store.db import Database
    from counter.store.migrate import alembic_config, upgrade

    url = request.getfixturevalue("pg_url") if engine == "postgres" else str(tmp_path / "m.db")
    db = Database(url)
    upgrade(db, "0004")
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO officer (username, full_name, role, pin_hash, active, "
                "failed_attempts, created_at) VALUES ('siti', '', 'officer', '', true, 0, "
                "'2026-11-27 01:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO visit (id, office_code, counter_id, officer_id, device_id, "
                "nik, district_code, in_batang, ikd_status_found, consent_contact, day, "
                "started_at, current_step, revision, last_seq, updated_at) VALUES "
                "('v1', '3325', 'L1', 1, 'd', '3325015505900001', '332501', true, "
                "'unknown', false, '2026-11-27', '2026-11-27 01:00:00', 'status', 0, 0, "
                "'2026-11-27 01:00:00')"
            )
        )
    upgrade(db, "head")
    with db.engine.connect() as c:
        cols = {col["name"] for col in inspect(c).get_columns("visit")}
        assert {"voided_at", "voided_by", "void_reason"} <= cols
        assert "ix_visit_nik_day_open" in {i["name"] for i in inspect(c).get_indexes("visit")}
        assert c.execute(text("SELECT id, voided_at FROM visit")).all() == [("v1", None)]
    cfg = alembic_config(db)
    with db.write_engine.begin() as c:
        cfg.attributes["connection"] = c
        alembic_downgrade(cfg, "0004")
    with db.engine.connect() as c:
        cols = {col["name"] for col in inspect(c).get_columns("visit")}
        assert not {"voided_at", "voided_by", "void_reason"} & cols
        assert c.execute(text("SELECT id FROM visit")).all() == [("v1",)]
    db.dispose()


# -- bundles carry a void ------------------------------------------------------------------------


def test_a_void_on_the_laptop_voids_the_visit_at_the_office(
    make_ctx, clock, tmp_path: Path
) -> None:
    from counter.services import bundles
    from tests.helpers.bundle import share_key

    office, laptop = make_ctx(name="office.db"), make_ctx(name="laptop.db")
    share_key(office, laptop)  # the office's bundle key, installed on the laptop at set-up
    off, sup = people(laptop)
    people(office)
    sent = make_visit(laptop, clock, off, NIKS[0], outcome=oc.ACTIVATED)
    fresh = make_visit(laptop, clock, off, NIKS[1], outcome=oc.DECLINED)
    bundles.export_bundle(laptop, tmp_path / "one.ikdb")
    bundles.import_bundle(office, tmp_path / "one.ikdb")
    visits.void_visit(laptop, off, sent, "salah orang")
    voided_new = make_visit(laptop, clock, off, NIKS[2], outcome=oc.DECLINED)
    visits.void_visit(laptop, sup, voided_new, "salah ketik")
    bundles.export_bundle(laptop, tmp_path / "two.ikdb", since_last=True)
    bundles.import_bundle(office, tmp_path / "two.ikdb")
    for vid in (sent, voided_new):
        v = visits.get_visit(office, vid)
        assert v.voided_at is not None and v.void_reason in ("salah orang", "salah ketik")
        assert [e.kind for e in visits.timeline(office, vid)][-1] == "void"
    assert visits.get_visit(office, fresh).voided_at is None
    r = report.summary(office, office.today())
    assert r.visits == 1 and r.outcomes[oc.ACTIVATED] == 0


def test_void_of_an_activation_reopens_the_followup_it_resolved(any_ctx, team, clock) -> None:
    off, sup, _ = team
    pending = make_visit(
        any_ctx,
        clock,
        off,
        NIKS[0],
        outcome=oc.PENDING,
        reason="email_not_received",
        phone="081234567890",
        consent=True,
    )
    act = make_visit(any_ctx, clock, off, NIKS[0], outcome=oc.ACTIVATED)
    assert visits.get_visit(any_ctx, pending).followup_state == "resolved"
    visits.void_visit(any_ctx, sup, act, "bukan warga ini")
    v = visits.get_visit(any_ctx, pending)
    assert (v.followup_state, v.resolved_by_visit_id) == ("open", None)
    assert [f.visit_id for f in followup.open_followups(any_ctx)] == [pending]
    tl = visits.timeline(any_ctx, pending)
    assert tl[-1].kind == "followup" and tl[-1].data == {
        "state": "open",
        "by_visit": act,
        "from": "resolved",
    }
    # the timeline still replays through the model
    state = vm.replay([e.event for e in tl], strict=True)
    assert state.followup == "open"


def _start_together(c, officer, nik: str, barrier, results: list[object]) -> None:
    barrier.wait()
    try:
        results.append(visits.start_visit(c, officer, nik).id)
    except AlreadyOpen as e:
        results.append(e)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_two_counters_typing_the_same_nik_at_once_open_one_visit(
    tmp_path: Path, engine: str, clock, request: pytest.FixtureRequest
) -> None:
    """Two connections start a visit for the same NIK at the same moment (real threads released
    together): exactly one visit opens, the other is told which one (SQLite: the write lock;
    PostgreSQL: a transaction lock on the NIK)."""
    import threading

    from counter.config import load_settings
    from counter.services import accounts
    from counter.services.context import make_context

    url = request.getfixturevalue("pg_url") if engine == "postgres" else str(tmp_path / "c.db")
    ctxs = []
    for n in (1, 2):
        s = load_settings(
            tmp_path / "none.toml",
            env={},
            overrides={
                "database.url": url,
                "paths.data": str(tmp_path / "data"),
                "office.counter": f"LOKET-{n}",
            },
        )
        ctxs.append(make_context(s, clock=clock))
    try:
        officer = accounts.create_officer(ctxs[0], "siti", "135790", role="officer")
        for _round in range(5):
            nik = NIKS[_round % 3]
            barrier = threading.Barrier(2)
            results: list[object] = []
            threads = [
                threading.Thread(target=_start_together, args=(c, officer, nik, barrier, results))
                for c in ctxs
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ids = [r for r in results if isinstance(r, str)]
            refused = [r for r in results if isinstance(r, AlreadyOpen)]
            assert len(ids) == 1 and len(refused) == 1, results
            assert refused[0].visit_id == ids[0]
            visits.finish_visit(ctxs[0], ids[0], oc.DECLINED, officer_id=officer.id)
    finally:
        for c in ctxs:
            c.db.dispose()
