"""The way in and back: init only on an empty database (with a one-time recovery code), a lost
supervisor PIN reset by a second supervisor or with the recovery code, never the last supervisor
disabled, seed-demo never next to real accounts; all of it audited."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from counter.cli import main
from counter.services import accounts, audit, recovery
from counter.services.accounts import AccountError, AuthError
from counter.services.context import Context
from tests.helpers.auth import add_supervisor, stdin

CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def _cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db: Path,
    *args: str,
    lines: tuple[str, ...] = (),
) -> tuple[int, str, str]:
    stdin(monkeypatch, *lines)
    code = main(["--db", str(db), "--lang", "en", *args])
    got = capsys.readouterr()
    return code, got.out, got.err


def _init(monkeypatch, capsys, db: Path) -> str:
    code, out, err = _cli(monkeypatch, capsys, db, "init", "--username", "kasi", lines=("246802",))
    assert code == 0, err
    found = CODE.findall(out)
    assert len(found) == 1
    return found[0]


def test_init_shows_a_recovery_code_once_and_only_on_an_empty_database(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    db = tmp_path / "c.db"
    code = _init(monkeypatch, capsys, db)
    rc, out, err = _cli(monkeypatch, capsys, db, "init", "--username", "mallory", lines=("975310",))
    assert rc == 1 and "already has officers" in err and not CODE.search(out)
    rc, out, _ = _cli(
        monkeypatch, capsys, db, "officer", "list", "--json", "--as", "kasi", lines=("246802",)
    )
    assert rc == 0 and "mallory" not in out
    kept = _settings_value(tmp_path, recovery.KEY)  # only its hash is kept
    assert kept.startswith("$argon2id$") and code.replace("-", "") not in kept


def _settings_value(folder: Path, key: str) -> str:
    from counter.config import load_settings
    from counter.services import settings_store
    from counter.services.context import make_context

    c = make_context(
        load_settings(
            folder / "none.toml", env={}, overrides={"database.url": str(folder / "c.db")}
        )
    )
    try:
        return settings_store.get(c, key)
    finally:
        c.db.dispose()


def test_concurrent_inits_make_one_account(any_ctx: Context) -> None:
    ctx = any_ctx
    results: list[str] = []
    start = threading.Barrier(6)

    def one(i: int) -> None:
        start.wait()
        try:
            recovery.init_first_supervisor(ctx, f"boss{i}", "246802")
            results.append("ok")
        except AccountError as e:
            results.append(e.code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["already_init"] * 5 + ["ok"]
    assert accounts.count_officers(ctx) == 1


def test_recover_with_the_code_resets_audits_and_rotates(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    db = tmp_path / "c.db"
    code = _init(monkeypatch, capsys, db)
    for _ in range(5):  # the supervisor forgot the PIN and locked the account
        _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi", lines=("000001",))
    rc, _, err = _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi", lines=("246802",))
    assert rc == 1 and "locked" in err
    # a wrong code: refused, audited, nothing changed
    rc, out, err = _cli(
        monkeypatch,
        capsys,
        db,
        "officer",
        "recover",
        "kasi",
        lines=("AAAA-AAAA-AAAA-AAAA-AAAA", "975310"),
    )
    assert rc == 1 and "Wrong recovery code" in err and out == ""
    # the right code (typed in lower case without dashes): new PIN, unlocked, new code shown
    typed = code.replace("-", "").lower()
    rc, out, err = _cli(
        monkeypatch, capsys, db, "officer", "recover", "kasi", lines=(typed, "975310")
    )
    assert rc == 0, err
    new_code = CODE.findall(out)
    assert len(new_code) == 1 and new_code[0] != code
    rc, out, _ = _cli(
        monkeypatch, capsys, db, "officer", "list", "--json", "--as", "kasi", lines=("975310",)
    )
    assert rc == 0 and '"locked": false' in out
    # the used code is spent
    rc, _, err = _cli(monkeypatch, capsys, db, "officer", "recover", "kasi", lines=(code, "135790"))
    assert rc == 1 and "Wrong recovery code" in err
    actions = [(a.action, a.username) for a in reversed(_audit(tmp_path))]
    assert ("pin_recovered", "kasi") in actions
    assert [a for a, _ in actions].count("recovery_failed") == 2


def _audit(folder: Path) -> list:
    from counter.config import load_settings
    from counter.services.context import make_context

    c = make_context(
        load_settings(
            folder / "none.toml", env={}, overrides={"database.url": str(folder / "c.db")}
        )
    )
    try:
        return audit.recent(c, limit=1000)
    finally:
        c.db.dispose()


def test_recover_refuses_officers_and_databases_without_a_code(ctx: Context) -> None:
    accounts.create_officer(ctx, "kasi", "246802", role="supervisor")  # no init: no code
    accounts.create_officer(ctx, "siti", "135790")
    with pytest.raises(AuthError) as ei:
        recovery.recover(ctx, "kasi", "AAAA-AAAA-AAAA-AAAA-AAAA", "975310")
    assert ei.value.code == "no_code" and "set-pin" in ei.value.message("en")
    code = recovery.new_code(ctx, by=accounts.get_officer(ctx, "kasi"))
    with pytest.raises(AuthError) as ei:
        recovery.recover(ctx, "siti", code, "975310")
    assert ei.value.code == "not_supervisor"
    assert accounts.authenticate(ctx, "siti", "135790").username == "siti"  # unchanged
    with pytest.raises(AccountError) as ei:
        recovery.recover(ctx, "kasi", code, "111111")  # a weak PIN: nothing spent
    assert ei.value.code == "pin_weak"
    new = recovery.recover(ctx, "kasi", code, "975310")
    assert accounts.authenticate(ctx, "kasi", "975310").role == "supervisor" and new != code
    assert [a.action for a in audit.recent(ctx, limit=20)].count("recovery_failed") == 2


def test_second_supervisor_resets_a_lost_supervisor_pin(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    db = tmp_path / "c.db"
    _init(monkeypatch, capsys, db)
    add_supervisor(db, "wati", "135792")
    rc, _, err = _cli(
        monkeypatch,
        capsys,
        db,
        "officer",
        "set-pin",
        "kasi",
        "--as",
        "wati",
        lines=("135792", "975310"),
    )
    assert rc == 0, err
    rc, _, err = _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi", lines=("975310",))
    assert rc == 0, err
    pin_set = [a for a in _audit(tmp_path) if a.action == "pin_set"]
    assert [(a.username, a.target) for a in pin_set] == [("wati", "kasi")]


def test_last_active_supervisor_cannot_be_disabled(ctx: Context) -> None:
    kasi = accounts.create_officer(ctx, "kasi", "246802", role="supervisor")
    accounts.create_officer(ctx, "wati", "135792", role="supervisor")
    accounts.set_active(ctx, "wati", False, by=kasi)
    with pytest.raises(AuthError) as ei:
        accounts.set_active(ctx, "kasi", False, by=kasi)
    assert ei.value.code == "last_supervisor" and "last active supervisor" in ei.value.message("en")
    assert [o.active for o in accounts.list_officers(ctx)] == [True, False]
    accounts.set_active(ctx, "wati", True, by=kasi)
    accounts.set_active(ctx, "kasi", False, by=kasi)  # another one is active now


def test_no_pin_on_stdin_is_not_an_attempt(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "c.db"
    _init(monkeypatch, capsys, db)
    for _ in range(6):
        rc, _, err = _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi")
        assert rc == 2 and "No PIN given" in err
    rc, _, err = _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi", lines=("246802",))
    assert rc == 0, err


def test_unknown_as_user_answers_like_a_wrong_pin(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "c.db"
    _init(monkeypatch, capsys, db)
    answers = {}
    for user in ("kasi", "nobody"):
        answers[user] = [
            _cli(monkeypatch, capsys, db, "backup", "--as", user, lines=("000001",))[1:]
            for _ in range(6)
        ]
    assert answers["kasi"] == answers["nobody"]
    assert "Attempts left: 4." in answers["kasi"][0][1] and "locked" in answers["kasi"][5][1]


def test_seed_demo_never_next_to_real_accounts(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "c.db"
    _init(monkeypatch, capsys, db)
    rc, _out, err = _cli(monkeypatch, capsys, db, "seed-demo", "--registry", "0", "--visits", "0")
    assert rc == 1 and "only fills an empty database" in err
    rc, _, err = _cli(monkeypatch, capsys, db, "officer", "list", "--as", "kasi", lines=("246802",))
    assert rc == 0
    names = [a.target for a in _audit(tmp_path) if a.action == "officer_created"]
    assert names == ["kasi"]  # no demo account with a well-known PIN appeared
