"""Text made safe for fpdf2's core fonts (Latin-1): typographic punctuation mapped to ASCII."""

from __future__ import annotations

_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\u2192": "->", "\u2190": "<-",
})


def latin1(text: str) -> str:
    """``text`` with characters outside Latin-1 replaced by '?' after the usual substitutions."""
    return text.translate(_MAP).encode("latin-1", "replace").decode("latin-1")
