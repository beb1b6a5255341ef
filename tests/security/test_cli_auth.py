"""Insiders: every command that changes accounts, takes personal data out or changes recorded data
needs a supervisor (``--as USER`` + PIN). For each one: without --as, with a wrong PIN and with an
officer's account it is refused, audited and nothing changes; with a supervisor it works and the
audit rows carry that username."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

from counter.cli import main
from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, bundles, outreach, visits
from counter.services.context import Context, make_context
from tests.helpers.auth import stdin
from tests.helpers.bundle import share_key

SUP, SUP_PIN, OFF, OFF_PIN = "kasi", "246802", "siti", "135790"


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def _nik(i: int) -> str:
    return nikmod.compose("332501", date(1990, 5, 1 + i), "F", 10 + i)


def _context(folder: Path, name: str) -> Context:
    s = load_settings(
        folder / "none.toml",
        env={},
        overrides={"database.url": str(folder / name), "paths.data": str(folder / "data")},
    )
    return make_context(s)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office database (supervisor, officer, two more accounts, a finished visit, an active
    outreach event), a laptop's bundle and a registry extract, built once and copied per test."""
    folder = tmp_path_factory.mktemp("auth-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        c = _context(folder, "office.db")
        accounts.create_officer(c, SUP, SUP_PIN, role="supervisor")
        siti = accounts.create_officer(c, OFF, OFF_PIN)
        accounts.create_officer(c, "budi", "135791")
        accounts.create_officer(c, "dewi", "135792")
        accounts.set_active(c, "dewi", False)
        v = visits.start_visit(c, siti, _nik(0), phone="081234567890", consent=True)
        visits.finish_visit(c, v.id, "ACTIVATED", officer_id=siti.id)
        outreach.start(c, school="SD Negeri 1 Batang")
        lap = _context(folder, "laptop.db")
        share_key(c, lap)  # the office's bundle key, copied to the laptop
        c.db.dispose()
        budi = accounts.create_officer(lap, "tono", "135793")
        v = visits.start_visit(lap, budi, _nik(1))
        visits.finish_visit(lap, v.id, "ACTIVATED", officer_id=budi.id)
        bundles.export_bundle(lap, folder / "day1.ikdb")
        lap.db.dispose()
    (folder / "extract.csv").write_text(f"NIK;STATUS IKD\n{_nik(2)};SUDAH\n", encoding="utf-8")
    return folder


@pytest.fixture
def office(template: Path, tmp_path: Path) -> Path:
    for name in ("office.db", "day1.ikdb", "extract.csv"):
        shutil.copy(template / name, tmp_path / name)
    (tmp_path / "out").mkdir()
    return tmp_path


@dataclass(frozen=True)
class Protected:
    args: Callable[[Path], list[str]]
    action: str  # the audit action of the change ("" for a read)
    more: tuple[str, ...] = ()  # stdin lines after the supervisor's PIN
    check: Callable[[Path, str], bool] | None = None  # did it work? (folder, stdout)


def _out_file(name: str) -> Callable[[Path, str], bool]:
    return lambda folder, _out: (folder / "out" / name).exists()


COMMANDS: dict[str, Protected] = {
    "officer add": Protected(
        lambda f: ["officer", "add", "wati", "--role", "supervisor"], "officer_created", ("975310",)
    ),
    "officer list": Protected(
        lambda f: ["officer", "list", "--json"], "", check=lambda f, out: "dewi" in out
    ),
    "officer disable": Protected(lambda f: ["officer", "disable", "budi"], "officer_disabled"),
    "officer enable": Protected(lambda f: ["officer", "enable", "dewi"], "officer_enabled"),
    "officer set-pin": Protected(lambda f: ["officer", "set-pin", SUP], "pin_set", ("975310",)),
    "officer recovery-code": Protected(lambda f: ["officer", "recovery-code"], "recovery_code_set"),
    "bundle export": Protected(
        lambda f: ["bundle", "export", "-o", str(f / "out" / "b.ikdb")],
        "bundle_export",
        check=_out_file("b.ikdb"),
    ),
    "bundle import": Protected(
        lambda f: ["bundle", "import", str(f / "day1.ikdb")], "bundle_import"
    ),
    "outreach start": Protected(
        lambda f: ["outreach", "start", "--school", "SMA 1 Batang"], "outreach_started"
    ),
    "outreach stop": Protected(lambda f: ["outreach", "stop"], "outreach_stopped"),
    "backup": Protected(
        lambda f: ["backup", "-o", str(f / "out" / "copy.db")], "backup", check=_out_file("copy.db")
    ),
    "export": Protected(
        lambda f: ["export", "--since-last", "-o", str(f / "out" / "x.csv")],
        "export",
        check=_out_file("x.csv"),
    ),
    "registry import": Protected(
        lambda f: ["registry", "import", str(f / "extract.csv")], "registry_import"
    ),
}


def _state(folder: Path) -> dict[str, Any]:
    """Everything but the audit log and the login counters: tables and the output folder."""
    c = _context(folder, "office.db")
    try:
        with c.db.engine.connect() as conn:
            out: dict[str, Any] = {}
            for table in inspect(conn).get_table_names():
                if table in ("audit_event", "alembic_version"):
                    continue
                cols = "username, role, active, pin_hash" if table == "officer" else "*"
                rows = conn.execute(text(f"SELECT {cols} FROM {table}")).all()
                out[table] = sorted(map(repr, rows))
    finally:
        c.db.dispose()
    out["files"] = sorted(p.name for p in (folder / "out").iterdir())
    return out


def _audit(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    c = _context(folder, "office.db")
    try:
        with c.db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT action, username, detail FROM audit_event ORDER BY id")
            ).all()
    finally:
        c.db.dispose()
    return [(a, u, json.loads(d)) for a, u, d in rows]


def _run(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    lines: tuple[str, ...],
) -> tuple[int, str, str]:
    stdin(monkeypatch, *lines)
    code = main(["--db", str(folder / "office.db"), "--lang", "en", *args])
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.fixture(params=sorted(COMMANDS))
def command(request: pytest.FixtureRequest) -> tuple[str, Protected]:
    return request.param, COMMANDS[request.param]


def test_without_as_refused_and_nothing_changes(office: Path, command, monkeypatch, capsys) -> None:
    _name, cmd = command
    before, audit_before = _state(office), _audit(office)
    code, _out, err = _run(office, monkeypatch, capsys, cmd.args(office), (SUP_PIN, *cmd.more))
    assert code == 2 and "--as USERNAME" in err and "Traceback" not in err
    assert _state(office) == before and _audit(office) == audit_before


def test_wrong_pin_refused_audited_nothing_changes(
    office: Path, command, monkeypatch, capsys
) -> None:
    name, cmd = command
    before, n_audit = _state(office), len(_audit(office))
    code, out, err = _run(
        office, monkeypatch, capsys, [*cmd.args(office), "--as", SUP], ("000001", *cmd.more)
    )
    assert code == 1 and "Wrong username or PIN. Attempts left: 4." in err
    assert _state(office) == before and out == ""
    new = _audit(office)[n_audit:]
    assert [(a, u, d.get("purpose")) for a, u, d in new] == [("login_failed", SUP, name)]


def test_officer_refused_audited_nothing_changes(
    office: Path, command, monkeypatch, capsys
) -> None:
    _name, cmd = command
    before, n_audit = _state(office), len(_audit(office))
    code, out, err = _run(
        office, monkeypatch, capsys, [*cmd.args(office), "--as", OFF], (OFF_PIN, *cmd.more)
    )
    assert code == 1 and "Only a supervisor may do this" in err
    assert _state(office) == before and out == ""
    new = _audit(office)[n_audit:]
    assert ("forbidden", OFF) in [(a, u) for a, u, _ in new]
    assert all(u == OFF for _, u, _ in new)


def test_supervisor_works_audited_with_that_username(
    office: Path, command, monkeypatch, capsys
) -> None:
    name, cmd = command
    before, n_audit = _state(office), len(_audit(office))
    code, out, err = _run(
        office, monkeypatch, capsys, [*cmd.args(office), "--as", SUP], (SUP_PIN, *cmd.more)
    )
    assert code == 0, err
    if cmd.check is not None:
        assert cmd.check(office, out)
    else:
        assert _state(office) != before
    new = _audit(office)[n_audit:]
    assert (new[0][0], new[0][1], new[0][2].get("purpose")) == ("login", SUP, name)
    if cmd.action:
        assert (cmd.action, SUP) in [(a, u) for a, u, _ in new]
