"""Helpers for the counter screen tests: the real app logged in, a key counter, registry rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.pilot import Pilot

from counter.domain import nik as nikmod
from counter.services.context import Context
from counter.tui.app import CounterApp, make_app
from tests.helpers.pilot import async_test, settle

__all__ = [
    "NIK_ACTIVE",
    "NIK_NEW",
    "NIK_OTHER",
    "add_registry",
    "async_test",
    "counter_app",
    "open_counter",
    "settle",
]

NIK_ACTIVE = nikmod.compose("332501", date(1990, 1, 1), "F", 1)  # Wonotunggal
NIK_NEW = nikmod.compose("332503", date(2001, 5, 17), "M", 12)
NIK_OTHER = nikmod.compose("332510", date(1985, 12, 3), "F", 7)


def add_registry(ctx: Context, nik: str, status: str, activated_on: date | None = None) -> None:
    """A row of the central IKD status extract (tests may use the ORM directly)."""
    from counter.store.models import RegistryEntry, RegistryImport

    with ctx.db.write() as s:
        imp = RegistryImport(source="test-extract.csv", imported_at=ctx.now())
        s.add(imp)
        s.flush()
        s.add(
            RegistryEntry(nik=nik, ikd_status=status, activated_on=activated_on, import_id=imp.id)
        )


def counter_app(ctx: Context) -> CounterApp:
    return make_app(ctx.settings, clock=ctx.clock, ctx=ctx)


async def open_counter(pilot: Pilot[Any], officer: Any) -> Any:
    """Log the officer in (the shell's own login is tested elsewhere) and return the screen."""
    from counter.tui.screens.counter import CounterScreen

    await settle(pilot)
    pilot.app.login_done(officer)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CounterScreen), screen
    pilot.app.clear_notifications()
    return screen


class Keys:
    """Presses keys through Pilot and counts them: the keystroke budget is asserted on this."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.digits = 0
        self.other = 0

    async def nik(self, nik: str) -> None:
        for d in nik:
            await self.pilot.press(d)
            self.digits += 1
        await self.pilot.pause()

    async def __call__(self, *keys: str) -> None:
        for k in keys:
            await self.pilot.press(k)
            self.other += 1

    async def text(self, text: str) -> None:
        """Free text (name, note): not part of the budget."""
        for ch in text:
            await self.pilot.press("space" if ch == " " else ch)
        await self.pilot.pause()
