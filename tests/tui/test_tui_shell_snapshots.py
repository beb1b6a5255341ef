"""SVG snapshots of the login screen at 80x24 and 120x40 with a fixed clock."""

from __future__ import annotations

import pytest

from counter.cli.tui import DEMO_ACCOUNTS
from tests.helpers.shell import app_on


async def _ready(pilot) -> None:  # noqa: ANN001
    from textual.widgets import Input

    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a frozen cursor: the same picture every run
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_login_screen(snap_compare, ctx, officer, size):  # noqa: ANN001
    assert snap_compare(app_on(ctx), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_login_screen_demo(snap_compare, ctx, officer, size):  # noqa: ANN001
    app = app_on(
        ctx,
        demo_accounts=DEMO_ACCOUNTS,
        demo_niks=[
            ("3325010208790724", "active"),
            ("3325010104862348", "not_active"),
            ("3325011501909999", "unknown"),
        ],
    )
    assert snap_compare(app, terminal_size=size, run_before=_ready)


def test_login_screen_english_after_wrong_pin(snap_compare, ctx, officer):  # noqa: ANN001
    from dataclasses import replace

    ctx.settings = replace(ctx.settings, lang="en")

    async def wrong_pin(pilot) -> None:  # noqa: ANN001
        await _ready(pilot)
        await pilot.press(*"siti", "enter", *"111112", "enter")
        await _ready(pilot)

    assert snap_compare(app_on(ctx), terminal_size=(80, 24), run_before=wrong_pin)


def test_setup_screen(snap_compare, ctx):  # noqa: ANN001
    assert snap_compare(app_on(ctx), terminal_size=(80, 24), run_before=_ready)


def test_resume_prompt(snap_compare, ctx, officer, clock):  # noqa: ANN001
    from counter.services import visits

    v = visits.start_visit(ctx, officer, "3325014507900002")
    visits.record_event(ctx, v.id, "step", step="face", officer_id=officer.id)
    clock.advance(minutes=7)
    visits.start_visit(ctx, officer, "3325010101800003")

    async def login_first(pilot) -> None:  # noqa: ANN001
        await _ready(pilot)
        await pilot.press(*"siti", "enter", *"135790", "enter")
        for _ in range(50):
            await _ready(pilot)
            if type(pilot.app.screen).__name__ == "ResumeScreen":
                break
        assert type(pilot.app.screen).__name__ == "ResumeScreen"
        for _ in range(3):  # the welcome toast may still be on its way
            await pilot.pause()
            pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app_on(ctx), terminal_size=(80, 24), run_before=login_first)
