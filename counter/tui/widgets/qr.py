"""The QR widget: the matrix from ``qrcode`` drawn in half blocks, fixed black on white.

``QrCode(payload)`` draws the code with the encoded text under it. When space is short it gives
up, in this order, the text under the code, error correction M for L, and quiet-zone modules (4,
then 3, then 2: measured with zxing-cpp on screenshots, a code drawn black on white with a 2-module
quiet zone still decodes, as phone cameras do). When even that does not fit it says so ("QR hidden:
window too small; press f for full screen") and shows the text alone. ``f``/Enter/click opens
``QrScreen``, a full-screen view that scales the code up as far as the terminal allows.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer

from counter.domain.text import printable
from counter.i18n import catalog
from counter.services.qr import (
    EC_LEVELS,
    FULL,
    LOWER,
    QUIET_ZONE,
    UPPER,
    Matrix,
    QrError,
    matrix,
    to_half_blocks,
)
from counter.tui.keys import CatalogKeys

# Fixed colours, never theme variables: a theme that inverts them makes the code unreadable
# for many phone scanners. Truecolor so a terminal palette cannot remap "black".
DARK = "#000000"
LIGHT = "#ffffff"
_LIGHT_CELL = Style(color=DARK, bgcolor=LIGHT)
_DARK_CELL = Style(color=LIGHT, bgcolor=DARK)


# Quiet zones tried on screen, widest first (ISO/IEC 18004 asks for 4 modules).
QUIET_ZONES = (QUIET_ZONE, 3, 2)


def with_quiet_zone(m: Matrix, quiet: int) -> Matrix:
    """``m`` (drawn with the standard 4-module quiet zone) with only ``quiet`` modules of it."""
    cut = max(0, QUIET_ZONE - quiet)
    if cut == 0:
        return m
    return [row[cut : len(row) - cut] for row in m[cut : len(m) - cut]]


@dataclass(frozen=True)
class Fit:
    """How the code is drawn in a region: its matrix (quiet zone included), module size in
    cells, error correction, quiet zone and whether the text under it is shown."""

    matrix: Matrix
    scale: int
    ec: str
    quiet: int
    text: bool

    @property
    def width(self) -> int:
        return len(self.matrix) * self.scale


def scale_matrix(m: Matrix, scale: int) -> Matrix:
    """Each module becomes ``scale`` x ``scale`` modules."""
    if scale <= 1:
        return m
    return [[v for v in row for _ in range(scale)] for row in m for _ in range(scale)]


def qr_strip_cells(m: Matrix) -> list[list[tuple[str, Style]]]:
    """Per text row, per column: the character and its style. Cells with both halves alike are
    a space on a black or white background (drawn as an exact background rectangle); mixed
    cells use '▀'/'▄' in black on white."""
    rows: list[list[tuple[str, Style]]] = []
    for line in to_half_blocks(m):
        cells: list[tuple[str, Style]] = []
        for ch in line:
            if ch == FULL:
                cells.append((" ", _DARK_CELL))
            elif ch in (UPPER, LOWER):
                cells.append((ch, _LIGHT_CELL))
            else:
                cells.append((" ", _LIGHT_CELL))
        rows.append(cells)
    return rows


def _cells_to_segments(cells: list[tuple[str, Style]]) -> list[Segment]:
    segments: list[Segment] = []
    text, style = "", None
    for ch, st in cells:
        if st is style:
            text += ch
        else:
            if text:
                segments.append(Segment(text, style))
            text, style = ch, st
    if text:
        segments.append(Segment(text, style))
    return segments


class QrCode(Widget, can_focus=True):
    """A scannable QR code of ``payload`` with the text under it.

    Args:
        payload: the text to encode (URL, activation code, contact).
        title: an optional line shown above the code (e.g. "Pasang aplikasi IKD resmi").
        lang: catalog language for messages; default: the app's ``settings.lang`` or "id".
        max_scale: largest module size in cells (1 = one column and half a row per module);
            the widget picks the largest scale <= max_scale that fits its region.
        enlargeable: whether f / Enter / click open the full-screen ``QrScreen``.
    """

    DEFAULT_CSS = """
    QrCode {
        width: 1fr;
        height: 1fr;
        min-height: 3;
    }
    QrCode:focus {
        background-tint: $foreground 5%;
    }
    """

    BINDINGS = [
        Binding("f", "enlarge", "Perbesar QR", id="qr.enlarge"),
        Binding("enter", "enlarge", "Perbesar QR", show=False, id="qr.enlarge_enter"),
    ]

    payload: reactive[str] = reactive("", layout=True)
    title: reactive[str | None] = reactive(None, layout=True)

    def __init__(
        self,
        payload: str = "",
        *,
        title: str | None = None,
        lang: str | None = None,
        max_scale: int = 1,
        enlargeable: bool = True,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._lang = lang
        self.max_scale = max(1, max_scale)
        self.enlargeable = enlargeable
        self._cache: tuple[tuple[object, ...], list[Strip]] | None = None
        self.set_reactive(QrCode.payload, payload)
        self.set_reactive(QrCode.title, title)

    # -- language -----------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        if self._lang:
            return self._lang
        settings = getattr(self.app, "settings", None) if self.is_attached else None
        return getattr(settings, "lang", None) or "id"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enlarge":
            return self.enlargeable
        return True

    # -- layout ------------------------------------------------------------------------------
    def _matrix(self, ec: str = "M") -> Matrix | QrError:
        try:
            return matrix(self.payload, ec)
        except QrError as e:
            return e

    def _text_lines(self, text: str, width: int) -> list[str]:
        out: list[str] = []
        for para in text.splitlines() or [""]:  # data (payload, titles): shown literally
            out.extend(
                textwrap.wrap(
                    printable(para), max(1, width), break_long_words=True, break_on_hyphens=False
                )
                or [""]
            )
        return out

    def choose(self, width: int, height: int) -> Fit | None:
        """How the code fits ``width`` x ``height`` with the title: the largest scale first; at
        each scale the widest quiet zone, then with the text under the code before without it,
        then error correction M before L. None when nothing fits (or the payload is refused)."""
        title = len(self._text_lines(self.title, width)) if self.title else 0
        text = len(self._text_lines(self.payload.strip(), width))
        candidates = [(ec, m) for ec in EC_LEVELS if not isinstance(m := self._matrix(ec), QrError)]
        for scale in range(self.max_scale, 0, -1):
            for quiet in QUIET_ZONES:
                for with_text in (True, False):
                    for ec, full in candidates:
                        n = (len(full) - 2 * (QUIET_ZONE - quiet)) * scale
                        rows = title + (n + 1) // 2 + (text if with_text else 0)
                        if n <= width and rows <= height:
                            return Fit(with_quiet_zone(full, quiet), scale, ec, quiet, with_text)
        return None

    def smallest(self) -> tuple[int, int]:
        """(columns, rows) the smallest drawing needs (quiet zone 2, error correction L, no
        text): what the too-small message asks for."""
        m = self._matrix(EC_LEVELS[-1])
        if isinstance(m, QrError):
            return 0, 0
        n = len(m) - 2 * (QUIET_ZONE - QUIET_ZONES[-1])
        title = len(self._text_lines(self.title, n)) if self.title else 0
        return n, title + (n + 1) // 2

    def layout_lines(self, width: int, height: int) -> list[Strip]:
        """All lines of the widget's content for a region of ``width`` x ``height``."""
        key = (self.payload, self.title, width, height, self.lang, self.max_scale)
        if self._cache and self._cache[0] == key:
            return self._cache[1]
        base = self.rich_style
        bold = base + Style(bold=True)
        title_lines = self._text_lines(self.title, width) if self.title else []
        text_lines = self._text_lines(self.payload.strip(), width)
        refused = self._matrix()
        content: list[list[Segment]]
        if isinstance(refused, QrError):
            content = [[Segment(t, bold)] for t in title_lines] + [
                [Segment(line, bold)]
                for line in self._text_lines(refused.message(self.lang), width)
            ]
        elif fit := self.choose(width, height):
            pad = (width - fit.width) // 2
            content = (
                [[Segment(t.center(width), bold)] for t in title_lines]
                + [
                    [Segment(" " * pad, base), *_cells_to_segments(row)]
                    for row in qr_strip_cells(scale_matrix(fit.matrix, fit.scale))
                ]
                + ([[Segment(t.center(width), base)] for t in text_lines] if fit.text else [])
            )
        else:
            need_w, need_h = self.smallest()
            msg = catalog(self.lang).t(
                "qr_fit.hidden" if self.enlargeable else "qr.too_small",
                need_w=need_w,
                need_h=need_h,
                have_w=width,
                have_h=height,
            )
            content = [[Segment(line, bold)] for line in self._text_lines(msg, width)] + [
                [Segment(t, base)] for t in text_lines
            ]
        top = max(0, (height - len(content)) // 2)
        strips = [Strip.blank(width, base) for _ in range(top)]
        strips += [Strip(segs).adjust_cell_length(width, base) for segs in content]
        self._cache = (key, strips)
        return strips

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        lines = self.layout_lines(width, height)
        if y < len(lines):
            return lines[y]
        return Strip.blank(width, self.rich_style)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """As wide as the code drawn in the container's height (``width: auto``), so the
        widgets beside it get the rest; half the container for a message."""
        m = self._matrix()
        if isinstance(m, QrError):
            return container.width
        fit = self.choose(container.width, container.height)
        if fit is None:
            return min(container.width, max(20, container.width // 2))
        return min(container.width, max(fit.width, 20))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        m = self._matrix()
        text = len(self._text_lines(self.payload.strip(), width))
        title = len(self._text_lines(self.title, width)) if self.title else 0
        if isinstance(m, QrError):
            return title + len(self._text_lines(m.message(self.lang), width))
        return title + (len(m) + 1) // 2 + text

    @property
    def fits(self) -> bool:
        """Whether the code is drawn (False: the too-small message or an error is shown)."""
        width, height = self.content_size
        return self.choose(width, height) is not None

    # -- actions -----------------------------------------------------------------------------
    def watch_payload(self) -> None:
        self._cache = None
        self.refresh()

    def action_enlarge(self) -> None:
        self.enlarge()

    def enlarge(self) -> None:
        """Open the full-screen view (screens may bind their own key to this)."""
        if self.enlargeable:
            self.app.push_screen(QrScreen(self.payload, title=self.title, lang=self.lang))

    def on_click(self, event: Click) -> None:
        if self.enlargeable:
            event.stop()
            self.enlarge()


class QrScreen(CatalogKeys, ModalScreen[None]):
    """The QR alone on the whole screen, as large as fits; Escape / f / Enter closes it."""

    DEFAULT_CSS = """
    QrScreen {
        background: $background;
    }
    QrScreen > QrCode {
        width: 1fr;
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Tutup", id="qr.close"),
        Binding("f", "close", "Tutup", show=False, id="qr.close_f"),
        Binding("enter", "close", "Tutup", show=False, id="qr.close_enter"),
    ]

    def __init__(
        self, payload: str, *, title: str | None = None, lang: str | None = None, max_scale: int = 4
    ) -> None:
        super().__init__()
        self.payload = payload
        self.qr_title = title
        self._lang = lang
        self.max_scale = max_scale

    def compose(self) -> ComposeResult:
        yield QrCode(
            self.payload,
            title=self.qr_title,
            lang=self._lang,
            max_scale=self.max_scale,
            enlargeable=False,
            id="qr-full",
        )
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_click(self) -> None:
        self.dismiss(None)
