"""The on-screen QR: the widget's own cells, and a Textual SVG screenshot, decode to the payload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from counter.config import ANDROID_STORE
from counter.services import qr as qrsvc
from counter.tui.widgets.qr import DARK, LIGHT, QrCode, QrScreen
from tests.helpers.qr import decode, modules_to_image, strips_to_modules, svg_to_image

SHORT = "https://wa.me/62812"
LONG = "IKD-ACT:" + "".join(f"{i:04d}abcXYZ-" for i in range(70))  # ~900 bytes, version 27+


def run(coro: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(coro())


class QrApp(App[None]):
    """A small host: a heading, the QR in the remaining space, a footer."""

    def __init__(self, payload: str, theme: str = "textual-light", lang: str = "id") -> None:
        super().__init__()
        self.payload = payload
        self.theme_name = theme
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Static("Langkah 1: pasang aplikasi", id="heading")
        yield QrCode(self.payload, title="Pasang aplikasi IKD resmi", lang=self.lang, id="qr")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.theme_name


def widget_modules(w: QrCode) -> list[list[bool]]:
    return strips_to_modules([w.render_line(y) for y in range(w.content_size.height)])


def qr_cell_styles(w: QrCode) -> set[tuple[str, str]]:
    """(fg, bg) of every cell drawn with a half block or on a black/white background."""
    seen: set[tuple[str, str]] = set()
    for y in range(w.content_size.height):
        for seg in w.render_line(y):
            st = seg.style
            if st and st.bgcolor and st.bgcolor.get_truecolor().hex in (DARK, LIGHT):
                fg = st.color.get_truecolor().hex if st.color else "-"
                seen.add((fg, st.bgcolor.get_truecolor().hex))
    return seen


@pytest.mark.parametrize(
    "payload,size", [(SHORT, (60, 24)), (ANDROID_STORE, (80, 34)), (LONG, (150, 80))]
)
@pytest.mark.parametrize("theme", ["textual-light", "textual-dark"])
def test_widget_cells_decode_to_the_payload(
    payload: str, size: tuple[int, int], theme: str
) -> None:
    async def body() -> None:
        app = QrApp(payload, theme)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            w = app.query_one(QrCode)
            assert w.fits
            assert decode(modules_to_image(widget_modules(w))) == [payload]
            # fixed black on white whatever the theme
            assert qr_cell_styles(w) <= {(DARK, LIGHT), (LIGHT, DARK)}
            # the encoded text is printed under the code
            lines = [w.render_line(y).text for y in range(w.content_size.height)]
            qr_rows = [i for i, ln in enumerate(lines) if "\u2580" in ln or "\u2584" in ln]
            under = "".join(ln.strip() for ln in lines[qr_rows[-1] + 1 :])
            assert under.startswith(payload[:40]) and payload in under.replace(" ", "")

    run(body)


def test_one_cell_per_module_wide_two_tall() -> None:
    async def body() -> None:
        app = QrApp(ANDROID_STORE)
        async with app.run_test(size=(80, 34)) as pilot:
            await pilot.pause()
            w = app.query_one(QrCode)
            n = len(qrsvc.matrix(ANDROID_STORE))
            lines = [w.render_line(y).text for y in range(w.content_size.height)]
            qr_lines = [ln for ln in lines if "\u2580" in ln or "\u2584" in ln]
            start = min(ln.index(c) for ln in qr_lines for c in "\u2580\u2584" if c in ln)
            end = max(ln.rindex(c) for ln in qr_lines for c in "\u2580\u2584" if c in ln)
            # the dark modules span n - 8 columns (4-module quiet zone each side)
            assert end - start + 1 <= n - 2 * qrsvc.QUIET_ZONE
            assert end - start + 1 >= n - 2 * qrsvc.QUIET_ZONE - 2

    run(body)


def test_too_small_says_so_and_shows_the_text() -> None:
    async def body() -> None:
        app = QrApp(ANDROID_STORE, lang="en")
        async with app.run_test(size=(40, 16)) as pilot:
            await pilot.pause()
            w = app.query_one(QrCode)
            assert not w.fits
            text = "\n".join(w.render_line(y).text for y in range(w.content_size.height))
            assert "too small" in text
            assert "\u2580" not in text and "\u2584" not in text
            assert ANDROID_STORE in text.replace("\n", "").replace(" ", "")

    run(body)


def test_refused_payload_shows_its_message() -> None:
    async def body() -> None:
        app = QrApp("", lang="en")
        async with app.run_test(size=(60, 26)) as pilot:
            await pilot.pause()
            w = app.query_one(QrCode)
            text = " ".join(w.render_line(y).text.strip() for y in range(w.content_size.height))
            assert qrsvc.QrError("qr.error.empty").message("en") in text
            w.payload = SHORT  # reactive: the code appears
            await pilot.pause()
            assert decode(modules_to_image(widget_modules(w))) == [SHORT]

    run(body)


def test_screenshot_of_the_screen_scans() -> None:
    async def body() -> None:
        app = QrApp(ANDROID_STORE, theme="textual-dark")
        async with app.run_test(size=(80, 34)) as pilot:
            await pilot.pause()
            svg = app.export_screenshot()
        assert decode(svg_to_image(svg)) == [ANDROID_STORE]

    run(body)


def test_enlarge_key_opens_full_screen_and_it_scans() -> None:
    async def body() -> None:
        app = QrApp(ANDROID_STORE)
        async with app.run_test(size=(120, 50)) as pilot:
            w = app.query_one(QrCode)
            w.focus()
            await pilot.press("f")
            await pilot.pause()
            assert isinstance(app.screen, QrScreen)
            full = app.screen.query_one(QrCode)
            # scaled up: more cells than one per module
            n = len(qrsvc.matrix(ANDROID_STORE))
            drawn = [full.render_line(y).text for y in range(full.content_size.height)]
            assert sum(1 for ln in drawn if ln.strip() == "") < len(drawn)
            mods = widget_modules(full)
            assert sum(any(r) for r in mods) > n  # more dark module rows than the code has
            assert decode(modules_to_image(mods, px=4)) == [ANDROID_STORE]
            assert decode(svg_to_image(app.export_screenshot())) == [ANDROID_STORE]
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, QrScreen)

    run(body)


def test_footer_descriptions_follow_the_language() -> None:
    async def body() -> None:
        app = QrApp(SHORT, lang="en")
        async with app.run_test(size=(80, 30)) as pilot:
            w = app.query_one(QrCode)
            w.focus()
            await pilot.pause()
            shown = {
                ab.binding.description
                for ab in app.active_bindings.values()
                if ab.binding.action == "enlarge" and ab.binding.show
            }
            assert shown == {"Enlarge QR"}

    run(body)
