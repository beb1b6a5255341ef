"""Pilot tests of the supervisor's office screens (issue 14): accounts (`a`) and the central
extract import (`i`) from the supervisor home, with their confirm dialogs and audit rows."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar

from counter.domain import nik as nikmod
from counter.services import accounts, audit
from counter.services.accounts import AccountError
from counter.services.registry import import_registry
from counter.tui.app import make_app
from counter.tui.screens.accounts import AccountsScreen, AddOfficerModal, PinModal
from counter.tui.screens.registry_import import RegistryImportScreen
from counter.tui.screens.supervisor import SupervisorHome
from counter.tui.screens.supervisor.modals import ConfirmModal
from counter.tui.widgets.literal import DataTable, Select, Static
from tests.helpers.registry import entries, rejects
from tests.helpers.shell import login as login_typed
from tests.tui.test_supervisor_tui import async_test, login, settle, table_rows, until

SIZE = (100, 30)
KASI_PIN, SITI_PIN = "246802", "135790"


@pytest.fixture
def people(ctx):
    kasi = accounts.create_officer(ctx, "kasi", KASI_PIN, role="supervisor", full_name="Kasi")
    siti = accounts.create_officer(ctx, "siti", SITI_PIN, full_name="Siti Aminah")
    return kasi, siti


def _text(screen, wid: str) -> str:  # noqa: ANN001
    return str(screen.query_one(wid, Static).render())


def _audits(ctx, action: str) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(a.username, a.target) for a in audit.recent(ctx, action)]


async def _open_accounts(pilot, kasi) -> AccountsScreen:  # noqa: ANN001
    await login(pilot, kasi)
    assert isinstance(pilot.app.screen, SupervisorHome)
    await pilot.press("a")
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, AccountsScreen)
            and pilot.app.screen.query_one("#acc-table", DataTable).row_count > 0
        ),
    )
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    return screen


async def _select(pilot, screen: AccountsScreen, username: str) -> None:  # noqa: ANN001
    table = screen.query_one("#acc-table", DataTable)
    table.move_cursor(row=[o.username for o in screen.rows].index(username))
    await settle(pilot, 1)
    assert screen.selected is not None and screen.selected.username == username


async def _type(pilot, field: str, text: str) -> None:  # noqa: ANN001
    pilot.app.screen.query_one(field, Input).focus()
    await pilot.press(*text)


async def _confirm(pilot, yes: bool = True) -> None:  # noqa: ANN001
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal))
    await pilot.press("y" if yes else "n")
    await settle(pilot)


async def _state(pilot, screen: AccountsScreen, username: str, want: str) -> None:  # noqa: ANN001
    def shown() -> bool:
        rows = table_rows(screen.query_one("#acc-table", DataTable))
        return [r[3] for r in rows if r[0] == username] == [want]

    await until(pilot, shown)


@async_test
async def test_accounts_list_and_add_an_officer_confirmed_and_audited(ctx, people) -> None:
    kasi, _ = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        rows = table_rows(screen.query_one("#acc-table", DataTable))
        assert rows == [
            ["kasi", "Kasi", "supervisor", "aktif"],
            ["siti", "Siti Aminah", "petugas", "aktif"],
        ]  # the role and the state in words (id)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddOfficerModal))
        modal = app.screen
        await _type(pilot, "#acc-username", "dewi")
        await _type(pilot, "#acc-fullname", "Dewi Lestari")
        await _type(pilot, "#acc-pin", "111111")
        await _type(pilot, "#acc-pin2", "111111")
        await pilot.press("ctrl+s")
        err = str(modal.query_one("#acc-form-error").render())
        assert err == AccountError("pin_weak").message("id")  # the service's PIN rule
        for fid in ("#acc-pin", "#acc-pin2"):
            modal.query_one(fid, Input).value = ""
            assert modal.query_one(fid, Input).password  # masked
        await _type(pilot, "#acc-pin", "482916")
        await _type(pilot, "#acc-pin2", "482917")
        await pilot.press("ctrl+s")
        assert str(modal.query_one("#acc-form-error").render()) == "Kedua PIN tidak sama."
        modal.query_one("#acc-pin2", Input).value = ""
        await _type(pilot, "#acc-pin2", "482916")
        await pilot.press("enter")  # Enter in the last field saves
        await _confirm(pilot, yes=False)  # "no": nothing written
        assert accounts.get_officer(ctx, "dewi") is None
        assert "Dibatalkan" in _text(screen, "#acc-result")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddOfficerModal))
        await _type(pilot, "#acc-username", "dewi")
        await _type(pilot, "#acc-fullname", "Dewi Lestari")
        await _type(pilot, "#acc-pin", "482916")
        await _type(pilot, "#acc-pin2", "482916")
        await pilot.press("ctrl+s")
        await _confirm(pilot)
        await _state(pilot, screen, "dewi", "aktif")
        assert "dewi" in _text(screen, "#acc-result")
        assert screen.selected is not None and screen.selected.username == "dewi"
        # the same name again: the service refuses, the screen says so (no traceback)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddOfficerModal))
        await _type(pilot, "#acc-username", "dewi")
        await _type(pilot, "#acc-pin", "482916")
        await _type(pilot, "#acc-pin2", "482916")
        await pilot.press("ctrl+s")
        await _confirm(pilot)
        await until(pilot, lambda: screen.query_one("#acc-result").has_class("error"))
        assert _text(screen, "#acc-result") == "Nama pengguna 'dewi' sudah dipakai."
    dewi = accounts.authenticate(ctx, "dewi", "482916")
    assert (dewi.role, dewi.full_name) == ("officer", "Dewi Lestari")
    assert _audits(ctx, "officer_created")[0] == ("kasi", "dewi")


@async_test
async def test_reset_pin_then_log_in_with_it(ctx, people) -> None:
    kasi, _ = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        await _select(pilot, screen, "siti")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PinModal))
        await _type(pilot, "#acc-pin", "572913")
        await _type(pilot, "#acc-pin2", "572913")
        await pilot.press("enter")
        await _confirm(pilot)
        await until(pilot, lambda: "siti" in _text(screen, "#acc-result"))
        assert _audits(ctx, "pin_set") == [("kasi", "siti")]
        await pilot.press("f8")  # log out; siti logs in with the new PIN on the login screen
        await settle(pilot)
        await login_typed(pilot, "siti", "572913")
        await until(pilot, lambda: app.officer is not None and app.officer.username == "siti")
    with pytest.raises(AccountError):
        accounts.authenticate(ctx, "siti", SITI_PIN)  # the old PIN is gone


@async_test
async def test_unlock_a_locked_account(ctx, people) -> None:
    kasi, _ = people
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(AccountError):
            accounts.authenticate(ctx, "siti", "999990")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        await _state(pilot, screen, "siti", "aktif, terkunci")
        await _select(pilot, kasi_row := screen, "kasi")
        assert kasi_row.check_action("unlock", ()) is False  # only a locked account offers it
        await _select(pilot, screen, "siti")
        assert screen.check_action("unlock", ()) is True
        await pilot.press("u")
        await _confirm(pilot)
        await _state(pilot, screen, "siti", "aktif")
        assert _text(screen, "#acc-result") == "Kunci akun 'siti' dibuka."
    assert accounts.authenticate(ctx, "siti", SITI_PIN).username == "siti"  # the same PIN
    assert _audits(ctx, "officer_unlocked") == [("kasi", "siti")]


def test_unlock_service_refuses_unknown_and_leaves_an_unlocked_account(ctx, people) -> None:
    kasi, _ = people
    with pytest.raises(AccountError) as e:
        accounts.unlock(ctx, "nobody", by=kasi)
    assert e.value.code == "not_found"
    assert accounts.unlock(ctx, "siti", by=kasi) is False  # not locked: nothing written
    assert _audits(ctx, "officer_unlocked") == []


@async_test
async def test_disable_enable_and_the_last_supervisor(ctx, people) -> None:
    kasi, _ = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        await _select(pilot, screen, "siti")
        keys = {b.binding.id: b.binding.description for b in screen.active_bindings.values()}
        assert keys["acc.toggle"] == "Nonaktifkan"
        await pilot.press("x")
        await _confirm(pilot)
        await _state(pilot, screen, "siti", "nonaktif")
        keys = {b.binding.id: b.binding.description for b in screen.active_bindings.values()}
        assert keys["acc.toggle"] == "Aktifkan"  # the same key enables it again
        with pytest.raises(AccountError) as e:
            accounts.authenticate(ctx, "siti", SITI_PIN)
        assert e.value.code == "disabled"
        await pilot.press("x")
        await _confirm(pilot)
        await _state(pilot, screen, "siti", "aktif")
        # kasi is the only active supervisor: the service refuses, the screen says why
        await _select(pilot, screen, "kasi")
        await pilot.press("x")
        await _confirm(pilot)
        await until(pilot, lambda: screen.query_one("#acc-result").has_class("error"))
        assert "supervisor aktif terakhir" in _text(screen, "#acc-result")
        await _state(pilot, screen, "kasi", "aktif")
    assert _audits(ctx, "officer_disabled") == [("kasi", "siti")]
    assert _audits(ctx, "officer_enabled") == [("kasi", "siti")]
    still = accounts.get_officer(ctx, "kasi")
    assert still is not None and still.active


@async_test
async def test_an_officer_cannot_open_the_office_screens(ctx, people) -> None:
    kasi, siti = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, siti)
        before = app.screen
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Akun petugas" not in titles and "Impor ekstrak pusat" not in titles
        for screen in (AccountsScreen(), RegistryImportScreen()):
            app.push_screen(screen)
            await settle(pilot)
            assert app.screen is before
        shown = [n.message for n in app._notifications]
        assert shown.count(app.t("tui.guard.supervisor_only")) == 2
    assert sorted(_audits(ctx, "officer_created")) == [("", "kasi"), ("", "siti")]  # no new one


@async_test
async def test_the_screens_refuse_an_officer_even_when_pushed_past_the_guard(ctx, people) -> None:
    from textual.app import App

    _, siti = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, siti)
        for screen in (AccountsScreen(), RegistryImportScreen()):
            await App.push_screen(app, screen)  # not through CounterApp.push_screen
            await settle(pilot)
            assert app.screen is screen
            assert not screen.query("#acc-table") and not screen.query("#reg-path")
            assert _text(screen, "#sup-refused") == app.t("tui.guard.supervisor_only")
            app.pop_screen()
            await settle(pilot)


@async_test
async def test_names_are_shown_literally_and_a_supervisor_is_added(ctx, people) -> None:
    from tests.security.screen_text import assert_clean, screen_text

    kasi, _ = people
    accounts.create_officer(ctx, "wati", "572913", full_name="[/] Wati \x1b[31m[b]x[/b]")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        text = screen_text(app)
        assert "[/] Wati ␛[31m[b]x[/b]" in text
        assert_clean(text)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddOfficerModal))
        await _type(pilot, "#acc-username", "rina")
        app.screen.query_one("#acc-role", Select).value = "supervisor"
        await _type(pilot, "#acc-pin", "482916")
        await _type(pilot, "#acc-pin2", "482916")
        await pilot.press("ctrl+s")
        await _confirm(pilot)
        await _state(pilot, screen, "rina", "aktif")
        rows = table_rows(screen.query_one("#acc-table", DataTable))
        assert [r for r in rows if r[0] == "rina"] == [["rina", "-", "supervisor", "aktif"]]
    assert accounts.authenticate(ctx, "rina", "482916").role == "supervisor"


@async_test
async def test_palette_offers_both_screens_to_a_supervisor(ctx, people) -> None:
    kasi, _ = people
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, kasi)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Akun petugas"].callback()
        await until(pilot, lambda: isinstance(app.screen, AccountsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorHome))
        commands["Impor ekstrak pusat"].callback()
        await until(pilot, lambda: isinstance(app.screen, RegistryImportScreen))


@async_test
async def test_accounts_in_english(make_ctx) -> None:
    c = make_ctx({"ui.lang": "en"})
    kasi = accounts.create_officer(c, "kasi", KASI_PIN, role="supervisor", full_name="Kasi")
    accounts.create_officer(c, "siti", SITI_PIN, full_name="Siti")
    accounts.set_active(c, "siti", False, by=kasi)
    app = make_app(c.settings, ctx=c)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_accounts(pilot, kasi)
        table = screen.query_one("#acc-table", DataTable)
        assert [str(col.label) for col in table.columns.values()] == [
            "Username",
            "Name",
            "Role",
            "State",
        ]
        assert table_rows(table)[1] == ["siti", "Siti", "officer", "disabled"]
        await _select(pilot, screen, "siti")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "Enable 'siti' (Siti)?" in str(app.screen.query_one("#confirm-body").render())


# --- the central extract --------------------------------------------------------------------


def N(serial: int) -> str:
    return nikmod.compose("332501", date(1990, 1, 1), "M", serial)


def _csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["NIK;NAMA;STATUS IKD;TGL AKTIVASI"]
    lines += [f"{n};WARGA {i};{s};{d}" for i, (n, s, d) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FIRST = [(N(1), "BELUM", ""), (N(2), "BELUM", ""), (N(3), "SUDAH", "01/10/2026")]
# 7 data lines: N(1), N(2) change (updated), N(3) as before (unchanged), N(4), N(5) new,
# a status nobody knows and a NIK of 15 digits (rejected, lines 7 and 8 of the file)
SECOND = [
    (N(1), "SUDAH", "20/11/2026"),
    (N(2), "SUDAH", "21/11/2026"),
    (N(3), "SUDAH", "01/10/2026"),
    (N(4), "BELUM", ""),
    (N(5), "SUDAH", "22/11/2026"),
    (N(6), "MUNGKIN", ""),
    (N(7)[:15], "BELUM", ""),
]


async def _open_import(pilot, kasi) -> RegistryImportScreen:  # noqa: ANN001
    await login(pilot, kasi)
    await pilot.press("i")
    await until(pilot, lambda: isinstance(pilot.app.screen, RegistryImportScreen))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RegistryImportScreen)
    return screen


async def _import_done(pilot, screen: RegistryImportScreen) -> None:  # noqa: ANN001
    await _confirm(pilot)
    await until(pilot, lambda: not screen.running and screen.result is not None)


@async_test
async def test_registry_import_from_the_app(ctx, people, tmp_path, monkeypatch) -> None:
    kasi, _ = people
    monkeypatch.setenv("HOME", str(tmp_path))
    import_registry(ctx, _csv(tmp_path / "lama.csv", FIRST))
    folder = tmp_path / "unduhan"
    folder.mkdir()
    _csv(folder / "ekstrak.csv", SECOND)
    (folder / "catatan.pdf").write_text("x")  # not an extract: not listed
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_import(pilot, kasi)
        assert screen.query_one("#reg-path", Input).value == "~/"
        assert [p.name for p in screen.entries] == ["unduhan", "lama.csv"]  # folders first
        assert app.focused is screen.query_one("#reg-path", Input)  # type at once
        await pilot.press("down", "down", "enter")  # into the list; ../ is first; Enter opens
        await settle(pilot)
        assert screen.folder == folder
        assert screen.query_one("#reg-path", Input).value == "~/unduhan/"
        assert [p.name for p in screen.entries] == ["ekstrak.csv"]  # no PDF
        await pilot.press("down", "enter")  # ../ then the file: Enter imports it (asked first)
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "~/unduhan/ekstrak.csv" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await until(pilot, lambda: not screen.running and screen.result is not None)
        res = screen.result
        assert res is not None and res.rejects_file is not None
        assert (res.read, res.inserted, res.updated, res.unchanged, res.rejected) == (
            7,
            2,
            2,
            1,
            2,
        )  # counted by hand from SECOND
        summary = _text(screen, "#reg-summary")
        assert summary.startswith("Dibaca 7 · baru 2 · diperbarui 2 · tetap 1 · ditolak 2"), summary
        bar = screen.query_one("#reg-bar", ProgressBar)
        assert bar.total == 100 and bar.progress == 100  # the bar reached the end
        shown = _text(screen, "#reg-rejects")
        assert shown.endswith("\n" + res.rejects_file)  # the whole path, on its own line
        assert screen.check_action("copy_path", ()) is True
        await pilot.press("f2")
        assert app.clipboard == res.rejects_file
    out = Path(res.rejects_file)
    assert out == folder / "ekstrak.csv.rejects.csv"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # NIKs: private
    assert sorted(rejects(str(out))) == [7, 8]
    stored = entries(ctx)
    assert stored[N(1)][:2] == ("active", date(2026, 11, 20))
    assert stored[N(5)][2] == "ekstrak.csv"
    assert _audits(ctx, "registry_import")[0] == ("kasi", "ekstrak.csv")


@async_test
async def test_registry_import_errors_are_shown_in_words(
    ctx, people, tmp_path, monkeypatch
) -> None:
    kasi, _ = people
    monkeypatch.setenv("HOME", str(tmp_path))
    bad = tmp_path / "salah.csv"
    bad.write_text("NAMA;ALAMAT\nBudi;Jl. Mawar\n", encoding="utf-8")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_import(pilot, kasi)
        field = screen.query_one("#reg-path", Input)
        field.value = ""
        await _type(pilot, "#reg-path", "~/tidak-ada.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert "tidak ditemukan" in _text(screen, "#reg-error")
        field.value = ""
        await _type(pilot, "#reg-path", "~/sal")
        await settle(pilot)
        await pilot.press("right")  # → takes the completion
        assert field.value == "~/salah.csv"
        await pilot.press("enter")
        await _import_done_or_error(pilot, screen)
        assert _text(screen, "#reg-error").startswith("Berkas salah.csv tidak punya kolom NIK")
        assert "Traceback" not in _text(screen, "#reg-error")
        assert screen.result is None and not screen.running


@async_test
async def test_registry_import_disk_full_is_said_in_words(
    ctx, people, tmp_path, monkeypatch
) -> None:
    import errno

    from counter.store import files

    kasi, _ = people
    monkeypatch.setenv("HOME", str(tmp_path))
    _csv(tmp_path / "ekstrak.csv", SECOND)  # two rejects: the rejects file is written

    def full(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "open_private", full)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_import(pilot, kasi)
        screen.query_one("#reg-path", Input).value = "~/ekstrak.csv"
        await pilot.press("ctrl+s")
        await _import_done_or_error(pilot, screen)
        shown = _text(screen, "#reg-error")
        assert shown.startswith("Disk penuh: ") and "ekstrak.csv.rejects.csv" in shown, shown
        assert screen.result is None
    assert entries(ctx) == {}  # nothing half-written


async def _import_done_or_error(pilot, screen: RegistryImportScreen) -> None:  # noqa: ANN001
    await _confirm(pilot)
    await until(pilot, lambda: not screen.running and screen.query_one("#reg-error").render())


@async_test
async def test_registry_import_in_english(make_ctx, tmp_path, monkeypatch) -> None:
    c = make_ctx({"ui.lang": "en"})
    kasi = accounts.create_officer(c, "kasi", KASI_PIN, role="supervisor")
    monkeypatch.setenv("HOME", str(tmp_path))
    _csv(tmp_path / "extract.csv", FIRST)
    app = make_app(c.settings, ctx=c)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_import(pilot, kasi)
        assert "was ever imported" in _text(screen, "#reg-extract")
        screen.query_one("#reg-path", Input).value = "~/extract.csv"
        await pilot.press("ctrl+s")
        await _import_done(pilot, screen)
        assert _text(screen, "#reg-summary") == (
            "Read 3 · new 3 · updated 0 · unchanged 0 · rejected 0"
        )
        assert _text(screen, "#reg-rejects") == "No rows were rejected."
        assert screen.check_action("copy_path", ()) is False
        await until(pilot, lambda: "never" not in _text(screen, "#reg-extract"))


# --- snapshots: 80x24 and 100x30, id and en ------------------------------------------------


def _snap_app(ctx, lang: str):  # noqa: ANN001, ANN202
    ctx.settings = replace(ctx.settings, lang=lang)
    return make_app(ctx.settings, ctx=ctx)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_accounts_snapshot(ctx, people, snap_compare, lang: str, size) -> None:  # noqa: ANN001
    kasi, _ = people
    accounts.create_officer(ctx, "dewi", "482916", full_name="Dewi Lestari")
    accounts.set_active(ctx, "dewi", False, by=kasi)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(AccountError):
            accounts.authenticate(ctx, "siti", "999990")
    app = _snap_app(ctx, lang)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await _open_accounts(pilot, kasi)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_registry_import_snapshot(ctx, people, snap_compare, tmp_path, monkeypatch, lang, size):  # noqa: ANN001, ANN201
    kasi, _ = people
    home = tmp_path / "home"
    (home / "Unduhan").mkdir(parents=True)
    _csv(home / "ekstrak-2026-11.csv", FIRST)
    _csv(home / "ekstrak-2026-10.txt", FIRST)
    monkeypatch.setenv("HOME", str(home))
    app = _snap_app(ctx, lang)

    async def run_before(pilot) -> None:  # noqa: ANN001
        screen = await _open_import(pilot, kasi)
        screen.query_one("#reg-path", Input).cursor_blink = False  # the same picture each run
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
