"""QR payloads from settings, the QR matrix, its half-block text form, and PNG/SVG/PDF files.

No Textual here: the TUI widget (counter.tui.widgets.qr) and the CLI (`ikd-counter qr`) both draw
from :func:`matrix` and :func:`to_half_blocks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from counter.config import Settings
from counter.errors import UserError

KINDS = ("install", "install_ios", "activation", "help")
QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004 asks for 4)
# A payload above this many UTF-8 bytes is refused: it would need a QR of version ~30 (137+
# modules) that no longer fits a counter monitor and scans badly from a phone at arm's length.
MAX_PAYLOAD_BYTES = 1000
A6_MM = (105.0, 148.0)

Matrix = list[list[bool]]  # True = dark module; includes the quiet zone


class QrError(UserError, ValueError):
    """A refused payload or an unwritable file; ``message(lang)`` gives the user-facing text."""

    prefix = ""


@dataclass(frozen=True)
class QrPayload:
    kind: str  # one of KINDS
    text: str


def validate(text: str | None, kind: str | None = None) -> str:
    """The payload with surrounding whitespace removed (a barcode scanner types a trailing Enter);
    empty or over-long payloads and control characters raise :class:`QrError`."""
    value = (text or "").strip()
    if not value:
        raise QrError(f"qr.error.empty_{kind}" if kind in KINDS else "qr.error.empty")
    size = len(value.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise QrError("qr.error.too_long", size=size, limit=MAX_PAYLOAD_BYTES)
    bad = next((c for c in value if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        raise QrError("qr.error.control", code=f"0x{ord(bad):02X}")
    return value


def payload(settings: Settings, kind: str, data: str | None = None) -> QrPayload:
    """The payload of ``kind`` (install, install_ios, activation, help): ``data`` when given (e.g.
    pasted or typed by a barcode scanner at the activation step), else the configured value."""
    if kind not in KINDS:
        raise QrError("qr.error.kind", kind=kind, kinds=", ".join(KINDS))
    if data is None:
        data = {
            "install": settings.qr.install_android,
            "install_ios": settings.qr.install_ios,
            "activation": settings.qr.activation,
            "help": settings.qr.help,
        }[kind]
    return QrPayload(kind, validate(data, kind))


def optional_payload(settings: Settings, kind: str) -> QrPayload | None:
    """The configured payload of ``kind``, or None when it is not configured (help, activation)."""
    try:
        return payload(settings, kind)
    except QrError:
        return None


EC_LEVELS = ("M", "L")  # M (15 % recovery) by default; L (7 %) when space is short on a screen


def _qr(text: str, ec: str = "M"):  # noqa: ANN202 - qrcode.QRCode
    import qrcode
    from qrcode import constants

    level = {
        "L": constants.ERROR_CORRECT_L,
        "M": constants.ERROR_CORRECT_M,
        "Q": constants.ERROR_CORRECT_Q,
        "H": constants.ERROR_CORRECT_H,
    }[ec]
    qr = qrcode.QRCode(error_correction=level, border=QUIET_ZONE)
    qr.add_data(text.encode("utf-8"), optimize=0)
    qr.make(fit=True)
    return qr


@lru_cache(maxsize=32)
def _matrix(value: str, ec: str) -> tuple[tuple[bool, ...], ...]:
    return tuple(tuple(row) for row in _qr(value, ec).get_matrix())


def matrix(text: str, ec: str = "M") -> Matrix:
    """The module matrix of ``text`` (validated), quiet zone included; True is dark.
    ``ec``: error correction level L, M (default), Q or H."""
    value = validate(text)
    return [list(row) for row in _matrix(value, ec)]


UPPER, LOWER, FULL, EMPTY = "\u2580", "\u2584", "\u2588", " "


def to_half_blocks(m: Matrix) -> list[str]:
    """One text line per two module rows, one character per module column, for dark-on-light
    drawing: '█' both dark, '▀' top dark, '▄' bottom dark, ' ' both light. An odd last row is
    paired with a light row (it lies in the quiet zone)."""
    lines: list[str] = []
    for y in range(0, len(m), 2):
        top = m[y]
        bottom = m[y + 1] if y + 1 < len(m) else [False] * len(top)
        lines.append(
            "".join(
                FULL if t and b else UPPER if t else LOWER if b else EMPTY
                for t, b in zip(top, bottom, strict=True)
            )
        )
    return lines


def half_block_size(text: str) -> tuple[int, int]:
    """(columns, rows) the half-block drawing of ``text`` needs."""
    n = len(matrix(text))
    return n, (n + 1) // 2


def to_ansi(m: Matrix) -> str:
    """The half-block drawing wrapped in ANSI black-on-white, for printing to a terminal."""
    return "\n".join(f"\x1b[30;47m{line}\x1b[0m" for line in to_half_blocks(m))


# Files ---------------------------------------------------------------------------------------


def write_png(text: str, path: Path, box: int = 10) -> Path:
    from PIL import Image

    m = matrix(text)
    n = len(m)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if dark else 1 for row in m for dark in row])
    img = img.resize((n * box, n * box), Image.Resampling.NEAREST)
    img.save(path, format="PNG")
    return path


def svg_text(text: str, box: int = 10) -> str:
    """A standalone SVG: a white square and one black rect per horizontal run of dark modules."""
    from xml.sax.saxutils import escape

    m = matrix(text)
    n = len(m)
    rects = [f'<rect x="{x}" y="{y}" width="{w}" height="1"/>' for y, x, w in dark_runs(m)]
    size = n * box
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges">\n'
        f"<title>{escape(text)}</title>\n"
        f'<rect width="{n}" height="{n}" fill="#ffffff"/>\n'
        f'<g fill="#000000">{"".join(rects)}</g>\n</svg>\n'
    )


def dark_runs(m: Matrix) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules: one rectangle each
    in the SVG and the PDF instead of one per module."""
    for y, row in enumerate(m):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def write_svg(text: str, path: Path, box: int = 10) -> Path:
    path.write_text(svg_text(text, box), encoding="utf-8")
    return path


def draw_pdf(pdf, text: str, x: float, y: float, size: float) -> None:  # noqa: ANN001 - fpdf.FPDF
    """Draw the QR of ``text`` on an fpdf2 page as filled rectangles (vector, prints sharp)."""
    m = matrix(text)
    n = len(m)
    module = size / n
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_i, col, width in dark_runs(m):
        pdf.rect(x + col * module, y + row_i * module, width * module, module, style="F")


def write_pdf(text: str, path: Path, caption: str | None = None) -> Path:
    """An A6 page with the QR (60 mm) and the encoded text under it."""
    from fpdf import FPDF

    from counter.services.pdftext import unicode_font

    pdf = FPDF(orientation="P", unit="mm", format=A6_MM)
    font = unicode_font(pdf)
    pdf.set_auto_page_break(False)
    pdf.set_margins(8, 8, 8)
    pdf.add_page()
    width = pdf.w - 16
    y = 8.0
    if caption:
        pdf.set_font(font, "B", 11)
        pdf.set_xy(8, y)
        pdf.multi_cell(width, 5, caption, align="C")
        y = pdf.get_y() + 2
    size = 60.0
    draw_pdf(pdf, text, (pdf.w - size) / 2, y, size)
    pdf.set_xy(8, y + size + 2)
    pdf.set_font(font, "", 8)
    pdf.multi_cell(width, 3.5, text, align="C")
    pdf.output(str(path))
    return path


def write_file(text: str, path: Path, caption: str | None = None) -> Path:
    """PNG, SVG or PDF by the file's extension."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".png":
            return write_png(text, path)
        if suffix == ".svg":
            return write_svg(text, path)
        if suffix == ".pdf":
            return write_pdf(text, path, caption)
    except OSError as e:
        raise QrError("qr.error.write", file=str(path), detail=e.strerror or str(e)) from None
    raise QrError("qr.error.suffix", file=str(path))
