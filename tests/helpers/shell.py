"""Helpers for the TUI shell tests: build the app on a test context, wait for workers."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from counter.services.context import Context
from counter.tui.app import CounterApp, make_app
from tests.helpers.pilot import async_test, login, settle

__all__ = ["StubCounter", "StubSupervisor", "app_on", "async_test", "login", "settle"]


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
