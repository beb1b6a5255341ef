"""Daily log, visit detail, follow-up, close/reopen day, backup and the report CLI."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.services import audit, dayclose, daylog, followup, report, visits
from counter.services.backup import BackupError, backup, doctor
from counter.services.dayclose import DayCloseError
from counter.services.visits import VisitError
from tests.helpers.supervisor import DAY, at, build, nik


def _actions(ctx, action: str) -> list:
    return [a for a in audit.recent(ctx, action=action)]


# --- daily log ---------------------------------------------------------------------------------


def test_daily_log_filters_and_sorts(ctx, clock) -> None:
    fx = build(ctx, clock)
    rows = daylog.daily_log(ctx, DAY)
    assert [r.local_time for r in rows] == [
        "08:05",
        "08:20",
        "08:40",
        "09:10",
        "09:30",
        "10:15",
        "10:45",
        "11:05",
        "13:20",
        "14:50",
        "14:55",
    ]
    assert all("*" in r.nik_masked and r.nik_masked != nik(1) for r in rows)
    assert rows[0].nik_masked == "3325**********01"
    assert [r.local_time for r in daylog.daily_log(ctx, DAY, officer="budi")] == [
        "08:40",
        "09:10",
        "10:45",
        "11:05",
        "14:50",
    ]
    assert [r.visit_id for r in daylog.daily_log(ctx, DAY, counter="LOKET-3")] == [fx.ids[10]]
    failed = daylog.daily_log(ctx, DAY, outcome="FAILED")
    assert [(r.local_time, r.reason) for r in failed] == [
        ("08:40", "email_not_received"),
        ("13:20", "face_mismatch"),
    ]
    assert [r.visit_id for r in daylog.daily_log(ctx, DAY, outcome=daylog.UNFINISHED)] == [
        fx.ids[11]
    ]
    longest = daylog.daily_log(ctx, DAY, sort="handling", descending=True)
    assert [r.handling_seconds for r in longest[:3]] == [900, 720, 600]
    assert (
        daylog.daily_log(ctx, DAY, officer="budi", outcome="ACTIVATED")[0].counter_id == "LOKET-3"
    )
    assert daylog.log_choices(ctx, DAY) == {
        "officers": ["budi", "siti"],
        "counters": ["LOKET-1", "LOKET-2", "LOKET-3"],
    }


def test_open_visit_shows_full_nik_and_is_audited(ctx, clock) -> None:
    fx = build(ctx, clock)
    d = daylog.open_visit(ctx, fx.ids[3], fx.kasi)
    assert d.nik == nik(3) and d.phone == "081234567803"
    assert [e.kind for e in d.events] == ["start", "outcome"]
    rows = _actions(ctx, "visit_opened")
    assert len(rows) == 1 and rows[0].target == fx.ids[3] and rows[0].username == "kasi"
    with pytest.raises(VisitError) as e:
        daylog.open_visit(ctx, fx.ids[3], fx.siti)
    assert e.value.code == "forbidden"
    assert len(_actions(ctx, "visit_opened")) == 1


# --- follow-up ---------------------------------------------------------------------------------


def test_followup_list_contacted_resolved(ctx, clock) -> None:
    fx = build(ctx, clock)
    rows = followup.open_followups(ctx)
    # oldest first: the 26th's FAILED, then rows 3 (FAILED) and 4 (PENDING) of the 27th
    assert [r.visit_id for r in rows] == [fx.before["failed"], fx.ids[3], fx.ids[4]]
    assert [(r.phone, r.reason, r.age_days) for r in rows] == [
        ("081234567821", "no_email", 1),
        ("081234567803", "email_not_received", 0),
        ("081234567804", None, 0),
    ]
    with pytest.raises(VisitError):
        followup.mark_contacted(ctx, fx.ids[3], fx.kasi, "  ")
    with pytest.raises(VisitError):
        followup.mark_contacted(ctx, fx.ids[3], fx.siti, "called")
    v = followup.mark_contacted(ctx, fx.ids[3], fx.kasi, "called, comes Monday")
    assert v.followup_state == "contacted" and v.revision == 1
    followup.mark_resolved(ctx, fx.ids[4], fx.kasi, "activated at home")
    assert [r.visit_id for r in followup.open_followups(ctx)] == [fx.before["failed"], fx.ids[3]]
    assert followup.open_followups(ctx)[1].state == "contacted"
    kinds = [e.kind for e in visits.timeline(ctx, fx.ids[4])]
    assert kinds == ["start", "outcome", "followup"]
    assert {a.action for a in audit.recent(ctx)} >= {"followup_contacted", "followup_resolved"}
    with pytest.raises(VisitError) as e:
        followup.mark_resolved(ctx, fx.ids[4], fx.kasi)
    assert e.value.code == "followup_closed"


def test_later_activated_visit_resolves_followup(ctx, clock) -> None:
    fx = build(ctx, clock)
    clock.set(at(27, 15, 30))
    v = visits.start_visit(ctx, fx.siti, nik(3))  # the resident of row 3 comes back
    clock.advance(seconds=400)
    visits.finish_visit(ctx, v.id, "ACTIVATED", officer_id=fx.siti.id)
    assert fx.ids[3] not in [r.visit_id for r in followup.open_followups(ctx)]
    old = visits.get_visit(ctx, fx.ids[3])
    assert old.followup_state == "resolved" and old.resolved_by_visit_id == v.id
    assert old.revision == 1
    assert visits.timeline(ctx, fx.ids[3])[-1].data == {"state": "resolved", "by_visit": v.id}


# --- close / reopen ------------------------------------------------------------------------------


def _finish_row_11(ctx, fx) -> None:
    visits.finish_visit(ctx, fx.ids[11], "DECLINED", officer_id=fx.siti.id)


def test_close_day_locks_records_and_backs_up(ctx, clock) -> None:
    fx = build(ctx, clock)
    with pytest.raises(DayCloseError) as e:
        dayclose.close_day(ctx, DAY, fx.kasi)
    assert e.value.code == "unfinished" and e.value.params["count"] == 1
    _finish_row_11(ctx, fx)
    with pytest.raises(DayCloseError):
        dayclose.close_day(ctx, DAY, fx.siti)
    res = dayclose.close_day(ctx, DAY, fx.kasi)
    assert res.report.visits == 11 and res.report.outcomes["DECLINED"] == 2
    assert res.backup_path is not None and res.backup_path.exists()
    assert "2026-11-27" in res.backup_path.name
    assert res.backup_path.parent == ctx.settings.backups_dir
    con = sqlite3.connect(res.backup_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM visit WHERE day='2026-11-27'").fetchone() == (11,)
        assert con.execute("SELECT status FROM day_close").fetchone() == ("closed",)
    finally:
        con.close()
    st = dayclose.status(ctx, DAY)
    assert st.is_closed and st.closed_by == "kasi" and st.backup_path == str(res.backup_path)
    assert st.totals["visits"] == 11 and st.totals["outcomes"]["ACTIVATED"] == 3
    assert visits.is_day_closed(ctx, DAY)
    with pytest.raises(VisitError) as e2:
        visits.correct_visit(ctx, fx.ids[2], fx.kasi, "FAILED", "app_error", "typo")
    assert e2.value.code == "day_closed"
    with pytest.raises(DayCloseError):
        dayclose.close_day(ctx, DAY, fx.kasi)
    assert [a.target for a in _actions(ctx, "day_closed")] == ["2026-11-27"]

    with pytest.raises(DayCloseError) as e3:
        dayclose.reopen_day(ctx, DAY, fx.kasi, " ")
    assert e3.value.code == "reason_required"
    dayclose.reopen_day(ctx, DAY, fx.kasi, "late correction from LOKET-2")
    assert dayclose.status(ctx, DAY).status == "reopened"
    reopen = _actions(ctx, "day_reopened")
    assert json.loads(reopen[0].detail) == {"reason": "late correction from LOKET-2"}
    visits.correct_visit(ctx, fx.ids[2], fx.kasi, "FAILED", "app_error", "typo")
    assert report.summary(ctx, DAY).outcomes["ACTIVATED"] == 2


def test_closed_days_anchor_the_target_count(ctx, clock) -> None:
    """The target's running total is the same with and without closed days."""
    fx = build(ctx, clock)
    _finish_row_11(ctx, fx)
    plain = report.summary(ctx, date(2026, 11, 30)).activated_total
    dayclose.close_day(ctx, date(2026, 11, 26), fx.kasi, backup=False)
    dayclose.close_day(ctx, DAY, fx.kasi, backup=False)
    with ctx.db.read() as s:
        assert report.activated_through(s, DAY) == 4
        assert report.activated_through(s, date(2026, 11, 30)) == 5
    assert report.summary(ctx, date(2026, 11, 30)).activated_total == plain == 1005
    # reopening the 26th invalidates the 27th's anchor; a correction there is counted
    dayclose.reopen_day(ctx, date(2026, 11, 26), fx.kasi, "wrong outcome")
    visits.correct_visit(ctx, fx.before["failed"], fx.kasi, "ACTIVATED", None, "was activated")
    assert report.summary(ctx, DAY).activated_total == 1005
    assert report.summary(ctx, date(2026, 11, 30)).activated_total == 1006


def test_backup_refused_on_postgres_and_doctor(any_ctx, clock) -> None:
    if any_ctx.db.kind == "sqlite":
        b = backup(any_ctx, label="manual")
        assert b.integrity == "ok" and b.path.exists() and "manual" in b.path.name
        assert not list(b.path.parent.glob("*.part"))
    else:
        with pytest.raises(BackupError) as e:
            backup(any_ctx)
        assert e.value.code == "postgres" and "pg_dump" in e.value.message("en")
    d = doctor(any_ctx)
    assert d.ok and d.kind == any_ctx.db.kind and d.schema


def test_close_on_postgres_says_pg_dump(any_ctx, clock) -> None:
    fx = build(any_ctx, clock)
    _finish_row_11(any_ctx, fx)
    res = dayclose.close_day(any_ctx, DAY, fx.kasi)
    if any_ctx.db.kind == "sqlite":
        assert res.backup_path is not None and not res.postgres
    else:
        assert res.backup_path is None and res.postgres
    assert dayclose.status(any_ctx, DAY).is_closed


# --- CLI -------------------------------------------------------------------------------------------


def _config(tmp_path: Path, db: str) -> Path:
    cfg = tmp_path / "cli.toml"
    cfg.write_text(
        f'[database]\nurl = "{db}"\n[paths]\ndata = "{tmp_path / "data"}"\n'
        "[target]\nbaseline = 1000\ndenominator = 10000\npercent = 30\n"
        "deadline = 2026-12-31\n",
        encoding="utf-8",
    )
    return cfg


def test_report_cli_json_equals_service(any_ctx, clock, tmp_path, capsys) -> None:
    build(any_ctx, clock)
    cfg = _config(tmp_path, any_ctx.db.url)
    assert main(["--config", str(cfg), "report", "--date", "2026-11-27", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == report.summary(any_ctx, DAY).to_json()
    assert out["visits"] == 11 and out["target"]["activated_total"] == 1004
    assert (
        main(
            ["--config", str(cfg), "report", "--from", "2026-11-26", "--to", "2026-11-27", "--json"]
        )
        == 0
    )
    rng = json.loads(capsys.readouterr().out)
    assert rng == report.summary(any_ctx, date(2026, 11, 26), DAY).to_json()
    assert rng["from"] == "2026-11-26" and rng["visits"] == 13


def test_report_cli_text_and_errors(ctx, clock, tmp_path, capsys) -> None:
    build(ctx, clock)
    cfg = _config(tmp_path, str(ctx.db.path))
    assert main(["--config", str(cfg), "--lang", "en", "report", "--date", "2026-11-27"]) == 0
    text = capsys.readouterr().out
    assert "Report 2026-11-27" in text
    assert "ACTIVATED" in text and "email_not_received" in text
    assert "median 6:00, max 15:00" in text
    assert "IKD target: 1,004 of 3,000" in text
    assert main(["--config", str(cfg), "report", "--from", "2026-11-26"]) == 2
    assert "--from and --to" in capsys.readouterr().err
    assert main(["--config", str(cfg), "report", "--date", "27-11-2026"]) == 2


def test_backup_and_doctor_cli(ctx, tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from tests.helpers.auth import AS_SUP, SUP_PIN, add_supervisor, stdin

    cfg = _config(tmp_path, str(ctx.db.path))
    out = tmp_path / "copy.db"
    add_supervisor(ctx.db.path)
    stdin(monkeypatch, SUP_PIN)
    assert main(["--config", str(cfg), "backup", "-o", str(out), "--json", *AS_SUP]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["path"] == str(out) and j["integrity"] == "ok" and out.exists()
    assert main(["--config", str(cfg), "doctor", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["ok"] is True and d["kind"] == "sqlite"
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert main(["--db", str(bad), "doctor", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_bundle_merged_after_close_voids_the_anchor(any_ctx, clock) -> None:
    """A bundle may bring visits of a closed day: the stored running count is not trusted."""
    import uuid

    from counter.store.models import BundleImport, Visit

    fx = build(any_ctx, clock)
    _finish_row_11(any_ctx, fx)
    dayclose.close_day(any_ctx, date(2026, 11, 26), fx.kasi, backup=False)
    dayclose.close_day(any_ctx, DAY, fx.kasi, backup=False)
    assert report.summary(any_ctx, DAY).activated_total == 1004
    clock.set(at(27, 17, 0))
    with any_ctx.db.write() as s:  # what bundles.import_bundle writes for a laptop's visit
        s.add(
            Visit(
                id=str(uuid.uuid4()),
                officer_id=fx.siti.id,
                nik=nik(50),
                day=DAY,
                started_at=at(27, 10, 0),
                ended_at=at(27, 10, 9),
                outcome="ACTIVATED",
                handling_seconds=540,
                counter_id="LAPTOP",
                updated_at=at(27, 10, 9),
            )
        )
        s.add(BundleImport(sha256="a" * 64, source_device="laptop", imported_at=any_ctx.now()))
    assert report.summary(any_ctx, DAY).activated_total == 1005
    assert report.summary(any_ctx, date(2026, 11, 30)).activated_total == 1006
    assert report.summary(any_ctx, DAY).visits == 12
