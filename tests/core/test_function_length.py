"""No function in counter/ is longer than 80 lines (docstring and comments included): a longer
one is cut into named sub-steps."""

from __future__ import annotations

import ast
from pathlib import Path

import counter

ROOT = Path(counter.__file__).parent
LIMIT = 80

# Still over the limit, each until its helper's split lands (issue 13); the lead empties this:
ALLOWED = {
    # helper sup: counter/tui/screens/supervisor.py becomes a package
    "tui/screens/supervisor/home.py:_show",
}


def _long_functions() -> dict[str, int]:
    found = {}
    for f in ROOT.rglob("*.py"):
        rel = f.relative_to(ROOT).as_posix()
        if rel.startswith("store/migrations/"):
            continue  # migrations are history: written once, never edited
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LIMIT:
                    found[f"{rel}:{node.name}"] = length
    return found


def test_no_function_over_80_lines() -> None:
    over = {k: v for k, v in _long_functions().items() if k not in ALLOWED}
    assert over == {}


def test_the_allow_list_names_only_functions_still_too_long() -> None:
    assert set(ALLOWED) - set(_long_functions()) == set()
