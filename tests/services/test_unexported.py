"""The lost-laptop warning: visits on an outreach laptop not sent to the office by bundle."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter.cli import main
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.services import accounts, bundles, outreach, visits
from counter.services.context import Context
from counter.services.unexported import unexported
from tests.conftest import FixedClock
from tests.helpers.bundle import share_key

NIKS = [nikmod.compose("332501", date(1990, 1, 1), "F", i) for i in range(1, 9)]
VILLAGE = "33.25.01.2001"


def _visit(ctx: Context, off: Any, nik: str) -> str:
    v = visits.start_visit(ctx, off, nik)
    visits.finish_visit(ctx, v.id, oc.ALREADY_ACTIVE, officer_id=off.id)
    return v.id


def test_waiting_visits_are_counted_after_the_configured_days(
    any_ctx: Context, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = any_ctx
    off = accounts.create_officer(ctx, "siti", "135790")
    t0 = clock.now
    _visit(ctx, off, NIKS[0])
    assert unexported(ctx) is None  # not an outreach laptop: the office's own visits
    outreach.start(ctx, village_code=VILLAGE, by=off)
    share_key(ctx)  # bundles are signed with the office's key
    _visit(ctx, off, NIKS[1])
    clock.set(t0 + timedelta(days=3))  # exactly 3 days: not yet "more than"
    assert unexported(ctx) is None
    clock.advance(seconds=1)
    w = unexported(ctx)
    assert w is not None and (w.visits, w.oldest, w.days) == (2, date(2026, 11, 27), 3)
    assert "2 kunjungan" in w.message(ctx) and "2026-11-27" in w.message(ctx)

    bundles.export_bundle(ctx, tmp_path / "event.ikdb", event_id=outreach.active_event(ctx).id)
    assert unexported(ctx) is not None  # an --event bundle does not move the mark
    bundles.export_bundle(ctx, tmp_path / "a.ikdb", since_last=True)
    assert unexported(ctx) is None

    clock.advance(days=1)
    fresh = _visit(ctx, off, NIKS[2])
    clock.advance(days=2)
    assert unexported(ctx) is None  # waiting 2 days
    clock.advance(days=1, seconds=1)
    w = unexported(ctx)
    assert w is not None and (w.visits, w.oldest) == (1, date(2026, 12, 1))
    bundles.export_bundle(ctx, tmp_path / "b.ikdb", since_last=True)
    assert unexported(ctx) is None
    assert fresh


def test_an_exported_visit_changed_later_waits_from_its_change(
    ctx: Context, clock: FixedClock, tmp_path: Path
) -> None:
    off = accounts.create_officer(ctx, "siti", "135790")
    outreach.start(ctx, village_code=VILLAGE, by=off)
    share_key(ctx)  # bundles are signed with the office's key
    v = visits.start_visit(ctx, off, NIKS[0])
    bundles.export_bundle(ctx, tmp_path / "a.ikdb")  # a full bundle moves the mark too
    clock.advance(days=10)
    visits.finish_visit(ctx, v.id, oc.DECLINED, officer_id=off.id)
    clock.advance(days=3)
    assert unexported(ctx) is None  # 3 days since the change, not 13 since the start
    clock.advance(hours=1)
    w = unexported(ctx)
    assert w is not None and (w.visits, w.oldest) == (1, date(2026, 12, 7))


def test_visits_imported_from_elsewhere_do_not_count(
    make_ctx: Any, clock: FixedClock, tmp_path: Path
) -> None:
    laptop, other = make_ctx(name="laptop.db"), make_ctx(name="other.db")
    share_key(other, laptop)  # bundles are signed with the office's key
    off = accounts.create_officer(laptop, "siti", "135790")
    off2 = accounts.create_officer(other, "budi", "135790")
    outreach.start(laptop, village_code=VILLAGE, by=off)
    _visit(other, off2, NIKS[0])
    bundles.import_bundle(laptop, bundles.export_bundle(other, tmp_path / "o.ikdb").path)
    clock.advance(days=10)
    assert unexported(laptop) is None
    _visit(laptop, off, NIKS[1])
    clock.advance(days=4)
    w = unexported(laptop)
    assert w is not None and w.visits == 1


@pytest.mark.parametrize("lang", ["id", "en"])
def test_outreach_commands_say_it(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    ctx.clock = FixedClock(datetime(2020, 1, 6, 2, 0, tzinfo=UTC))  # long before the real now
    off = accounts.create_officer(ctx, "siti", "135790")
    ev = outreach.start(ctx, village_code=VILLAGE, by=off)
    _visit(ctx, off, NIKS[0])
    base = ["--db", ctx.settings.db_url, "--lang", lang, "outreach"]
    word = "kunjungan" if lang == "id" else "visits"

    assert main([*base, "list", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unexported"] == {"visits": 1, "oldest": "2020-01-06", "days": 3}
    assert main([*base, "list"]) == 0
    cap = capsys.readouterr()
    assert ev.id[:8] in cap.out and f"1 {word}" in cap.err and "2020-01-06" in cap.err
    assert main([*base, "report", "--from", "2020-01-01", "--to", "2020-01-31"]) == 0
    assert "2020-01-06" in capsys.readouterr().err
    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")
    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    assert main([*base, "stop", "--json", "--as", "kasi"]) == 0
    assert json.loads(capsys.readouterr().out)["unexported"]["visits"] == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    assert main([*base, "start", "--event", ev.id, "--as", "kasi"]) == 0
    assert "2020-01-06" in capsys.readouterr().err


def test_outreach_commands_quiet_when_all_is_exported(
    ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx.clock = FixedClock(datetime(2020, 1, 6, 2, 0, tzinfo=UTC))
    off = accounts.create_officer(ctx, "siti", "135790")
    outreach.start(ctx, village_code=VILLAGE, by=off)
    share_key(ctx)  # bundles are signed with the office's key
    _visit(ctx, off, NIKS[0])
    bundles.export_bundle(ctx, tmp_path / "a.ikdb", since_last=True)
    assert main(["--db", ctx.settings.db_url, "outreach", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unexported"] is None
    assert main(["--db", ctx.settings.db_url, "outreach", "list"]) == 0
    assert capsys.readouterr().err == ""
