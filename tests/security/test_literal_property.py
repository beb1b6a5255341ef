"""Issue 11, property: arbitrary text (brackets, markup, escapes, controls, bidi) as a visitor name,
a note, a follow-up note, a notification, a place name or an option is shown literally by every
data-showing widget, without an exception and without a control character reaching the terminal.

One app runs for all examples (a Pilot session on its own event loop thread; each example is sent
to it), so the real supervisor screens can be driven with many examples in reasonable time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets.option_list import Option

from counter.config import load_settings
from counter.domain.text import printable
from counter.services import accounts, daylog, followup, visits
from counter.services.context import make_context
from counter.tui.app import make_app
from counter.tui.screens.supervisor import FollowUpScreen, VisitDetailScreen
from counter.tui.widgets.charts import BarList
from counter.tui.widgets.literal import DataTable, Label, OptionList, Select, Static
from tests.conftest import FixedClock
from tests.helpers.supervisor import nik
from tests.security.screen_text import assert_clean, screen_text

# Text that is hostile to a terminal UI, mixed with anything hypothesis makes up.
PIECES = [
    "[/]",
    "[/bold]",
    "[x]",
    "[b]",
    "[@click=app.quit]",
    "\\[",
    "\\",
    "[lihat foto]",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x9b",
    "\x00",
    "\x7f",
    "\r\n",
    "\n",
    "\t",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\x85",
    "😀",
    "é",
    "ß",
    "$x",
    "{name}",
    "%s",
]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=6).map("".join)


class Probe(ModalScreen[None]):
    """Every literal widget kind at once, refilled with each example."""

    def compose(self) -> ComposeResult:
        yield Static(id="p-static")
        yield Label(id="p-label")
        yield DataTable(id="p-table")
        yield OptionList(id="p-options")
        yield Select([("-", "-")], id="p-select")
        yield BarList(id="p-bars")

    def fill(self, s: str) -> None:
        self.query_one("#p-static", Static).update(s)
        self.query_one("#p-label", Label).update(s)
        table = self.query_one("#p-table", DataTable)
        table.clear(columns=True)
        table.add_columns(s, "n")
        table.add_row(s, 1)
        options = self.query_one("#p-options", OptionList)
        options.clear_options()
        options.add_options([Option(s, id="a"), s])
        self.query_one("#p-select", Select).set_options([(s, "v")])
        self.query_one("#p-bars", BarList).set_rows([(s, 3)])


class Harness:
    """A running app on its own loop thread; ``call(fn)`` runs ``await fn(pilot)`` there."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self._main(),), daemon=True
        )
        self.thread.start()
        assert self.ready.wait(60), "app did not start"

    async def _main(self) -> None:
        self.stop = asyncio.Event()
        async with self.app.run_test(size=(160, 50)) as pilot:
            self.pilot = pilot
            self.ready.set()
            await self.stop.wait()

    def call(self, fn: Callable[[Any], Awaitable[Any]]) -> Any:
        async def in_app() -> Any:
            from textual._context import active_app

            active_app.set(self.app)  # as in the Pilot's own task
            return await fn(self.pilot)

        return asyncio.run_coroutine_threadsafe(in_app(), self.loop).result(timeout=120)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(60)


async def _settle(pilot: Any, cond: Callable[[], bool] = lambda: True, rounds: int = 400) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if cond():
            await pilot.pause()
            return
    raise AssertionError("condition not reached")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("literal")
    s = load_settings(
        tmp / "none.toml",
        env={},
        overrides={"database.url": str(tmp / "c.db"), "paths.data": str(tmp / "d")},
    )
    clock = FixedClock(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    ctx = make_context(s, clock=clock)
    siti = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name="Siti")
    kasi = accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name="Kasi")
    h = Harness(make_app(ctx.settings, ctx=ctx))

    async def login(pilot: Any) -> None:
        pilot.app.login_done(kasi)
        await _settle(pilot, lambda: pilot.app.officer is kasi)

    h.call(login)
    yield {"ctx": ctx, "clock": clock, "siti": siti, "kasi": kasi, "h": h, "n": [0]}
    h.close()
    ctx.db.dispose()


def _visit(w: dict[str, Any], s: str) -> str:
    ctx, clock = w["ctx"], w["clock"]
    w["n"][0] += 1
    v = visits.start_visit(
        ctx, w["siti"], nik(w["n"][0] % 9000 + 1), name=s or "-", phone="081234567890", consent=True
    )
    clock.advance(seconds=30)
    visits.finish_visit(
        ctx, v.id, "FAILED", "email_not_received", note=s or None, officer_id=w["siti"].id
    )
    followup.mark_contacted(ctx, v.id, w["kasi"], s if s.strip() else "-")  # a note is required
    return v.id


def _plain(cell: Any) -> str:
    return str(getattr(cell, "plain", cell))


SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SLOW
@given(s=hostile)
def test_supervisor_screens_show_any_text_literally(world: dict[str, Any], s: str) -> None:
    vid = _visit(world, s)
    detail = daylog.open_visit(world["ctx"], vid, world["kasi"])
    name = printable(s or "-")

    async def followups(pilot: Any) -> None:
        app = pilot.app
        await app.push_screen(FollowUpScreen())
        await _settle(
            pilot,
            lambda: (
                isinstance(app.screen, FollowUpScreen)
                and any(r.visit_id == vid for r in app.screen.rows)
            ),
        )
        table = app.screen.query_one("#fu-table", DataTable)
        assert _plain(table.get_cell(vid, "name")) == name
        assert_clean(screen_text(app))
        app.pop_screen()
        await app.push_screen(VisitDetailScreen(detail))
        await _settle(pilot, lambda: isinstance(app.screen, VisitDetailScreen))
        head = _plain(app.screen.query_one("#detail-head", Static).visual)
        assert name in head
        events = app.screen.query_one("#detail-events", DataTable)
        cells = [_plain(c) for i in range(events.row_count) for c in events.get_row_at(i)]
        assert any(printable(s) in c for c in cells)
        assert_clean(screen_text(app))
        app.pop_screen()
        app.notify(s)
        await _settle(pilot)
        assert_clean(screen_text(app))
        app.clear_notifications()
        assert app.is_running

    world["h"].call(followups)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(s=hostile)
def test_every_literal_widget_shows_any_text(world: dict[str, Any], s: str) -> None:
    async def probe(pilot: Any) -> None:
        app = pilot.app
        if not isinstance(app.screen, Probe):
            await app.push_screen(Probe())
            await _settle(pilot, lambda: isinstance(app.screen, Probe))
        app.screen.fill(s)
        await _settle(pilot)
        one, many = printable(s), printable(s, multiline=True)
        scr = app.screen
        assert _plain(scr.query_one("#p-static", Static).visual) == many
        assert _plain(scr.query_one("#p-label", Label).visual) == many
        table = scr.query_one("#p-table", DataTable)
        assert _plain(table.get_row_at(0)[0]) == one
        assert _plain(table.ordered_columns[0].label) == one
        options = scr.query_one("#p-options", OptionList)
        assert _plain(options.get_option_at_index(0).prompt) == one
        assert scr.query_one("#p-bars", BarList).rows == [(one, 3)]
        assert_clean(screen_text(app))
        assert app.is_running

    world["h"].call(probe)
