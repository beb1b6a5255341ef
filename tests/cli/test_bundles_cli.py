"""``ikd-counter outreach ...`` and ``ikd-counter bundle export|import`` end to end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, visits
from counter.services.context import make_context
from tests.helpers.auth import AS_SUP, SUP_PIN, add_supervisor, stdin
from tests.helpers.bundle import share_key


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def run(capsys, monkeypatch):
    """``run(db, cfg, *args)``: the command with the supervisor's PIN ready on stdin (a command
    that needs none leaves it unread); returns (exit code, stdout, stderr)."""

    def _run(db: Path, cfg: Path, *args: str) -> tuple[int, str, str]:
        stdin(monkeypatch, SUP_PIN)
        code = main(["--db", str(db), "--config", str(cfg), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def test_outreach_and_bundle_commands(tmp_path, run, clock) -> None:
    cfg = tmp_path / "none.toml"
    cfg.touch()  # --config must name an existing file
    laptop_db, office_db = tmp_path / "laptop.db", tmp_path / "office.db"
    add_supervisor(laptop_db)
    add_supervisor(office_db)
    code, out, _ = run(
        laptop_db,
        cfg,
        "outreach",
        "start",
        "--village",
        "3325012001",
        "--date",
        "2026-11-27",
        "--json",
        *AS_SUP,
    )
    assert code == 0
    ev = json.loads(out)["active"]
    assert (ev["place_code"], ev["place_name"], ev["day"]) == (
        "33.25.01.2001",
        "Silurah",
        "2026-11-27",
    )
    code, out, _ = run(laptop_db, cfg, "outreach", "list")
    assert code == 0 and "Silurah" in out and "[aktif]" in out

    s = load_settings(
        cfg, env={}, overrides={"database.url": str(laptop_db), "paths.data": str(tmp_path / "d")}
    )
    ctx = make_context(s, clock=clock)
    off = accounts.create_officer(ctx, "budi", "975310")
    office = make_context(
        load_settings(
            cfg,
            env={},
            overrides={"database.url": str(office_db), "paths.data": str(tmp_path / "o")},
        ),
        clock=clock,
    )
    share_key(office, ctx)  # the office's bundle key, copied to the laptop
    office.db.dispose()
    for i in range(3):
        v = visits.start_visit(ctx, off, nikmod.compose("332501", date(1991, 2, 3), "M", i + 1))
        visits.finish_visit(ctx, v.id, "ACTIVATED", officer_id=off.id)
    ctx.db.dispose()

    code, out, _ = run(
        laptop_db, cfg, "outreach", "report", "--from", "2026-11-27", "--by", "place", "--json"
    )
    rows = json.loads(out)["rows"]
    assert [(r["key"], r["visits"], r["activated"]) for r in rows] == [("33.25.01.2001", 3, 3)]
    code, out, _ = run(laptop_db, cfg, "outreach", "stop", *AS_SUP)
    assert code == 0 and "Silurah" in out
    code, out, _ = run(laptop_db, cfg, "outreach", "stop", *AS_SUP)
    assert "Tidak ada kegiatan" in out

    bundle = tmp_path / "out" / "hari1.ikdb"
    code, out, _ = run(
        laptop_db, cfg, "bundle", "export", "--since-last", "-o", str(bundle), "--json", *AS_SUP
    )
    assert code == 0 and json.loads(out)["visits"] == 3 and bundle.exists()
    code, out, _ = run(
        laptop_db,
        cfg,
        "--lang",
        "en",
        "bundle",
        "export",
        "--since-last",
        "-o",
        str(tmp_path / "empty.ikdb"),
        *AS_SUP,
    )
    assert code == 0 and "No visits changed" in out

    code, out, _ = run(office_db, cfg, "bundle", "import", str(bundle), "--json", *AS_SUP)
    got = json.loads(out)
    assert code == 0 and (got["new_visits"], got["events_added"]) == (3, 6)
    assert got["officers_created"] == ["budi"] and not got["already_imported"]
    code, out, _ = run(office_db, cfg, "bundle", "import", str(bundle), *AS_SUP)
    assert code == 0 and "sudah pernah diimpor" in out
    code, out, _ = run(office_db, cfg, "officer", "list", "--json", *AS_SUP)
    assert code == 0 and "budi" in out

    data = bundle.read_bytes()
    cut = tmp_path / "cut.ikdb"
    cut.write_bytes(data[: len(data) // 2])
    code, out, err = run(office_db, cfg, "bundle", "import", str(cut), *AS_SUP)
    assert code == 2 and out == "" and "tidak lengkap" in err and "Traceback" not in err
    code, _, err = run(
        office_db, cfg, "--lang", "en", "outreach", "start", "--village", "1234", *AS_SUP
    )
    assert code != 0 and "not a desa/kelurahan code" in err
