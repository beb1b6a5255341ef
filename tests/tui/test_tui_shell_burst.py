from __future__ import annotations

from typing import Any

from textual import events

from counter.services.context import Context
from tests.helpers.shell import app_on, async_test, settle


@async_test
async def test_username_tab_pin_enter_in_one_burst_logs_in(ctx: Context, officer: Any) -> None:
    """A password manager or macro types ``siti<Tab>135790<Enter>`` in one write: the Tab moves
    on before the next key arrives, so each field gets its own part."""
    app = app_on(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # every key is queued before any is handled, as one terminal write delivers them
        for ch in "siti":
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("tab", "\t"))
        for ch in "135790":
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot, rounds=6)
        assert app.officer is not None and app.officer.username == "siti"
