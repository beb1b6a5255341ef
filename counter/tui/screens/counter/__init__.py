"""The counter screen package: the flow (plain Python, :mod:`.flow`), one widget per phase
(:mod:`.views`), the problem picker, the prompts, and the screen composing them.

``from counter.tui.screens.counter import CounterScreen`` keeps working; the names are loaded on
first use, so importing :mod:`.flow` alone does not pull in Textual.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "CounterScreen": "screen",
    "ProblemPicker": "problem_picker",
    "NikInput": "views.nik",
    "fmt_duration": "views.common",
    "CounterFlow": "flow",
    "phone_ok": "flow",
}

__all__ = [
    "CounterFlow",
    "CounterScreen",
    "NikInput",
    "ProblemPicker",
    "fmt_duration",
    "phone_ok",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(f"{__name__}.{_WHERE[name]}")
    return getattr(module, name)
