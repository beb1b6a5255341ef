"""First-run set-up wizard: office settings written to the config file, first supervisor made."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Input, Label

from counter.config import load_settings
from counter.services import accounts, audit
from tests.helpers.shell import app_on, async_test, login, settle


async def _fill(pilot, values: dict[str, str]) -> None:  # noqa: ANN001
    for name, value in values.items():
        field = pilot.app.screen.query_one(f"#{name}", Input)
        field.value = ""
        field.focus()
        await pilot.press(*value)
    await pilot.press("f2")
    await settle(pilot)


@async_test
async def test_setup_creates_office_settings_and_supervisor(ctx):
    config = Path(ctx.settings.config_file)
    assert not config.exists()
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "SetupScreen"
        # English chosen in the wizard switches the texts at once
        app.screen.query_one("#lang").value = "en"
        await pilot.pause()
        assert app.settings.lang == "en"
        assert str(app.screen.query_one("#setup-intro", Label).content).startswith(
            "There is no officer yet"
        )
        await _fill(
            pilot,
            {
                "office_name": "UPT Dukcapil Limpung",
                "office_code": "332508",
                "counter_id": "LOKET-3",
                "username": "kasi",
                "full_name": "Kasi Limpung",
                "pin": "246802",
                "pin_again": "246802",
            },
        )
        # the recovery code is shown once, to be written down, before the login
        await settle(pilot)
        assert type(app.screen).__name__ == "RecoveryCodeScreen"
        code = str(app.screen.query_one("#recovery-code").render())
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert app.screen.query_one("#username", Input).value == "kasi"
        assert "UPT Dukcapil Limpung · LOKET-3" in str(app.screen.query_one("#office-line").content)
        # the new supervisor logs in and lands in supervisor mode
        await pilot.press(*"246802", "enter")
        await settle(pilot)
        assert app.officer is not None and app.officer.username == "kasi"
        assert app.current_mode == "supervisor"
    written = tomllib.loads(config.read_text(encoding="utf-8"))
    assert written == {
        "office": {"name": "UPT Dukcapil Limpung", "code": "332508", "counter": "LOKET-3"},
        "ui": {"lang": "en"},
    }
    reloaded = load_settings(config, env={})
    assert (reloaded.office_name, reloaded.counter_id, reloaded.lang) == (
        "UPT Dukcapil Limpung",
        "LOKET-3",
        "en",
    )
    [sup] = accounts.list_officers(ctx)
    assert (sup.username, sup.role, sup.full_name) == ("kasi", "supervisor", "Kasi Limpung")
    assert [e.target for e in audit.recent(ctx, "officer_created")] == ["kasi"]
    # the code shown recovers the supervisor's PIN (once)
    from counter.services import recovery

    recovery.recover(ctx, "kasi", code, "135246")
    accounts.authenticate(ctx, "kasi", "135246")
    assert ctx.settings.counter_id == "LOKET-3"


@async_test
async def test_setup_refuses_bad_input_and_creates_nothing(ctx):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _fill(
            pilot,
            {
                "office_name": "",
                "office_code": "33",
                "counter_id": "L1",
                "username": "ab",
                "pin": "111111",
                "pin_again": "111111",
            },
        )
        screen = app.screen
        assert type(screen).__name__ == "SetupScreen"

        def err(name: str) -> str:
            return str(screen.query_one(f"#{name}-error", Label).content)

        assert err("office_name") == app.t("tui.setup.err_office_name")
        assert err("username") == app.t("account.username_bad")
        assert err("pin") == app.t("account.pin_weak")
        assert err("office_code") == "" and err("counter_id") == ""
        assert screen.query_one("#office_name", Input).has_class("-invalid")
        assert app.focused is screen.query_one("#office_name", Input)
        await _fill(
            pilot,
            {"office_name": "Kantor", "username": "kasi", "pin": "246802", "pin_again": "246803"},
        )
        assert err("pin_again") == app.t("tui.setup.err_pin_again")
        assert type(app.screen).__name__ == "SetupScreen"
    assert accounts.count_officers(ctx) == 0
    assert not Path(ctx.settings.config_file).exists()


@async_test
async def test_no_setup_when_an_officer_exists(ctx, officer):
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        await login(pilot, "siti", "135790")
        assert app.current_mode == "counter"
