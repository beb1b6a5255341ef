"""Idle lock bookkeeping: when the last key or click came, and the countdown banner.

The app (``counter.tui.app``) calls :meth:`IdleWatch.touch` on every key, click and scroll, and
checks :meth:`IdleWatch.remaining` once a second. The clock is injectable (a monotonic clock in
real use; tests move a fake one), so nothing here waits for real minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from counter.config import SecuritySettings
from counter.tui.widgets.literal import Static


class IdleWatch:
    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic
        self.last = self.clock()

    def touch(self) -> None:
        self.last = self.clock()

    def idle_seconds(self) -> float:
        return self.clock() - self.last

    def remaining(self, limit_seconds: float) -> float:
        return limit_seconds - self.idle_seconds()


def limit_seconds(security: SecuritySettings, supervisor: bool) -> int:
    """Seconds without activity before the lock: a supervisor's session locks sooner."""
    minutes = security.idle_lock_minutes
    if supervisor:
        minutes = min(minutes, security.supervisor_idle_lock_minutes)
    return minutes * 60


def warning_seconds(security: SecuritySettings, limit: int) -> int:
    """How long before the lock the countdown shows (never the whole idle period)."""
    return max(0, min(security.lock_warning_seconds, limit - 1))


class IdleBanner(Static):
    """One line over the top of the current screen: "locks in N s"."""

    DEFAULT_CSS = """
    IdleBanner {
        layer: _toastrack;
        dock: top;
        width: 100%;
        height: auto;
        background: $warning;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    """
