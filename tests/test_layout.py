"""The package reads as the data flow: subpackages import only downward, never in a circle; modules stay short; ruff is clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "workflow" / "gcmsflow"
# lowest first: a module may import from its own layer or from any layer before it
LAYERS = ["", "core", "io", "signal", "identify", "stats", "tracing", "quantify", "report", "demo", "stages", "cli", "__main__"]


def layer_of(module: str) -> str:
    """The layer of a dotted package module: its subpackage, or the root module's name ('' for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_module(dotted: str) -> bool:
    path = PACKAGE.parent / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path) -> tuple[str, set[str]]:
    """The dotted name of a package file and the package modules it imports (relative imports resolved)."""
    parts = ["gcmsflow", *path.relative_to(PACKAGE).with_suffix("").parts]
    package = parts[:-1]
    name = ".".join(package if parts[-1] == "__init__" else parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            target = ".".join(p for p in (base, node.module or "") if p)
            if target.split(".")[0] == "gcmsflow":
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names if is_module(f"{target}.{a.name}"))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "gcmsflow")
    return name, found - {name}


@cache
def import_graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(found) for name, found in map(imports_of, sorted(PACKAGE.rglob("*.py")))}


def upward_imports(graph: dict[str, frozenset[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(module))
    )


def circles(graph: dict[str, frozenset[str]]) -> list[str]:
    """Import circles between modules (a package's __init__ importing its own modules is not one)."""
    edges = {m: {t for t in targets if t in graph and not t.startswith(m + ".") and not m.startswith(t + ".")} for m, targets in graph.items()}
    found, state = [], {}

    def visit(path: list[str]) -> None:
        state[path[-1]] = "open"
        for target in sorted(edges[path[-1]]):
            if state.get(target) == "open":
                found.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit([*path, target])
        state[path[-1]] = "done"

    for module in sorted(edges):
        if module not in state:
            visit([module])
    return found


def test_subpackages_import_only_downward() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_the_checks_see_what_they_look_for() -> None:
    assert "gcmsflow.core.errors" in import_graph()["gcmsflow.core.tables"]
    assert upward_imports({"gcmsflow.core.tables": frozenset({"gcmsflow.report.plots"})}) == ["gcmsflow.core.tables -> gcmsflow.report.plots"]
    graph = {"gcmsflow.identify.a": frozenset({"gcmsflow.identify.b"}), "gcmsflow.identify.b": frozenset({"gcmsflow.identify.a"})}
    assert circles(graph) == ["gcmsflow.identify.a -> gcmsflow.identify.b -> gcmsflow.identify.a"]


def test_no_module_is_long() -> None:
    lengths = {str(p.relative_to(REPO)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {path: n for path, n in lengths.items() if n > 350} == {}


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "workflow", "tests", "benchmarks"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
