"""Helpers for the QR scan proofs: turn drawings back into images and decode them (zxing-cpp)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from PIL import Image

UPPER, LOWER, FULL = "\u2580", "\u2584", "\u2588"


def decode(img: Image.Image) -> list[str]:
    import zxingcpp

    return [
        r.text
        for r in zxingcpp.read_barcodes(img.convert("L"))
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def modules_to_image(rows: Sequence[Sequence[bool]], px: int = 8) -> Image.Image:
    """True = dark; each module ``px`` x ``px`` pixels."""
    h, w = len(rows), max(len(r) for r in rows)
    img = Image.new("L", (w, h), 255)
    img.putdata([0 if (x < len(r) and r[x]) else 255 for r in rows for x in range(w)])
    return img.resize((w * px, h * px), Image.Resampling.NEAREST)


def half_block_text_to_modules(lines: Iterable[str]) -> list[list[bool]]:
    """Plain half-block text (dark ink on light paper): one char = 1 module wide, 2 tall."""
    out: list[list[bool]] = []
    for line in lines:
        out.append([c in (FULL, UPPER) for c in line])
        out.append([c in (FULL, LOWER) for c in line])
    return out


def _dark(color) -> bool:  # noqa: ANN001 - rich Color or None
    if color is None:
        return False
    r, g, b = color.get_truecolor()
    return (r * 299 + g * 587 + b * 114) / 1000 < 128


def strips_to_modules(strips) -> list[list[bool]]:  # noqa: ANN001 - Textual Strips
    """Cells of rendered strips back to modules: a cell is two modules stacked; '▀' shows its
    foreground on top and background below, '▄' the other way round, '█' foreground in both,
    any other character its background in both."""
    out: list[list[bool]] = []
    for strip in strips:
        top: list[bool] = []
        bottom: list[bool] = []
        for seg in strip:
            style = seg.style
            fg = _dark(style.color) if style and style.color else False
            bg = _dark(style.bgcolor) if style and style.bgcolor else False
            for ch in seg.text:
                if ch == UPPER:
                    top.append(fg), bottom.append(bg)
                elif ch == LOWER:
                    top.append(bg), bottom.append(fg)
                elif ch == FULL:
                    top.append(fg), bottom.append(fg)
                else:
                    top.append(bg), bottom.append(bg)
        out += [top, bottom]
    return out


def svg_to_image(svg: str, width: int = 2000) -> Image.Image:
    """Rasterise a Textual SVG screenshot. The SVG asks for "Fira Code" (monospace); it is not
    installed here and fontconfig would substitute a proportional font for that name, so the
    family is mapped to the generic ``monospace`` (fontconfig's monospace font), as a terminal
    would draw it."""
    import io

    import cairosvg

    svg = svg.replace("Fira Code", "monospace")
    png = cairosvg.svg2png(
        bytestring=svg.encode("utf-8"), output_width=width, background_color="white"
    )
    return Image.open(io.BytesIO(png))


def pdf_pages(path: Path, dpi: int = 200) -> list[Image.Image]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].render(scale=dpi / 72).to_pil() for i in range(len(pdf))]
    finally:
        pdf.close()


def pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
