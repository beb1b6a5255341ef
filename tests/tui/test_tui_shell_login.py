"""Login: routing by role, supervisor guard, lockout with audit rows, English texts, logout."""

from __future__ import annotations

import json

from textual.screen import Screen
from textual.widgets import Label

from counter.services import accounts, audit
from tests.helpers.shell import app_on, async_test, login, settle


@async_test
async def test_officer_goes_to_counter_mode_and_cannot_reach_supervisor(ctx, officer, supervisor):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        assert app.officer is not None and app.officer.username == "siti"
        assert app.current_mode == "counter"
        assert "supervisor" not in app._modes
        counter_screen = app.screen
        # by key
        await pilot.press("f7")
        await pilot.pause()
        assert app.current_mode == "counter" and app.screen is counter_screen
        # by action / mode switch from code
        app.switch_mode("supervisor")
        await pilot.pause()
        assert app.current_mode == "counter"

        # a supervisor-only screen pushed from anywhere is refused

        class Secret(Screen[None]):
            SUPERVISOR_ONLY = True

        app.push_screen(Secret())
        await pilot.pause()
        assert not isinstance(app.screen, Secret)
        app.switch_screen(Secret())
        await pilot.pause()
        assert app.screen is counter_screen
        # the command palette offers nothing supervisor-only
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert app.t("tui.palette.supervisor") not in titles
        assert app.t("tui.palette.counter") in titles
    rows = audit.recent(ctx, "login")
    assert [r.username for r in rows] == ["siti"]


@async_test
async def test_supervisor_goes_to_supervisor_mode_and_may_switch(ctx, officer, supervisor):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "kasi", "246802")
        assert app.current_mode == "supervisor"
        await pilot.press("f7")
        await pilot.pause()
        assert app.current_mode == "counter"
        await pilot.press("f7")
        await pilot.pause()
        assert app.current_mode == "supervisor"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert app.t("tui.palette.supervisor") in titles

        class Secret(Screen[None]):
            SUPERVISOR_ONLY = True

        app.push_screen(Secret())
        await pilot.pause()
        assert isinstance(app.screen, Secret)
        app.pop_screen()
        # log out: back at the login screen, modes gone, audited
        await pilot.press("f8")
        await settle(pilot)
        assert app.officer is None
        assert app.current_mode == "login"
        assert type(app.screen).__name__ == "LoginScreen"
        assert "supervisor" not in app._modes and "counter" not in app._modes
    assert [r.action for r in audit.recent(ctx)][:2] == ["logout", "login"]


@async_test
async def test_five_wrong_pins_lock_the_account(ctx, officer, clock):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        error = app.screen.query_one("#login-error", Label)
        for attempt in range(1, 5):
            await login(pilot, "siti", "999999")
            assert app.officer is None
            assert str(error.content) == app.t("account.wrong_pin", left=5 - attempt)
            assert app.screen.query_one("#pin").value == ""
        await login(pilot, "siti", "999999")
        assert "16:15" not in str(error.content)  # local time (Jakarta) of the lock end
        assert str(error.content) == app.t("account.locked", until="09:15", count=5)
        # now even the right PIN is refused
        await login(pilot, "siti", "135790")
        assert app.officer is None
        assert str(error.content) == app.t("account.locked", until="09:15", count=5)
        # after 15 minutes the right PIN works
        clock.advance(minutes=15, seconds=1)
        await login(pilot, "siti", "135790")
        assert app.officer is not None and app.current_mode == "counter"
    failed = audit.recent(ctx, "login_failed")
    assert len(failed) == 6
    assert [json.loads(r.detail).get("attempts") for r in reversed(failed[1:])] == [1, 2, 3, 4, 5]
    assert json.loads(failed[0].detail)["why"] == "locked"
    locks = audit.recent(ctx, "lockout")
    assert len(locks) == 1 and locks[0].username == "siti"
    assert len(audit.recent(ctx, "login")) == 1


@async_test
async def test_unknown_user_and_empty_fields(ctx, officer):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        error = app.screen.query_one("#login-error", Label)
        await pilot.press("enter")
        await pilot.pause()
        assert str(error.content) == app.t("tui.login.empty_username")
        await pilot.press(*"siti", "enter", "enter")
        await pilot.pause()
        assert str(error.content) == app.t("tui.login.empty_pin")
        await login(pilot, "nobody", "135790")
        assert str(error.content) == app.t("account.wrong_pin", left=4)  # as for a known name
    assert audit.recent(ctx, "login_failed")[0].username == "nobody"


@async_test
async def test_english_mode(ctx, officer):
    from dataclasses import replace

    ctx.settings = replace(ctx.settings, lang="en")
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        texts = [str(w.content) for w in app.screen.query(Label)]
        assert "Officer login" in texts and "Username" in texts and "PIN (6 digits)" in texts
        footer_keys = {b.description for _, b, *_ in app.active_bindings.values()}
        assert {"Theme", "Quit"} <= footer_keys
        await login(pilot, "siti", "111112")
        error = app.screen.query_one("#login-error", Label)
        assert str(error.content) == "Wrong username or PIN. Attempts left: 4."


@async_test
async def test_indonesian_is_the_default(ctx, officer):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        texts = [str(w.content) for w in app.screen.query(Label)]
        assert "Masuk petugas" in texts and "Nama pengguna" in texts
        assert accounts.count_officers(ctx) == 1


@async_test
async def test_the_cli_path_opens_the_database_in_the_background(ctx, officer, clock):
    """make_app(settings) without a context, as the CLI does: the DB opens after the first paint."""
    from counter.tui.app import make_app
    from tests.helpers.shell import StubCounter

    app = make_app(ctx.settings, clock=clock, mode_screens={"counter": StubCounter})
    assert app.ctx is None
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        assert app.ctx is not None and app.ctx is not ctx
        assert app.officer.username == "siti" and isinstance(app.screen, StubCounter)
    app.ctx.db.dispose()
    assert [r.username for r in audit.recent(ctx, "login")] == ["siti"]


@async_test
async def test_a_database_that_cannot_be_opened_is_reported_on_the_login_screen(settings, tmp_path):
    from dataclasses import replace

    from counter.tui.app import make_app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(replace(settings, db=str(blocker / "counter.db")))
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        error = str(app.screen.query_one("#login-error", Label).content)
        assert error.startswith(app.t("tui.db_error", detail="")) and app.officer is None
        assert type(app.screen).__name__ == "LoginScreen"
