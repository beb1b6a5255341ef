"""The counter flow's install step: the QR a resident sees on the monitor really scans."""

from __future__ import annotations

from typing import Any

import pytest

from counter.config import ANDROID_STORE
from counter.services.context import Context
from tests.helpers.counter import NIK_NEW, Keys, async_test, counter_app, open_counter
from tests.helpers.qr import decode, modules_to_image, strips_to_modules, svg_to_image

pytest.importorskip("counter.tui.screens.counter")


async def to_install_step(pilot: Any, officer: Any) -> Any:
    screen = await open_counter(pilot, officer)
    keys = Keys(pilot)
    await keys.nik(NIK_NEW)
    await keys("enter", "enter", "enter")  # check NIK, start activation, prerequisites ok
    assert screen.phase == "step"
    assert screen.proto.steps[screen.step_index].id == "install"
    return screen


@async_test
async def test_install_step_screenshot_scans(ctx: Context, officer: Any) -> None:
    from counter.tui.widgets.qr import QrCode

    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_install_step(pilot, officer)
        qr = screen.query_one("#step-qr", QrCode)
        assert qr.payload == ANDROID_STORE and qr.display and qr.fits
        assert decode(
            modules_to_image(
                strips_to_modules([qr.render_line(y) for y in range(qr.content_size.height)])
            )
        ) == [ANDROID_STORE]
        svg = app.export_screenshot()
    assert decode(svg_to_image(svg)) == [ANDROID_STORE]


@async_test
async def test_install_step_full_screen_at_80x24(ctx: Context, officer: Any) -> None:
    from counter.tui.widgets.qr import QrScreen

    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_install_step(pilot, officer)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, QrScreen)
        svg = app.export_screenshot()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QrScreen)
    assert decode(svg_to_image(svg)) == [ANDROID_STORE]


@async_test
async def test_activation_step_pasted_payload_scans(ctx: Context, officer: Any) -> None:
    from textual.widgets import Input

    from counter.tui.widgets.qr import QrCode

    code = "IKD-ACT|3325|7F3A-99C2-51D0|2026-11-27T09:01"
    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_install_step(pilot, officer)
        await Keys(pilot)("enter", "enter", "enter", "enter")  # install .. face
        assert screen.proto.steps[screen.step_index].qr == "activation"
        qr = screen.query_one("#step-qr", QrCode)
        assert not qr.display  # nothing to show until a code is entered
        await pilot.press("v")
        field = screen.query_one("#qr-payload", Input)
        assert field.has_focus
        field.value = code + "\n"  # a barcode scanner ends with Enter
        await pilot.press("enter")
        await pilot.pause()
        assert qr.display and qr.fits
        svg = app.export_screenshot()
    assert decode(svg_to_image(svg)) == [code]
