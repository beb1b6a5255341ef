"""A step chart of a count over time against a target line and a deadline (text cells).

Columns span the days from the first point to the deadline; each column is filled up to the
newest value known on its day (eighth blocks), the target is a horizontal line, the deadline the
right edge. Small enough to test, no plotting library needed.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from counter.tui.formats import fmt_date, fmt_int

EIGHTHS = " ▁▂▃▄▅▆▇█"


def columns(points: list[tuple[date, int]], deadline: date, width: int) -> list[int | None]:
    """The value shown in each of ``width`` columns (None: after the newest point)."""
    if not points or width <= 0:
        return []
    start = points[0][0]
    end = max(deadline, points[-1][0])
    span = max(1, (end - start).days)
    days = [d for d, _ in points]
    out: list[int | None] = []
    for c in range(width):
        day = start + timedelta(days=span * c / max(1, width - 1))
        i = bisect_right(days, day)
        out.append(points[i - 1][1] if i and day <= points[-1][0] else None)
    return out


class SeriesChart(Widget):
    DEFAULT_CSS = """
    SeriesChart { height: 1fr; width: 1fr; }
    SeriesChart > .series--bar { color: $accent; }
    SeriesChart > .series--target { color: $warning; }
    SeriesChart > .series--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"series--bar", "series--target", "series--axis"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[tuple[date, int]] = []
        self.goal = 0
        self.deadline: date | None = None

    def set_data(self, points: list[tuple[date, int]], goal: int, deadline: date) -> None:
        self.points, self.goal, self.deadline = list(points), goal, deadline
        self.refresh()

    def _lang(self) -> str:
        """The reader's language (numbers and dates in their form); English outside the app."""
        settings = getattr(self.app, "settings", None)
        return str(getattr(settings, "lang", "en"))

    def render(self) -> Text:
        if not self.points or self.deadline is None:
            return Text("-")
        lang = self._lang()
        goal_text = fmt_int(self.goal, lang)
        label_w = len(fmt_int(max(self.goal, 1), lang)) + 1
        width = max(4, self.size.width - label_w)
        height = max(2, self.size.height - 1)
        top = max([self.goal, 1] + [v for _, v in self.points])
        cols = columns(self.points, self.deadline, width)
        bar = self.get_component_rich_style("series--bar")
        target = self.get_component_rich_style("series--target")
        axis = self.get_component_rich_style("series--axis")
        goal_row = min(height, max(1, round(height * self.goal / top)))
        out = Text(no_wrap=True, overflow="crop")
        for level in range(height, 0, -1):
            label = goal_text if level == goal_row else ("0" if level == 1 else "")
            out.append(label.rjust(label_w - 1) + " ", style=axis)
            for v in cols:
                cells = 0.0 if v is None else height * v / top
                if cells >= level:
                    out.append(" ", style=Style(bgcolor=bar.color))
                elif v and cells > level - 1:
                    out.append(EIGHTHS[max(1, int((cells - level + 1) * 8))], style=bar)
                elif level == goal_row:
                    out.append("─", style=target)
                else:
                    out.append(" ")
            out.append("\n")
        first, last = fmt_date(self.points[0][0], lang), fmt_date(self.deadline, lang)
        out.append(" " * label_w + first + last.rjust(max(0, width - len(first))), style=axis)
        return out
