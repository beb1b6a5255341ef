"""The one way the TUI shows text: literally, never as markup, control characters made visible.

A visitor named ``[/]`` or a note ``HP rusak [lihat foto]`` is data, not Textual markup; an
escape sequence in a bundle is shown (``␛[2J``), never sent to the terminal. Every screen builds
its text widgets from this module instead of ``textual.widgets`` (tests/security checks it):

* :func:`literal` -- a ``rich.text.Text`` of the value (``printable`` + no markup parsing);
* :class:`Static`, :class:`Label` -- drop-in widgets whose string content is shown literally
  (several lines allowed); a ``Text``/``Content`` built by code keeps its styles;
* :class:`DataTable` -- every string cell, column label and row label shown literally (one line);
* :class:`OptionList`, :class:`Select` -- option prompts shown literally (one line).

Notifications go through ``CounterApp.notify`` (literal too). Styled text is built as a ``Text``
with spans (``Text.assemble``), never by formatting data into a markup string.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import widgets as tw
from textual.content import Content
from textual.widgets.option_list import Option

from counter.domain.text import printable

__all__ = [
    "DataTable",
    "Label",
    "LiteralText",
    "OptionList",
    "Select",
    "Static",
    "literal",
    "shown",
]


class LiteralText(Text):
    """A ``Text`` made from data. It equals the string it shows (``cell == "Budi"``), so code and
    tests that read a table cell back keep comparing strings."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.plain == other
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like Text


def literal(value: object, *, multiline: bool = False, style: str = "") -> Text:
    """``value`` as a Rich ``Text`` that shows literally (never parsed as markup)."""
    return LiteralText(printable(value, multiline=multiline), style=style, end="")


def shown(value: Any, *, multiline: bool = True) -> Any:
    """What a text widget may display for ``value``: strings literal, styled text cleaned."""
    if value is None:
        return Text("", end="")
    if isinstance(value, str):
        return literal(value, multiline=multiline)
    if isinstance(value, Text):
        clean = printable(value.plain, multiline=multiline)
        if clean == value.plain:
            return value
        return LiteralText(clean, style=value.style, justify=value.justify, end="")
    if isinstance(value, Content):
        clean = printable(value.plain, multiline=multiline)
        return value if clean == value.plain else Content(clean)
    return value


class _Literal:
    """Content of a ``Static``-like widget: literal, whatever ``markup`` a caller asks for."""

    def __init__(self, content: Any = "", *args: Any, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(shown(content), *args, markup=False, **kwargs)  # type: ignore[call-arg]

    def update(self, content: Any = "", **kwargs: Any) -> None:
        super().update(shown(content), **kwargs)  # type: ignore[misc]


class Static(_Literal, tw.Static):
    """``textual.widgets.Static`` that shows its content literally."""


class Label(_Literal, tw.Label):
    """``textual.widgets.Label`` that shows its content literally."""


def _cell(value: Any) -> Any:
    return shown(value, multiline=False) if isinstance(value, str | Text | Content) else value


class DataTable(tw.DataTable):
    """``textual.widgets.DataTable`` whose cells and labels are shown literally, one line each."""

    def add_column(
        self, label: Any, *, width: int | None = None, key: str | None = None, default: Any = None
    ) -> Any:
        return super().add_column(_cell(label), width=width, key=key, default=_cell(default))

    def add_row(
        self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None
    ) -> Any:
        return super().add_row(
            *(_cell(c) for c in cells),
            height=height,
            key=key,
            label=None if label is None else _cell(label),
        )

    def update_cell(
        self, row_key: Any, column_key: Any, value: Any, *, update_width: bool = False
    ) -> None:
        super().update_cell(row_key, column_key, _cell(value), update_width=update_width)

    def update_cell_at(self, coordinate: Any, value: Any, *, update_width: bool = False) -> None:
        super().update_cell_at(coordinate, _cell(value), update_width=update_width)


def _option(item: Any) -> Any:
    if isinstance(item, Option):
        item._set_prompt(_cell(item.prompt))
        return item
    return None if item is None else _cell(item)


class OptionList(tw.OptionList):
    """``textual.widgets.OptionList`` whose prompts are shown literally, one line each."""

    def __init__(self, *content: Any, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(*content, markup=False, **kwargs)

    def add_options(self, new_options: Iterable[Any]) -> Any:
        return super().add_options([_option(o) for o in new_options])

    def replace_option_prompt(self, option_id: str, prompt: Any) -> Any:
        return super().replace_option_prompt(option_id, _cell(prompt))

    def replace_option_prompt_at_index(self, index: int, prompt: Any) -> Any:
        return super().replace_option_prompt_at_index(index, _cell(prompt))


def _pairs(options: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [(_cell(prompt), value) for prompt, value in options]


class Select(tw.Select):
    """``textual.widgets.Select`` whose option prompts are shown literally."""

    def __init__(
        self, options: Iterable[tuple[Any, Any]], *, prompt: str = "Select", **kwargs: Any
    ) -> None:
        super().__init__(_pairs(options), prompt=printable(prompt), **kwargs)

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        super().set_options(_pairs(options))
