"""What a Textual app would write to the terminal, for the literal-text tests of issue 11."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Sequences Textual itself writes: colours/styles (SGR), cursor moves, sync, hyperlinks (OSC 8).
_OWN = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)")


def screen_text(app: Any) -> str:
    """The visible characters of the current screen (no styles), one line per terminal row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def terminal_bytes(app: Any) -> str:
    """The full update the app would write to a real terminal, minus Textual's own sequences."""
    update = app.screen._compositor.render_full_update()
    return _OWN.sub("", update.render_segments(app.console))


def assert_clean(text: str) -> None:
    """No control or format character (bidi, zero-width) in text bound for the terminal."""
    bad = sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        }
    )
    assert not bad, f"control characters reach the terminal: {bad}"
