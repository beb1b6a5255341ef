"""Ctrl+P and the key list speak the user's language, and Esc closes both."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.widgets import Input, Label, OptionList

from counter.services.context import Context
from counter.tui.screens.commands import CommandsScreen, KeysScreen
from tests.helpers.shell import app_on, async_test, login, settle


def _options(screen: Any) -> list[str]:
    ol = screen.query_one(OptionList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


@async_test
async def test_command_list_in_indonesian_filters_and_closes_with_escape(
    ctx: Context, officer: Any
) -> None:
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        await pilot.press("ctrl+p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CommandsScreen)
        assert screen.query_one(Input).placeholder == "Cari perintah…"
        assert any(o.startswith("Keluar akun") for o in _options(screen))
        await pilot.press(*"zzz")
        await settle(pilot)
        assert _options(screen) == ["Tidak ada yang cocok"]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CommandsScreen)


@async_test
async def test_key_list_from_the_command_list_in_english(ctx: Context, officer: Any) -> None:
    ctx.settings = replace(ctx.settings, lang="en")
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "siti", "135790")
        await pilot.press("ctrl+p", *"keys", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, KeysScreen)
        rows = [str(w.render()) for w in screen.query(".keys-row").results(Label)]
        assert any("Log out" in r for r in rows) and any("Quit" in r for r in rows)
        assert not any("cursor" in r.lower() for r in rows)  # no widget editing keys
        assert str(screen.query_one(".keys-title", Label).render()) == "Keys on this screen"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KeysScreen)
