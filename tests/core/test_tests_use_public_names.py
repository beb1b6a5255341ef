"""Tests use the code's public names: no test imports, reads or monkeypatches a private name
(``_x``) of the ``counter`` package, so a module can be split or renamed without rewriting tests
that only wanted its behaviour."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]  # tests/


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _counter_module_names(tree: ast.Module) -> set[str]:
    """Local names bound to modules of the counter package (``from counter.x import y`` binds a
    module name too when y is a module: any lower-case name imported from a counter package is
    treated as one, which only makes the check stricter)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "counter":
                    names.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("counter"):
            for a in node.names:
                names.add(a.asname or a.name)
    return names


def violations(path: Path, root: Path = TESTS.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods = _counter_module_names(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("counter"):
            found += [f"imports {node.module}.{a.name}" for a in node.names if _private(a.name)]
        elif (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in mods
        ):
            found.append(f"reads {node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in mods
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append(f"patches {node.args[0].id}.{node.args[1].value}")
    return [f"{path.relative_to(root)}:{v}" for v in found]


def test_no_test_reaches_a_private_name_of_the_package() -> None:
    found = [v for p in sorted(TESTS.rglob("*.py")) for v in violations(p)]
    assert found == []


def test_the_check_sees_each_kind_of_reach(tmp_path: Path) -> None:
    probe = tmp_path / "t.py"
    probe.write_text(
        "from counter.services import sample\n"
        "from counter.services.sample import _hidden\n"
        "def test(monkeypatch):\n"
        "    sample._plan\n"
        "    monkeypatch.setattr(sample, '_route', 1)\n"
        "    sample.public\n"
    )
    got = sorted(v.split(":", 1)[1] for v in violations(probe, tmp_path))
    assert got == [
        "imports counter.services.sample._hidden",
        "patches sample._route",
        "reads sample._plan",
    ]
