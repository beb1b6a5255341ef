"""Retention: phone numbers erased a set number of days after their visit closed, old backups
deleted; on real SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from counter.cli import main
from counter.config import RetentionSettings
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.services import accounts, audit, dayclose, followup, retention, visits
from counter.services.context import Context
from counter.store.models import Visit
from tests.conftest import FixedClock
from tests.helpers.bundle import share_key

NIKS = [nikmod.compose("332501", datetime(1990, 1, 1).date(), "F", i) for i in range(1, 9)]


def _people(ctx: Context) -> tuple[Any, Any]:
    off = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name="Siti")
    sup = accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name="Kasi")
    return off, sup


def _visit(
    ctx: Context,
    off: Any,
    nik: str,
    outcome: str | None,
    phone: str | None = None,
    reason: str | None = None,
) -> str:
    v = visits.start_visit(ctx, off, nik, phone=phone, consent=bool(phone))
    if outcome:
        visits.finish_visit(ctx, v.id, outcome, reason=reason, officer_id=off.id)
    return v.id


def _row(ctx: Context, vid: str) -> dict[str, Any]:
    v = visits.get_visit(ctx, vid)
    assert v is not None
    return v.model_dump()


def _phone(ctx: Context, vid: str) -> str | None:
    return _row(ctx, vid)["phone"]


def test_phones_erased_exactly_after_the_period(any_ctx: Context, clock: FixedClock) -> None:
    ctx = any_ctx
    off, sup = _people(ctx)
    t0 = clock.now
    activated = _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")  # never a follow-up
    pending = _visit(ctx, off, NIKS[1], oc.PENDING, "081234567802")  # follow-up stays open
    failed = _visit(ctx, off, NIKS[2], oc.FAILED, "081234567803", reason="email_not_received")
    unfinished = _visit(ctx, off, NIKS[3], None, "081234567804")
    no_phone = _visit(ctx, off, NIKS[4], oc.DECLINED)
    clock.advance(days=1)
    followup.mark_resolved(ctx, failed, sup, "diaktifkan lewat telepon")  # closes at t0 + 1 day
    before = {vid: _row(ctx, vid) for vid in (activated, pending, failed, unfinished, no_phone)}

    clock.set(t0 + timedelta(days=30) - timedelta(seconds=1))
    res = retention.run(ctx, sup)
    assert (res.phones_erased, res.phones_kept) == (0, 4)
    assert _phone(ctx, activated) == "081234567801"

    clock.set(t0 + timedelta(days=30))  # exactly 30 days after the ACTIVATED visit ended
    res = retention.run(ctx, sup)
    assert (res.phones_erased, res.phones_kept) == (1, 3)
    assert _phone(ctx, activated) is None
    assert _phone(ctx, failed) == "081234567803"  # its follow-up closed a day later

    clock.set(t0 + timedelta(days=31))
    assert retention.run(ctx, sup).phones_erased == 1
    assert _phone(ctx, failed) is None

    clock.set(t0 + timedelta(days=400))  # an open follow-up and an unfinished visit keep theirs
    assert retention.run(ctx, sup).phones_erased == 0
    assert _phone(ctx, pending) == "081234567802"
    assert _phone(ctx, unfinished) == "081234567804"

    for vid, old in before.items():  # the visits are otherwise untouched
        new = _row(ctx, vid)
        erased = vid in (activated, failed)
        changed = {k for k in old if old[k] != new[k]}
        assert changed == ({"phone", "last_seq"} if erased else set()), (vid, changed)
    tl = visits.timeline(ctx, activated)
    assert tl[-1].kind == "erased" and tl[-1].data == {
        "fields": ["phone"],
        "rule": "retention",
        "days": 30,
    }
    rows = audit.recent(ctx, "retention")
    assert len(rows) == 4 and rows[0].username == "kasi" and rows[0].target == "command"
    details = [json.loads(r.detail) for r in rows]
    assert [d["phones_erased"] for d in details] == [0, 1, 1, 0]
    assert not any("0812345678" in r.detail for r in audit.recent(ctx))  # never the numbers


def test_dry_run_changes_nothing_and_officers_are_refused(
    any_ctx: Context, clock: FixedClock
) -> None:
    ctx = any_ctx
    off, sup = _people(ctx)
    vid = _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")
    clock.advance(days=31)
    res = retention.run(ctx, sup, dry_run=True)
    assert res.dry_run and res.phones_erased == 1
    assert _phone(ctx, vid) == "081234567801"
    assert audit.recent(ctx, "retention") == []
    with pytest.raises(retention.RetentionError):
        retention.run(ctx, off)
    with pytest.raises(retention.RetentionError):
        retention.run(ctx, None)
    assert _phone(ctx, vid) == "081234567801"


def test_period_comes_from_the_settings(ctx: Context, clock: FixedClock) -> None:
    off, sup = _people(ctx)
    vid = _visit(ctx, off, NIKS[0], oc.REFERRED, "081234567801", reason="data_correction")
    ctx.settings = replace(ctx.settings, retention=RetentionSettings(phone_days_after_followup=0))
    assert retention.run(ctx, sup).phones_erased == 1
    assert _phone(ctx, vid) is None


def _backup(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(b"SQLite format 3\x00")
    return p


def test_old_backups_deleted_new_and_unrelated_kept(ctx: Context, clock: FixedClock) -> None:
    _off, sup = _people(ctx)
    folder = ctx.settings.backups_dir
    # local now is 2026-11-27 09:00 WIB; the limit is 90 days: 2026-08-29 09:00 WIB
    old = _backup(folder, "ikd-counter-2026-08-01-20260801-170000.db")
    edge = _backup(folder, "ikd-counter-2026-08-29-20260829-090000.db")
    part = _backup(folder, "ikd-counter-2026-07-01-20260701-170000.db.part")
    young = _backup(folder, "ikd-counter-2026-08-29-20260829-090001.db")
    newest = _backup(folder, "ikd-counter-2026-11-26-20261126-170000.db")
    unrelated = [
        _backup(folder, n)
        for n in (
            "notes.txt",
            "ikd-counter-old.db",
            "mine-2020-20200101-000000.db",
            "ikd-counter-x-20200101-000000.db.bak",
        )
    ]
    res = retention.run(ctx, sup)
    assert sorted(res.backups_deleted) == sorted([old.name, edge.name, part.name])
    assert not old.exists() and not edge.exists() and not part.exists()
    assert young.exists() and newest.exists() and all(p.exists() for p in unrelated)
    assert res.backups_kept == 2
    (row,) = audit.recent(ctx, "retention")
    assert json.loads(row.detail)["backups_deleted"] == 3


def test_the_newest_backup_is_kept_however_old(ctx: Context, clock: FixedClock) -> None:
    _off, sup = _people(ctx)
    folder = ctx.settings.backups_dir
    a = _backup(folder, "ikd-counter-2025-01-01-20250101-170000.db")
    b = _backup(folder, "ikd-counter-2025-01-02-20250102-170000.db")
    res = retention.run(ctx, sup, dry_run=True)
    assert res.backups_deleted == [a.name] and a.exists()
    retention.run(ctx, sup)
    assert not a.exists() and b.exists()


def test_day_close_runs_retention_before_its_backup(ctx: Context, clock: FixedClock) -> None:
    off, sup = _people(ctx)
    old_vid = _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")
    stale = _backup(ctx.settings.backups_dir, "ikd-counter-2026-01-01-20260101-170000.db")
    newer = _backup(ctx.settings.backups_dir, "ikd-counter-2026-02-01-20260201-170000.db")
    clock.advance(days=40)
    _visit(ctx, off, NIKS[1], oc.ACTIVATED, "081234567802")
    res = dayclose.close_day(ctx, ctx.today(), sup)
    assert _phone(ctx, old_vid) is None
    (row,) = audit.recent(ctx, "retention")
    assert row.target == "day_close" and json.loads(row.detail)["phones_erased"] == 1
    assert not stale.exists() and newer.exists()  # the newest before the close stays once
    assert res.backup_path is not None and res.backup_path.exists()
    import sqlite3

    con = sqlite3.connect(res.backup_path)
    try:  # the day's backup already lacks the erased number
        phones = {r[0] for r in con.execute("SELECT phone FROM visit")}
    finally:
        con.close()
    assert phones == {None, "081234567802"}


def test_day_close_survives_a_failing_retention(
    ctx: Context, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    off, sup = _people(ctx)
    _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")

    def boom(*a: Any, **k: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(retention, "phone_rows", boom)
    dayclose.close_day(ctx, ctx.today(), sup, backup=False)
    assert dayclose.status(ctx, ctx.today()).is_closed
    (row,) = audit.recent(ctx, "retention_failed")
    assert json.loads(row.detail) == {"error": "OSError"}


def test_bundle_import_does_not_bring_an_erased_number_back(
    make_ctx: Any, clock: FixedClock, tmp_path: Path
) -> None:
    from counter.services import bundles

    laptop, office = make_ctx(name="laptop.db"), make_ctx(name="office.db")
    off, _ = _people(laptop)
    _people(office)
    sup = accounts.get_officer(office, "kasi")
    vid = _visit(laptop, off, NIKS[0], oc.PENDING, "081234567801")
    share_key(office, laptop)  # bundles are signed with the office's key
    bundles.import_bundle(office, bundles.export_bundle(laptop, tmp_path / "a.ikdb").path)
    clock.advance(days=1)
    followup.mark_resolved(office, vid, sup, "selesai")
    clock.advance(days=31)
    assert retention.run(office, sup).phones_erased == 1
    # the laptop, which still has the number, changes the visit and sends it again
    visits.append_event(laptop, vid, vm.parse("details", None, {"consent": True}), off.id)
    summ = bundles.import_bundle(
        office, bundles.export_bundle(laptop, tmp_path / "b.ikdb", since_last=True).path
    )
    assert summ.visits_updated == 1
    assert _phone(office, vid) is None
    with office.db.read() as s:
        assert s.exec(select(Visit.phone).where(Visit.id == vid)).one() is None


def test_cli_retention(
    ctx: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = FixedClock(datetime(2020, 1, 6, 2, 0, tzinfo=UTC))  # long before the real now
    ctx.clock = clock
    off, _sup = _people(ctx)
    vid = _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")
    db = ctx.settings.db_url
    base = ["--db", db, "retention"]
    monkeypatch.setenv("IKD_COUNTER_PATHS_DATA", str(ctx.settings.data_path))

    assert main(base) == 2  # no --as
    assert "--as" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n"))
    assert main([*base, "--as", "siti"]) == 1  # an officer
    assert _phone(ctx, vid) == "081234567801"
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    assert main([*base, "--dry-run", "--json", "--as", "kasi"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True and out["phones_erased"] == 1
    assert _phone(ctx, vid) == "081234567801"

    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    assert main(["--lang", "en", *base, "--as", "kasi"]) == 0
    text = capsys.readouterr().out
    assert "Phone numbers erased: 1" in text
    assert _phone(ctx, vid) is None
    (row,) = audit.recent(ctx, "retention")
    assert row.username == "kasi" and row.target == "command"


def test_an_unreadable_backups_folder_is_reported_and_phones_still_erased(
    ctx: Context, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    off, sup = _people(ctx)
    vid = _visit(ctx, off, NIKS[0], oc.ACTIVATED, "081234567801")
    ctx.settings.backups_dir.mkdir(parents=True)
    clock.advance(days=31)

    def denied(self: Path) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", denied)
    res = retention.run(ctx, sup)
    assert res.phones_erased == 1 and _phone(ctx, vid) is None
    assert len(res.backup_errors) == 1 and "Permission denied" in res.backup_errors[0]
    assert json.loads(audit.recent(ctx, "retention_backup_failed")[0].detail)["errors"]
