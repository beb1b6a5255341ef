"""Text on paper: a Unicode font for the PDFs (slips, QR pages), Latin-1 for receipt printers.

The PDFs embed DejaVu Sans Condensed (shipped in ``counter/assets/fonts``, Bitstream Vera licence, see
LICENSE-DejaVu.txt there), so an office name with "✓" or an activation payload in another script
prints as written. ESC/POS receipt printers only have their code page: ``latin1`` maps typographic
punctuation to ASCII and the rest to '?' for them.
"""

from __future__ import annotations

from typing import Any

from counter.domain.assets import asset_path

FONT = "DejaVu"
_FILES = {
    "": "DejaVuSansCondensed.ttf",
    "B": "DejaVuSansCondensed-Bold.ttf",
    "I": "DejaVuSansCondensed-Oblique.ttf",
}

_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
        "\u2192": "->",
        "\u2190": "<-",
    }
)


def latin1(text: str) -> str:
    """``text`` with characters outside Latin-1 replaced by '?' after the usual substitutions."""
    return text.translate(_MAP).encode("latin-1", "replace").decode("latin-1")


def unicode_font(pdf: Any) -> str:
    """Register the packaged Unicode font (regular, bold, oblique) on an FPDF; its family name."""
    for style, name in _FILES.items():
        pdf.add_font(FONT, style, str(asset_path("fonts", name)))
    return FONT
