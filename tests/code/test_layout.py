"""The code's layout holds: no import circles (type-only imports included), serving's layers
import downwards only, and no two stages have a module of the same name where it misleads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mutasi", "features", "training", "serving", "planning", "monitoring", "batch")


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """Project modules ``module`` imports anywhere in its file (under TYPE_CHECKING too).

    ``from pkg import sub`` of a submodule counts as importing ``pkg.sub`` only: a package that
    imports its own submodules is not a circle with them.
    """
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            subs = [f"{base}.{alias.name}" for alias in node.names]
            names = subs if all(s in MODULES for s in subs) else [base, *subs]
        else:
            continue
        yield from (name for name in names if name in MODULES and name != module)


GRAPH = {module: set(_imported(module, path)) for module, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_type_only_imports_included() -> None:
    assert _cycles(GRAPH) == []


# Lower layers of serving never reach up into the transports (HTTP API, auditor pages).
LOWER = ("serving.domain", "serving.state", "serving.audit", "serving.schemas", "serving.errors")
UPPER = ("serving.api", "serving.web")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(LOWER)))
def test_serving_layers_import_downwards(module: str) -> None:
    upward = sorted(name for name in GRAPH[module] if name.startswith(UPPER))
    assert upward == [], f"{module} imports the transport layer: {upward}"


def test_serving_is_packages_by_layer() -> None:
    flat = sorted(p.name for p in (ROOT / "serving").glob("*.py"))
    assert flat == ["__init__.py", "errors.py"]


@pytest.mark.parametrize(
    "stem",
    ["ranking", "audit", "data", "timeline", "schemas", "plan"],
)
def test_a_module_name_belongs_to_one_stage(stem: str) -> None:
    stages = {module.split(".")[0] for module in MODULES if module.rsplit(".", 1)[-1] == stem}
    assert len(stages) <= 1, f"{stem}.py exists in several stages: {sorted(stages)}"
    homes = [m for m in MODULES if m.rsplit(".", 1)[-1] == stem]
    assert len(homes) <= 1, f"{stem} names several modules: {homes}"
