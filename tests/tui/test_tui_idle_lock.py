"""Idle lock: a countdown, then a lock screen over the open work; only the same officer's PIN
opens it. The idle clock is a fake monotonic clock moved by the test (no waiting)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.services import accounts, audit, outreach, visits
from counter.services.context import Context
from counter.tui.app import CounterApp, make_app
from counter.tui.screens.lock import LockScreen
from tests.helpers.counter import NIK_NEW, Keys, open_counter
from tests.helpers.shell import StubCounter, app_on, async_test, login, settle


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def _real_app(ctx: Context, mono: FakeMonotonic) -> CounterApp:
    return make_app(ctx.settings, clock=ctx.clock, ctx=ctx, idle_clock=mono)


async def _tick(pilot: Any) -> None:
    pilot.app.check_idle_lock()
    await settle(pilot)


def _banner(app: CounterApp) -> str | None:
    found = app.screen.query("#idle-countdown")
    return str(found.first(Static).render()) if found else None


async def _type_pin(pilot: Any, pin: str) -> str:
    await pilot.press(*pin, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    return (
        str(screen.query_one("#lock-error", Label).render())
        if isinstance(screen, LockScreen)
        else ""
    )


@async_test
async def test_countdown_then_lock_then_only_the_same_pin_opens(ctx: Context, officer: Any) -> None:
    accounts.create_officer(ctx, "budi", "112358", full_name="Budi")
    mono = FakeMonotonic()
    app = _real_app(ctx, mono)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter")  # NIK, start assisted activation: the visit is open
        visit_id, phase = screen.visit_id, screen.phase
        assert visit_id is not None and phase == "prereq"

        mono.advance(600 - 61)
        await _tick(pilot)
        assert _banner(app) is None
        mono.advance(16)  # 45 s left
        await _tick(pilot)
        assert "Layar terkunci dalam 45 dtk" in (_banner(app) or "")
        mono.advance(45)
        await _tick(pilot)
        assert isinstance(app.screen, LockScreen) and app.locked
        assert _banner(app) is None
        assert NIK_NEW not in app.export_screenshot()  # nothing of the visit shows

        for key in ("f7", "ctrl+p"):  # no way around the lock
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, LockScreen), key
        assert "Sisa percobaan: 4" in await _type_pin(pilot, "999999")
        assert "Sisa percobaan: 3" in await _type_pin(pilot, "112358")  # budi's PIN
        assert isinstance(app.screen, LockScreen)

        assert await _type_pin(pilot, "135790") == ""
        assert app.screen is screen and not app.locked  # and no palette left over
        assert (screen.visit_id, screen.phase) == (visit_id, phase)
        assert (
            screen.query_one("#nik-input", Input).value.replace(" ", "").replace(".", "") == NIK_NEW
        )
        mono.advance(599)  # the unlock counts as activity
        await _tick(pilot)
        assert app.screen is screen
    (lock,) = audit.recent(ctx, "screen_locked")
    assert lock.username == "siti" and json.loads(lock.detail)["idle_seconds"] == 600
    assert [e.username for e in audit.recent(ctx, "screen_unlocked")] == ["siti"]
    failed = audit.recent(ctx, "login_failed")
    assert [e.target for e in failed] == ["siti", "siti"]  # counted against siti only
    assert visits.get_visit(ctx, visit_id).ended_at is None  # type: ignore[union-attr]


@async_test
async def test_any_key_cancels_the_countdown(ctx: Context, officer: Any) -> None:
    mono = FakeMonotonic()
    app = app_on(ctx, idle_clock=mono)
    async with app.run_test() as pilot:
        await login(pilot, "siti", "135790")
        assert isinstance(app.screen, StubCounter)
        mono.advance(590)
        await _tick(pilot)
        assert _banner(app) is not None
        await pilot.press("x")
        await pilot.pause()
        assert _banner(app) is None
        mono.advance(590)
        await _tick(pilot)
        assert not app.locked
        mono.advance(10)
        await _tick(pilot)
        assert app.locked


@async_test
async def test_supervisor_session_locks_sooner(ctx: Context, officer: Any, supervisor: Any) -> None:
    for who, pin, limit in (("siti", "135790", 600), ("kasi", "246802", 300)):
        mono = FakeMonotonic()
        app = app_on(ctx, idle_clock=mono)
        async with app.run_test() as pilot:
            await login(pilot, who, pin)
            assert app.officer.username == who  # type: ignore[union-attr]
            mono.advance(limit - 1)
            await _tick(pilot)
            assert not app.locked and _banner(app) is not None
            mono.advance(1)
            await _tick(pilot)
            assert app.locked and isinstance(app.screen, LockScreen), who
            if who == "kasi":
                await pilot.press("f7")
                await settle(pilot)
                assert app.current_mode == "supervisor" and isinstance(app.screen, LockScreen)


@async_test
async def test_no_lock_before_login(ctx: Context, officer: Any) -> None:
    mono = FakeMonotonic()
    app = app_on(ctx, idle_clock=mono)
    async with app.run_test() as pilot:
        await settle(pilot)
        mono.advance(10_000)
        await _tick(pilot)
        assert not app.locked and app.current_mode == "login"


class _Note(ModalScreen[None]):
    def compose(self) -> Any:
        yield Static("note")


@async_test
async def test_screens_pushed_while_locked_wait_for_the_unlock(ctx: Context, officer: Any) -> None:
    mono = FakeMonotonic()
    app = app_on(ctx, idle_clock=mono)
    async with app.run_test() as pilot:
        await login(pilot, "siti", "135790")
        app.lock()
        await settle(pilot)
        note = _Note()
        app.push_screen(note)
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await _type_pin(pilot, "135790")
        assert app.screen is note


@async_test
async def test_log_out_from_the_lock_keeps_the_visit_for_resume(ctx: Context, officer: Any) -> None:
    from counter.tui.screens.resume import ResumeScreen

    mono = FakeMonotonic()
    app = _real_app(ctx, mono)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter")
        visit_id = screen.visit_id
        mono.advance(600)
        await _tick(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("f8")
        await settle(pilot)
        assert app.officer is None and app.current_mode == "login" and not app.locked
        await login(pilot, "siti", "135790")
        for _ in range(5):
            if isinstance(app.screen, ResumeScreen):
                break
            await settle(pilot, 1)
        assert isinstance(app.screen, ResumeScreen)
        assert [v.id for v in app.screen.visits] == [visit_id]  # type: ignore[attr-defined]


@async_test
async def test_laptop_warning_after_login(ctx: Context, officer: Any, clock: Any) -> None:
    outreach.start(ctx, village_code="33.25.01.2001", by=officer)
    v = visits.start_visit(ctx, officer, nikmod.compose("332501", date(1990, 1, 1), "F", 3))
    visits.finish_visit(ctx, v.id, oc.ALREADY_ACTIVE, officer_id=officer.id)
    clock.advance(days=4)
    app = app_on(ctx)
    async with app.run_test() as pilot:
        await login(pilot, "siti", "135790")
        await settle(pilot)
        texts = [n.message for n in app._notifications]
        assert any("1 kunjungan" in t and "2026-11-27" in t for t in texts), texts


@async_test
async def test_english_and_configured_times(make_ctx: Any) -> None:
    ctx = make_ctx(
        {"ui.lang": "en", "security.idle_lock_minutes": 2, "security.lock_warning_seconds": 0}
    )
    accounts.create_officer(ctx, "siti", "135790")
    mono = FakeMonotonic()
    app = app_on(ctx, idle_clock=mono)
    async with app.run_test() as pilot:
        await login(pilot, "siti", "135790")
        mono.advance(119)
        await _tick(pilot)
        assert _banner(app) is None and not app.locked  # no countdown configured
        mono.advance(1)
        await _tick(pilot)
        assert isinstance(app.screen, LockScreen)
        assert "Screen locked" in str(app.screen.query_one("#lock-heading", Label).render())
        assert "Wrong username or PIN" in await _type_pin(pilot, "999999")


@async_test
async def test_english_countdown(make_ctx: Any) -> None:
    ctx = make_ctx({"ui.lang": "en"})
    accounts.create_officer(ctx, "siti", "135790")
    mono = FakeMonotonic()
    app = app_on(ctx, idle_clock=mono)
    async with app.run_test() as pilot:
        await login(pilot, "siti", "135790")
        mono.advance(590)
        await _tick(pilot)
        assert "The screen locks in 10 s" in (_banner(app) or "")
