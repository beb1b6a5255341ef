"""Small text charts for the supervisor summary: a big count, horizontal bars, hourly columns."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Digits

from counter.domain.text import printable
from counter.tui.widgets.literal import Label

EIGHTHS = " ▁▂▃▄▅▆▇█"


class BigCount(Vertical):
    """A label over a number drawn with ``Digits``."""

    DEFAULT_CSS = """
    BigCount { height: 6; width: 1fr; border: round $primary; padding: 0 1; }
    BigCount > Label { color: $text-muted; width: 100%; }
    BigCount > Digits { width: auto; }
    """

    def __init__(self, label: str, value: str = "0", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label, self._value = label, value

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield Digits(self._value)

    def set_value(self, value: str) -> None:
        self._value = value
        if self.is_mounted:
            self.query_one(Digits).update(value)

    @property
    def value(self) -> str:
        return self._value


class BarList(Widget):
    """One labelled horizontal bar per row: ``label  ████████  12``."""

    DEFAULT_CSS = """
    BarList { height: auto; width: 1fr; }
    BarList > .barlist--bar { color: $primary; }
    BarList > .barlist--zero { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"barlist--bar", "barlist--zero"}

    def __init__(
        self,
        rows: list[tuple[str, int]] | None = None,
        *,
        empty: str = "-",
        label_width: int = 22,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.rows = [(printable(label), n) for label, n in rows or []]
        self.empty = empty
        self.label_width = label_width

    def set_rows(self, rows: list[tuple[str, int]]) -> None:
        self.rows = [(printable(label), n) for label, n in rows]  # labels are data: literal
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.rows))

    def render(self) -> Text:
        if not self.rows:
            return Text(self.empty, style=self.get_component_rich_style("barlist--zero"))
        width = max(10, self.size.width)
        nw = max(len(str(r[1])) for r in self.rows)
        # label_width is the least room a label gets; a wider widget gives the labels the
        # room it has beyond a 12-cell bar, so reasons are not cut when they could be read whole
        room = max(self.label_width, width - nw - 3 - 12)
        lw = min(room, max(len(r[0]) for r in self.rows))
        bw = max(1, width - lw - nw - 3)
        peak = max(r[1] for r in self.rows) or 1
        bar_style = self.get_component_rich_style("barlist--bar")
        zero_style = self.get_component_rich_style("barlist--zero")
        out = Text(no_wrap=True, overflow="crop")
        for i, (label, n) in enumerate(self.rows):
            if i:
                out.append("\n")
            shown = label if len(label) <= lw else label[: lw - 1] + "…"
            out.append(f"{shown:<{lw}} ")
            full = round(bw * n / peak) if n else 0
            full = max(full, 1) if n else 0
            # whole cells painted with the background colour: exact in terminals and SVGs
            out.append(" " * full, style=Style(bgcolor=bar_style.color))
            out.append(" " * (bw - full))
            out.append(f" {n:>{nw}}", style="" if n else zero_style)
        return out


class HourChart(Widget):
    """Visits per hour as vertical columns with eighth blocks, counts and hours underneath."""

    DEFAULT_CSS = """
    HourChart { height: 9; width: 1fr; }
    HourChart > .hourchart--bar { color: $accent; }
    HourChart > .hourchart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"hourchart--bar", "hourchart--axis"}

    def __init__(self, per_hour: dict[str, int] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.per_hour = dict(per_hour or {})

    def set_data(self, per_hour: dict[str, int]) -> None:
        self.per_hour = dict(per_hour)
        self.refresh()

    def render(self) -> Text:
        hours = list(self.per_hour.items())
        if not hours:
            return Text("")
        height = max(1, self.size.height - 2)
        col = max(3, min(6, self.size.width // max(1, len(hours))))
        peak = max(n for _, n in hours) or 1
        bar_style = self.get_component_rich_style("hourchart--bar")
        axis = self.get_component_rich_style("hourchart--axis")
        out = Text(no_wrap=True, overflow="crop")
        for level in range(height, 0, -1):
            for _, n in hours:
                cells = height * n / peak
                if cells >= level:
                    out.append(" " * (col - 1), style=Style(bgcolor=bar_style.color))
                    out.append(" ")
                    continue
                if n and cells > level - 1:
                    ch = EIGHTHS[max(1, int((cells - (level - 1)) * 8))]
                else:
                    ch = " "
                out.append((ch * (col - 1)).ljust(col), style=bar_style)
            out.append("\n")
        for _, n in hours:
            out.append(f"{n:<{col}}")
        out.append("\n")
        for h, _ in hours:
            out.append(f"{h:<{col}}", style=axis)
        return out
