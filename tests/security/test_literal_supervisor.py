"""Issue 11: visitor names and notes like ``[/]`` crashed the follow-up list and the visit detail.

Pilot tests on the real supervisor screens with hostile data: no exception, the text is shown
exactly as typed (after ``printable``), no control character reaches the screen.
"""

from __future__ import annotations

from counter.domain.text import printable
from counter.services import accounts, followup, visits
from counter.tui.app import make_app
from counter.tui.screens.supervisor import (
    DailyLogScreen,
    FollowUpScreen,
    SupervisorHome,
    VisitDetailScreen,
)
from tests.helpers.pilot import async_test, settle, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import SIZE, nik
from tests.security.screen_text import assert_clean, screen_text

HOSTILE_NAMES = [
    "[/]",
    "[/bold]",
    "[x]",
    "HP rusak [lihat foto]",
    "Siti [b]tebal[/b]",
    "\x1b]0;pwned\x07Budi",
    "\x1b[2Jclear",
    "nama\u202eevil",
    "[@click=app.quit]x[/]",
]


def _seed(ctx, clock, name: str, note: str, contact: str | None = None):
    off = accounts.get_officer(ctx, "siti") or accounts.create_officer(
        ctx, "siti", "135790", role="officer", full_name="Siti [/] \x1b[31m"
    )
    v = visits.start_visit(
        ctx,
        off,
        nik(len(name) % 90 + 1),
        name=name,
        phone="081234567890",
        consent=True,
        purpose="[/purpose]",
    )
    clock.advance(seconds=90)
    visits.finish_visit(ctx, v.id, "FAILED", "email_not_received", note=note, officer_id=off.id)
    if contact is not None:
        sup = accounts.get_officer(ctx, "kasi")
        followup.mark_contacted(ctx, v.id, sup, contact)
    return v


@async_test
async def test_followup_list_and_detail_show_brackets_literally(ctx, clock, supervisor) -> None:
    ids = [
        _seed(ctx, clock, name, note=f"HP rusak [lihat foto] {name}", contact=f"[/bold] {name}").id
        for name in HOSTILE_NAMES
    ]
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=(160, 50)) as pilot:
        await login(pilot, supervisor)
        await app.push_screen(FollowUpScreen())
        await until(
            pilot,
            lambda: isinstance(app.screen, FollowUpScreen) and len(app.screen.rows) == len(ids),
        )
        await settle(pilot)
        text = screen_text(app)
        assert_clean(text)
        for name in HOSTILE_NAMES:
            # the table cuts wide columns: the name's start is there, exactly as typed
            assert printable(name)[:12] in text, name
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, VisitDetailScreen))
        await settle(pilot)
        text = screen_text(app)
        assert_clean(text)
        d = app.screen.detail
        assert printable(d.name) in text
        assert "HP rusak [lihat foto]" in text
        assert app.is_running


@async_test
async def test_daily_log_and_home_survive_hostile_data(ctx, clock, supervisor) -> None:
    for name in HOSTILE_NAMES:
        _seed(ctx, clock, name, note=name)
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, supervisor)
        assert isinstance(app.screen, SupervisorHome)
        await until(pilot, lambda: app.screen.report is not None)
        assert_clean(screen_text(app))
        await app.push_screen(DailyLogScreen(app.screen.day))
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, DailyLogScreen)
                and len(app.screen.rows) == len(HOSTILE_NAMES)
            ),
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, VisitDetailScreen))
        await settle(pilot)
        text = screen_text(app)
        assert_clean(text)
        assert printable(app.screen.detail.note) in text
        assert app.is_running
