"""Import contracts, complete: every import counts, at module level or inside a function.

1. Layers: domain imports nothing of ours but the domain (and the UserError base); store adds
   the domain; services add the store; the core (domain, store, services) never imports textual
   or rich; tui and cli never import the ORM (store) or SQL libraries directly.
2. No import cycles between modules of the package, function-local imports included; the cycles
   that exist today are listed below, each with why, and the test fails when a new one appears
   (or when a listed one is gone, so the list stays true).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import counter

ROOT = Path(counter.__file__).parent

ALLOWED_OURS = {
    "domain": ("counter.domain", "counter.errors"),
    "store": ("counter.domain", "counter.errors", "counter.store"),
}
FORBIDDEN = {
    "domain": ("textual", "rich", "sqlmodel", "sqlalchemy", "counter.config"),
    "store": ("textual", "rich", "counter.services", "counter.tui", "counter.cli"),
    "services": ("textual", "rich", "counter.tui", "counter.cli"),
    "tui": ("counter.store", "sqlmodel", "sqlalchemy"),
    "cli": ("counter.store", "sqlmodel", "sqlalchemy"),
}
# Exceptions, each with its reason:
EXCEPTIONS = {
    # the TUI's module of the database-error message picks the storage exception type to show;
    # it is an exception class, not the ORM
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (absolute names), with the line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            out.append((base, node.lineno))
            # `from counter.services import audit` imports the module counter.services.audit
            for a in node.names:
                out.append((f"{base}.{a.name}", node.lineno))
    return out


def _files() -> list[Path]:
    return [f for f in ROOT.rglob("*.py") if "migrations" not in f.parts]


def test_every_layer_imports_only_what_it_may() -> None:
    problems = []
    for f in _files():
        rel = f.relative_to(ROOT)
        layer = rel.parts[0] if len(rel.parts) > 1 else ""
        for name, line in _imports(f):
            where = f"{rel}:{line} imports {name}"
            if (str(rel), name) in EXCEPTIONS:
                continue
            bad = FORBIDDEN.get(layer, ())
            if any(name == b or name.startswith(b + ".") for b in bad):
                problems.append(where)
            allowed = ALLOWED_OURS.get(layer)
            if (
                allowed
                and name.startswith("counter")
                and not any(name == a or name.startswith(a + ".") for a in allowed)
            ):
                problems.append(where)
    assert problems == []


# Cycles that exist today, each broken by a function-local import. Remove a line when the
# cycle is broken; the test fails if a listed cycle no longer exists.
KNOWN_CYCLES: set[frozenset[str]] = {
    # the app factory names its mode screens and the screens reach the app's helpers
    # (localize_bindings, describe): to be broken by moving the helpers down (issue 13);
    # the counter screen left it in issue 12 (its package loads its modules on first use);
    # the coverage screens (issue 15) are pushed from the supervisor home and reuse its
    # SupervisorBase, which reaches the same helpers
    frozenset(
        {
            "counter.tui.app",
            "counter.tui.screens.login",
            "counter.tui.screens.resume",
            "counter.tui.screens.setup",
            "counter.tui.screens.supervisor",
            "counter.tui.screens.coverage",
        }
    ),
    # open_database runs the migrations, which need the Database type (issue 13)
    frozenset({"counter.store.db", "counter.store.migrate"}),
    # make_context creates the device id, which needs the Context (issue 13)
    frozenset({"counter.services.context", "counter.services.settings_store"}),
    # the CLI's bare command opens the TUI, whose module reuses settings_from_args (issue 13)
    frozenset({"counter.cli", "counter.cli.tui"}),
}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(f): f for f in _files()}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, f in modules.items():
        for target, _ in _imports(f):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []
    counter_ = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter_[0]
        counter_[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_beyond_the_listed_ones() -> None:
    found = set(_cycles(_graph()))
    assert found == KNOWN_CYCLES, {
        "new": [sorted(c) for c in found - KNOWN_CYCLES],
        "gone": [sorted(c) for c in KNOWN_CYCLES - found],
    }
