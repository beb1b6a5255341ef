"""Data text made safe to show: every control character becomes visible, nothing reaches a terminal.

Names, notes, reasons, place names, file headers: anything that came from a person, a bundle or a
spreadsheet goes through :func:`printable` before it is shown (the TUI through
``counter.tui.widgets.literal``, the CLI through ``counter.cli.output``). Pure Python, no I/O.

* C0 controls (``\\x00``-``\\x1f``) and DEL become their Unicode *control pictures*
  (``\\x1b`` -> ``␛``, ``\\x07`` -> ``␇``), so an escape sequence is shown, never obeyed.
* C1 controls (``\\x80``-``\\x9f``), format characters (bidi overrides and isolates, zero-width
  characters, BOM: Unicode category Cf) and lone surrogates become ``�``.
* Line breaks (``\\n``, ``\\r\\n``, ``\\r``, NEL, U+2028/U+2029) stay one ``\\n`` when
  ``multiline`` is true and become a space otherwise; a tab becomes a space.

Ordinary text (printable ASCII, Indonesian, any letter, emoji) is unchanged, and
``printable(printable(s)) == printable(s)``.
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"
_PICTURE_DEL = "\u2421"  # ␡
_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _char(c: str) -> str:
    o = ord(c)
    if o < 0x20:
        return chr(0x2400 + o)  # the control picture of this C0 control
    if o == 0x7F:
        return _PICTURE_DEL
    return REPLACEMENT


def _unsafe(c: str) -> bool:
    o = ord(c)
    if 0x20 <= o < 0x7F:
        return False
    if o < 0xA0:
        return True  # C0, DEL, C1
    # Cf: bidi overrides/isolates, zero-width characters, BOM (they can disguise data)
    return unicodedata.category(c) in ("Cf", "Cs")


def printable(value: object, *, multiline: bool = False) -> str:
    """``value`` as text that shows literally: no control character, no bidi trickery."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do
    brk = "\n" if multiline else " "
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _BREAKS:
            if c == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1  # CR LF is one break
            out.append(brk)
        elif c == "\t":
            out.append(" ")
        elif _unsafe(c):
            out.append(_char(c))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def one_line(value: object, limit: int | None = None) -> str:
    """``printable`` for a single-line cell, cut to ``limit`` characters (with ``…``)."""
    text = printable(value)
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 1)] + "…"
    return text
