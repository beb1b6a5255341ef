"""The core (domain, store, services) never imports Textual; the CLI starts without it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import counter

ROOT = Path(counter.__file__).parent
CORE = ("domain", "store", "services")


def test_core_modules_do_not_pull_in_textual() -> None:
    mods = [
        m.name
        for pkg in CORE
        for m in pkgutil.walk_packages([str(ROOT / pkg)], prefix=f"counter.{pkg}.")
        if "migrations" not in m.name
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in mods)
        + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"core imported Textual: {r.stdout}"
    assert len(mods) >= 10


def test_layers_import_only_downwards() -> None:
    """domain imports nothing of ours but assets/i18n; store not services/tui/cli; tui not store."""
    forbidden = {
        "domain": ("counter.store", "counter.services", "counter.tui", "counter.cli"),
        "store": ("counter.services", "counter.tui", "counter.cli"),
        "services": ("counter.tui", "counter.cli"),
        "tui": ("counter.store", "sqlmodel", "sqlalchemy"),
    }
    problems = []
    for layer, bad in forbidden.items():
        for f in (ROOT / layer).rglob("*.py"):
            tree = ast.parse(f.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for n in names:
                    if n.startswith(bad) or any(n == b for b in bad):
                        problems.append(f"{f.relative_to(ROOT)} imports {n}")
    assert problems == []
