"""The one copy of the Pilot helpers every TUI test uses: run an async test, let workers
finish, wait for a condition, enter the app as an officer."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.pilot import Pilot


def async_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (no pytest-asyncio plugin in this project)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Wait for thread workers and the callbacks they post to the UI thread."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot: Pilot[Any], cond: Callable[[], bool], timeout: float = 20.0) -> None:
    """Settle until ``cond()`` holds (workers post back to the UI thread; the machine is busy)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        assert loop.time() < end, "condition not reached"
        await settle(pilot, 1)


async def login(pilot: Pilot[Any], username: str, pin: str) -> None:
    """Log in through the login screen, as a person types."""
    await settle(pilot)
    pilot.app.screen.query_one("#username").value = ""  # type: ignore[attr-defined]
    await pilot.click("#username")
    await pilot.press(*username, "enter", *pin, "enter")
    await settle(pilot)


async def enter_as(pilot: Pilot[Any], officer: Any) -> None:
    """Skip the login screen (tested on its own) and enter the app as ``officer``."""
    await settle(pilot)
    pilot.app.login_done(officer)  # type: ignore[attr-defined]
    await settle(pilot)
    pilot.app.clear_notifications()
