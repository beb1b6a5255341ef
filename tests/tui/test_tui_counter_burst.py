"""A burst of keys (a fast typist, a paste, a barcode scanner: NIK then Enter in one write)."""

from __future__ import annotations

from typing import Any

from textual import events

from counter.services.context import Context
from counter.tui.screens.counter import NikInput
from tests.helpers.counter import NIK_NEW, async_test, counter_app, open_counter


@async_test
async def test_nik_and_enter_in_one_burst_checks_what_was_typed(
    ctx: Context,
    officer: Any,
) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        # All keys are queued at once, as a terminal delivers one write, before any is handled.
        for ch in NIK_NEW:
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", "\r"))
        for _ in range(10):
            await pilot.pause()
        assert screen.query_one("#nik-input", NikInput).value == NIK_NEW
        assert screen.phase == "status"
