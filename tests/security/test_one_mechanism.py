"""Issue 11: the TUI shows data through one mechanism (counter.tui.widgets.literal), the CLI
through one (counter.cli.output). These checks keep a new screen or command from bypassing it."""

from __future__ import annotations

import ast
from pathlib import Path

import counter

ROOT = Path(counter.__file__).parent
TEXT_WIDGETS = {
    "Static",
    "Label",
    "DataTable",
    "OptionList",
    "Select",
    "RichLog",
    "Log",
    "Markdown",
    "Pretty",
    "Tree",
    "ListView",
    "SelectionList",
    "RadioSet",
    "TextArea",
    "Header",
}
MARKUP_CALLS = {"from_markup", "render_markup"}


def _py(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_tui_text_widgets_come_from_the_literal_module() -> None:
    bad = []
    for f in _py("tui"):
        if f.name == "literal.py":
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "textual.widgets"
            ):
                bad += [
                    f"{f.relative_to(ROOT)}: {a.name}" for a in node.names if a.name in TEXT_WIDGETS
                ]
    assert not bad, f"use counter.tui.widgets.literal instead: {bad}"


def test_tui_never_parses_markup() -> None:
    bad = []
    for f in _py("tui"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in MARKUP_CALLS:
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} {node.attr}")
            if (
                isinstance(node, ast.keyword)
                and node.arg == "markup"
                and f.name not in ("literal.py", "app.py")
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)
            ):
                bad.append(f"{f.relative_to(ROOT)}:{node.value.lineno} markup=")
            if isinstance(node, ast.ImportFrom) and node.module in (
                "rich.markup",
                "textual.markup",
            ):
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} import {node.module}")
    assert not bad, f"markup parsing in the TUI: {bad}"


def _print_calls(f: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id == "print":
                found.append(f"{f.relative_to(ROOT)}:{node.lineno} print")
            if (
                isinstance(fn, ast.Attribute)
                and fn.attr == "write"
                and isinstance(fn.value, ast.Attribute)
                and fn.value.attr in ("stdout", "stderr")
            ):
                found.append(f"{f.relative_to(ROOT)}:{node.lineno} {fn.value.attr}.write")
    return found


def test_cli_and_core_write_only_through_cli_output() -> None:
    files = [f for f in ROOT.rglob("*.py") if f.name != "output.py" and "migrations" not in f.parts]
    bad = [hit for f in files for hit in _print_calls(f)]
    assert not bad, f"use counter.cli.output.out/out_err: {bad}"
