"""Messages that matter stay until read.

A printer that failed, an export written (with its path), a day closed, a bundle merged: the
person may have looked away for the five seconds an ordinary toast lasts. :func:`sticky` shows
such a message as a notification that stays until it is clicked away (or the app clears its
notifications); ordinary confirmations keep using ``notify`` with its short timeout.
"""

from __future__ import annotations

from typing import Any

from textual.notifications import SeverityLevel

STICKY_SECONDS = 24 * 60 * 60.0  # "until read": a day is longer than any session at a counter


def sticky(app: Any, text: str, severity: SeverityLevel = "information") -> None:
    """Show ``text`` until the person dismisses it (a click on the message)."""
    app.notify(text, severity=severity, timeout=STICKY_SECONDS)
