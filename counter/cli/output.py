"""The one way the command line writes text: data is shown literally, never obeyed by the terminal.

Every line a command prints goes through :func:`out` (stdout) or :func:`out_err` (stderr): control
characters, bidi overrides and zero-width characters in names, notes, place names or file headers
are made visible by ``counter.domain.text.printable`` (``\\x1b`` -> ``␛``). ``--json`` output goes
through :func:`out_json`: JSON escapes, so the parsed values are unchanged but no raw control or
bidi character reaches the terminal. :func:`out_drawing` is only for pictures the program draws
itself (the QR code in ANSI colours). tests/security checks that no other module calls ``print``.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import Any, TextIO

from counter.domain.text import printable

_ESCAPE_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:  # a console that cannot show some letter: show "?" instead
        enc = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(enc, "replace").decode(enc, "replace") + "\n")
    stream.flush()


def out(*parts: object, sep: str = " ") -> None:
    """One line (or several, joined by newlines in the parts) on stdout, shown literally."""
    _write(sys.stdout, printable(sep.join(str(p) for p in parts), multiline=True))


def out_err(*parts: object, sep: str = " ") -> None:
    """The same on stderr (errors, progress notes)."""
    _write(sys.stderr, printable(sep.join(str(p) for p in parts), multiline=True))


def _json_escape(text: str) -> str:
    # only inside JSON strings can such a character occur: a JSON escape means the same value
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _ESCAPE_CATEGORIES else c for c in text
    )


def json_text(obj: Any) -> str:
    """``obj`` as one line of JSON (UTF-8 letters kept); C1, bidi, lone surrogates escaped."""
    return _json_escape(json.dumps(obj, ensure_ascii=False, default=str))


def out_json(obj: Any) -> None:
    _write(sys.stdout, json_text(obj))


def out_drawing(text: str) -> None:
    """A picture the program made itself (ANSI QR code): written as it is."""
    _write(sys.stdout, text)
