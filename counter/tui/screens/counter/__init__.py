"""The counter screen package: the flow (plain Python), one widget per phase, the problem
picker, and the screen composing them. ``CounterScreen`` is imported from here by the app."""

from counter.tui.screens.counter.flow import CounterFlow, phone_ok
from counter.tui.screens.counter.problem_picker import ProblemPicker
from counter.tui.screens.counter.screen import KEY_TEXTS, CounterScreen
from counter.tui.screens.counter.views.common import fmt_duration
from counter.tui.screens.counter.views.nik import NikInput

_KEY_TEXTS = KEY_TEXTS  # the name the binding test reads

__all__ = ["KEY_TEXTS", "CounterFlow", "CounterScreen", "NikInput", "ProblemPicker",
           "fmt_duration", "phone_ok"]
