"""The NIK form at 80x24 with the F3 panel open, and its keys: Tab visits only the fields,
Enter checks the NIK from every field (also from the purpose list once it is closed)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input

from counter.domain import outcomes as oc
from counter.services.context import Context
from tests.helpers.counter import NIK_ACTIVE, Keys, add_registry, async_test, counter_app
from tests.helpers.counter import open_counter as open_counter_screen

FIELDS = ["nik-input", "name-input", "consent", "phone-input", "purpose"]


def _fully_shown(screen: Any, widget: Any, min_width: int) -> None:
    """The widget is drawn whole inside the screen and the phase views, at least this wide."""
    views = screen.query_one("#views").region
    region = widget.region
    assert region.width >= min_width, (widget.id, region)
    assert views.contains_region(region), (widget.id, region, views)
    assert screen.region.contains_region(region), (widget.id, region)


@async_test
async def test_f3_at_80x24_keeps_every_nik_field_whole_and_usable(
    ctx: Context, officer: Any
) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter_screen(pilot, officer)
        keys = Keys(pilot)
        await keys("f3")
        today = screen.query_one("#today")
        assert today.display and today.region.height >= 6
        assert not today.region.overlaps(screen.query_one("#views").region)
        # the whole form is used by keys with the panel open
        await keys.nik(NIK_ACTIVE)
        await keys("tab")
        await keys.text("Budi")
        await keys("tab", "space", "tab")  # consent, then the phone field
        await keys.text("081234567890")
        await keys("tab", "down", "down", "enter")
        assert screen.query_one("#purpose").value == "ikd_aktivasi"
        assert screen.query_one("#phone-input", Input).value == "081234567890"
        assert screen.query_one("#consent", Checkbox).value
        widths = {"nik-input": 26, "name-input": 20, "phone-input": 14, "purpose": 20}
        for field in FIELDS:
            _fully_shown(screen, screen.query_one(f"#{field}"), widths.get(field, 3))
        await keys("enter")
        assert screen.phase == "status"


@async_test
async def test_tab_goes_round_the_fields_only(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter_screen(pilot, officer)
        # consent given, so the phone field is a stop too; back to the NIK
        await Keys(pilot)("tab", "tab", "space", "shift+tab", "shift+tab")
        seen = []
        for _ in range(len(FIELDS) + 1):
            focused = app.focused
            assert focused is not None and focused.region.area > 0, focused
            seen.append(focused.id)
            await pilot.press("tab")
        assert seen == [*FIELDS, FIELDS[0]]  # no invisible stop between purpose and NIK
        assert screen.phase == "nik"


@async_test
async def test_enter_on_the_closed_purpose_list_checks_the_nik(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter_screen(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        await keys("tab", "tab", "tab")
        purpose = screen.query_one("#purpose")
        assert app.focused is purpose
        await keys("space")  # Space (or Down) opens the list
        assert purpose.expanded
        await keys("down", "enter")  # Enter in the open list picks
        assert purpose.value == "ikd_aktivasi" and not purpose.expanded
        assert screen.phase == "nik"
        await keys("enter")  # the list is closed: Enter checks the NIK, as the hint says
        assert not purpose.expanded
        assert screen.phase == "status"
        assert screen.found is not None and screen.found.nik == NIK_ACTIVE
