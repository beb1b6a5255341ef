"""A plain progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``bar(done, total)`` redraws at most ten times a second; ``bar.close()`` ends the line."""

    def __init__(
        self, label: str, stream: TextIO | None = None, width: int = 30, show_counts: bool = True
    ) -> None:
        self.stream = stream or sys.stderr
        self.show_counts = show_counts
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.width = label, width
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        frac = min(1.0, done / total) if total else 1.0
        fill = int(frac * self.width)
        bar = "█" * fill + "░" * (self.width - fill)
        counts = f"  {done:,}/{total:,}" if self.show_counts else ""
        self.stream.write(f"\r{self.label} {bar} {frac * 100:5.1f}%{counts}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
