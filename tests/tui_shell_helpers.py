"""Helpers for the TUI shell tests: build the app on a test context, wait for workers."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.app import ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Footer, Static

from counter.services.context import Context
from counter.tui.app import CounterApp, make_app


def async_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (no pytest-asyncio plugin here)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


class StubCounter(Screen[None]):
    """Stands in for the counter screen in shell tests; records resume() calls."""

    def __init__(self) -> None:
        super().__init__()
        self.resumed: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("counter")
        yield Footer()

    def resume(self, visit: Any) -> None:
        self.resumed.append(visit)


class StubSupervisor(Screen[None]):
    SUPERVISOR_ONLY = True

    def compose(self) -> ComposeResult:
        yield Static("supervisor")
        yield Footer()


def app_on(ctx: Context, real_screens: bool = False, **kw: Any) -> CounterApp:
    """The app on a test context; the mode screens are stubs unless ``real_screens``."""
    if not real_screens:
        kw.setdefault("mode_screens", {"counter": StubCounter, "supervisor": StubSupervisor})
    return make_app(ctx.settings, clock=ctx.clock, ctx=ctx, **kw)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Wait for thread workers and the callbacks they post to the UI thread."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def login(pilot: Pilot[Any], username: str, pin: str) -> None:
    await settle(pilot)
    app = pilot.app
    app.screen.query_one("#username").value = ""
    await pilot.click("#username")
    await pilot.press(*username, "enter", *pin, "enter")
    await settle(pilot)
