"""The package's import graph: imports flow one way, with no loop and no import hidden inside a function.

The graph is built from the source with ``ast``: every ``import``/``from ... import`` of a ``serialtrack``
module at module level (``if TYPE_CHECKING:`` blocks included, since a type-only loop is still a loop in the
design) is an edge. An import of a serialtrack module inside a function or class body is reported on its
own: such imports exist only to hide a loop.

One sanctioned exception, for start-up time: the root command (``serialtrack.service.cli``) imports its command
modules by name (``importlib.import_module`` over the module names in ``COMMANDS``) when a command runs. Those
names are string constants in its source, and each counts as an edge here like an import, so a loop through a
lazily loaded command is still a loop; ``importlib.import_module`` anywhere else is reported as hidden.
"""

from __future__ import annotations

import ast
from pathlib import Path

import serialtrack

PACKAGE = Path(serialtrack.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        # ``from pkg import mod`` names a module when ``pkg.mod`` is one.
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return [n for n in names if n == "serialtrack" or n.startswith("serialtrack.")]


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If | ast.Try):
            stack.extend(node.body)
            stack.extend(node.orelse)
            if isinstance(node, ast.Try):
                for handler in node.handlers:
                    stack.extend(handler.body)
                stack.extend(node.finalbody)
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    hidden: list[str] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        top = {id(n) for n in _module_level_imports(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = [t for t in _targets(node, name, is_package, known) if t in known and t != name]
            if id(node) in top:
                graph[name].update(targets)
            elif targets:
                hidden.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {', '.join(sorted(set(targets)))}")
        for node in ast.walk(tree):
            if (name in LAZY_LOADERS and isinstance(node, ast.Constant) and node.value in known
                    and node.value.startswith("serialtrack.")):
                graph[name].add(node.value)  # a module imported by name when its command runs
            elif (isinstance(node, ast.Call) and name not in LAZY_LOADERS
                  and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")):
                hidden.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports a module by name")
    return graph, hidden


#: The one module that may import modules by name: the root command, loading command modules (see above).
LAZY_LOADERS = {"serialtrack.service.cli"}


def test_import_graph__lazy_command_modules_are_edges() -> None:
    graph, _ = _graph()
    assert {"serialtrack.service.cli_ingest", "serialtrack.service.cli_queries", "serialtrack.service.home"} <= graph[
        "serialtrack.service.cli"]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_import_graph__has_no_cycle() -> None:
    graph, _ = _graph()
    assert _cycles(graph) == []


def test_import_graph__no_function_level_import_of_our_modules() -> None:
    _, hidden = _graph()
    assert hidden == []


def test_import_graph__cycle_detector_sees_a_loop() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


#: Which packages each package may import (docs/architecture.md); a package always imports itself.
ALLOWED = {
    "records": set(),
    "faults": set(),
    "ingest": {"records"},
    "ledger": {"records", "faults"},
    "rules": {"records", "ingest", "ledger"},
    "exporters": {"records", "ledger"},
    "kinds": {"records", "ingest", "ledger", "rules", "exporters"},
    "service": {"records", "faults", "ingest", "ledger", "rules", "exporters", "kinds"},
    "__main__": {"service"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "serialtrack"


def test_import_graph__imports_flow_one_way() -> None:
    graph, _ = _graph()
    wrong = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                   if _layer(a) != _layer(b) and _layer(b) not in ALLOWED.get(_layer(a), set()))
    assert wrong == []
