"""Issue 11: in the TUI an unexpected failure (a key's action, a worker) is one line on screen,
logged scrubbed; the app keeps running. Under tests (headless) errors still raise by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from counter.services.context import Context
from tests.helpers.shell import app_on, async_test, settle

NIK = "3325011708050001"


def _boom() -> None:
    raise RuntimeError(f"bug with {NIK}")


def _messages(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


@async_test
async def test_an_action_that_fails_is_shown_and_the_app_keeps_running(ctx: Context) -> None:
    app = app_on(ctx)
    app.catch_errors = True
    app.action_toggle_theme = _boom  # F9
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        shown = [m for m in _messages(app) if "RuntimeError" in m]
        assert len(shown) == 1 and NIK not in shown[0]
        log = Path(ctx.settings.data_path) / "logs" / "ikd-counter-errors.log"
        assert str(log) in shown[0]
        assert "bug with 3325" in log.read_text(encoding="utf-8")
        assert NIK not in log.read_text(encoding="utf-8")
        assert app.is_running and app.return_code is None
        await pilot.press("f9")  # still answering keys
        await settle(pilot)
        assert len([m for m in _messages(app) if "RuntimeError" in m]) == 2


class Boom(Screen[None]):
    class Go(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Static("boom")

    def on_boom_go(self, message: Go) -> None:
        raise RuntimeError(f"handler bug with {NIK}")


@async_test
async def test_a_failing_message_handler_is_shown_and_the_screen_keeps_going(ctx: Context) -> None:
    app = app_on(ctx)
    app.catch_errors = True
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = Boom()
        await app.push_screen(screen)
        for n in (1, 2):  # the second message is still handled: the screen's loop goes on
            screen.post_message(Boom.Go())
            await settle(pilot)
            shown = [m for m in _messages(app) if "RuntimeError" in m]
            assert len(shown) == n and all(NIK not in m for m in shown)
        assert app.is_running and app.screen is screen


@async_test
async def test_a_failed_worker_is_shown(ctx: Context) -> None:
    app = app_on(ctx)
    app.catch_errors = True
    async with app.run_test() as pilot:
        await settle(pilot)
        worker = app.run_worker(_boom, thread=True, name="boom")
        for _ in range(200):  # until the worker has failed and its error was handled
            await pilot.pause()
            if worker.is_finished and any("RuntimeError" in m for m in _messages(app)):
                break
        assert any("RuntimeError" in m for m in _messages(app))
        assert app.is_running and app.return_code is None


@async_test
async def test_storage_errors_say_what_to_do(ctx: Context) -> None:
    from counter.store.db import DatabaseUnusable

    def broken() -> None:
        raise DatabaseUnusable("corrupt", where="/x/c.db")

    app = app_on(ctx)
    app.catch_errors = True
    app.action_toggle_theme = broken
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert any("/x/c.db" in m and "restore" in m for m in _messages(app))


def test_headless_tests_still_see_the_exception(ctx: Context) -> None:
    """catch_errors defaults to off when headless: a bug fails the test instead of hiding."""

    @async_test
    async def go() -> None:
        app = app_on(ctx)
        app.action_toggle_theme = _boom
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.press("f9")
            await settle(pilot)

    with pytest.raises(RuntimeError):
        go()
