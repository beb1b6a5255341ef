"""``ikd-counter lookup NIK --json``: registry status plus the visit history of this office."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.domain import nik as nikmod
from counter.services import visits
from counter.services.context import Context
from counter.services.registry import import_registry

A = nikmod.compose("332503", date(1988, 2, 14), "F", 31)
B = nikmod.compose("332510", date(2001, 9, 30), "M", 7)


@pytest.fixture
def db(ctx: Context, officer, clock, tmp_path: Path) -> str:  # noqa: ANN001
    f = tmp_path / "ikd.csv"
    f.write_text(f"NIK;STATUS IKD;TGL AKTIVASI\n{A};BELUM;\n{B};SUDAH;12/03/2025\n")
    import_registry(ctx, f)
    v = visits.start_visit(ctx, officer, A)
    clock.advance(minutes=9)
    visits.finish_visit(ctx, v.id, "FAILED", reason="email_not_received", officer_id=officer.id)
    clock.advance(days=3)  # 2026-11-30 09:09
    v2 = visits.start_visit(ctx, officer, A)
    clock.advance(minutes=12)
    visits.finish_visit(ctx, v2.id, "ACTIVATED", officer_id=officer.id)
    assert ctx.db.path is not None
    return str(ctx.db.path)


def test_lookup_json_with_visit_history(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "lookup", A, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nik"] == A
    # the registry said not active, the ACTIVATED visit here is newer knowledge
    assert out["ikd_status"] == "active" and out["source"] == "visit"
    assert out["activated_on"] == "2026-11-30"
    assert [(v["date"], v["outcome"], v["reason"]) for v in out["visits"]] == [
        ("2026-11-30", "ACTIVATED", None),
        ("2026-11-27", "FAILED", "email_not_received"),
    ]
    assert out["visits"][1]["time"] == "09:00"


def test_lookup_json_registry_only_and_unknown(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "lookup", B[:4] + "-" + B[4:], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "nik": B,
        "ikd_status": "active",
        "activated_on": "2025-03-12",
        "source": "ikd.csv",
        "visits": [],
    }
    other = nikmod.compose("332501", date(1970, 1, 1), "M", 1)
    assert main(["--db", db, "lookup", other, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ikd_status"] == "unknown" and out["visits"] == [] and out["source"] is None


def test_lookup_invalid_nik_fails(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "--lang", "en", "lookup", "3.32501E+15", "--json"]) == 1
    assert "Excel" in capsys.readouterr().err
