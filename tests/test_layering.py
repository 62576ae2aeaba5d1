"""Imports point down only, without circles: the layout of the package is its architecture.

models/  → nothing above it, no Airflow, no I/O libraries
clients/ → models/ (and exceptions), no Airflow
hooks/   → clients/, models/, Airflow
operators/, sensors/, triggers/, notifications/ → hooks/ and below, never a vendor model or client
The sandbox has its own test (tests/sandbox/test_layering.py): it imports none of clients/, models/, Airflow.
The package stays in few, full modules: at most 70, none over 800 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_sms

PACKAGE = Path(airflow_provider_sms.__file__).parent
_P = "airflow_provider_sms"

#: The Airflow surface works with any vendor through the neutral hook: no vendor model or client.
_VENDOR = (f"{_P}.models.sinch", f"{_P}.models.fonedynamics", f"{_P}.clients")
#: For each layer, module prefixes it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": (
        "airflow",
        "requests",
        f"{_P}.version_compat",
        f"{_P}.clients",
        f"{_P}.hooks",
        f"{_P}.operators",
        f"{_P}.sensors",
        f"{_P}.triggers",
        f"{_P}.notifications",
        f"{_P}.sandbox",
    ),
    "clients": (
        "airflow",
        f"{_P}.version_compat",
        f"{_P}.hooks",
        f"{_P}.operators",
        f"{_P}.sensors",
        f"{_P}.triggers",
        f"{_P}.notifications",
        f"{_P}.sandbox",
    ),
    "hooks": (
        f"{_P}.operators",
        f"{_P}.sensors",
        f"{_P}.triggers",
        f"{_P}.notifications",
        f"{_P}.plugins",
        f"{_P}.sandbox",
    ),
    "operators": (f"{_P}.sensors", f"{_P}.plugins", f"{_P}.sandbox", *_VENDOR),
    "sensors": (f"{_P}.operators", f"{_P}.plugins", f"{_P}.sandbox", *_VENDOR),
    "triggers": (f"{_P}.operators", f"{_P}.sensors", f"{_P}.plugins", f"{_P}.sandbox", *_VENDOR),
    "notifications": (f"{_P}.operators", f"{_P}.sensors", f"{_P}.plugins", f"{_P}.sandbox", *_VENDOR),
    # The webhook receiver runs in the API server: it uses hooks, never tasks' code or the sandbox.
    "plugins": (
        f"{_P}.operators",
        f"{_P}.sensors",
        f"{_P}.triggers",
        f"{_P}.notifications",
        f"{_P}.sandbox",
        *_VENDOR,
    ),
}
#: Top-level modules every layer may use; they import nothing from Airflow either.
SHARED_MODULES = ("__init__.py", "exceptions.py")


def imported_modules(path: Path) -> list[str]:
    """Return every module a file imports, at any depth (also inside functions)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _violations(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in imported_modules(path) if any(m == f or m.startswith(f + ".") for f in forbidden)]


CASES = [
    (layer, path)
    for layer in FORBIDDEN
    if (PACKAGE / layer).is_dir()
    for path in sorted((PACKAGE / layer).rglob("*.py"))
]


@pytest.mark.parametrize(("layer", "path"), CASES, ids=lambda v: v if isinstance(v, str) else v.name)
def test_layer_imports_point_down_only(layer: str, path: Path) -> None:
    assert _violations(path, FORBIDDEN[layer]) == []


@pytest.mark.parametrize("name", SHARED_MODULES)
def test_shared_top_level_modules_import_no_airflow(name: str) -> None:
    assert _violations(PACKAGE / name, ("airflow",)) == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from airflow.sdk import BaseHook\n\nimport airflow_provider_sms.hooks.base\n"
    )
    assert sorted(_violations(sample, FORBIDDEN["clients"])) == [
        "airflow.sdk",
        "airflow_provider_sms.hooks.base",
    ]


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
Graph = dict[str, set[str]]


def _direct_imports(module: str) -> set[str]:
    """Return the package modules ``module`` imports, at any depth (also inside functions)."""
    found: set[str] = set()
    for name in imported_modules(MODULES[module]):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith(_P) and name != module:
            found.add(name)
    return found


#: What each module imports. ``SmsHook.for_connection`` loads the vendor hooks by class path instead, the way
#: Airflow loads hooks by connection type: that is no import circle, but it is part of what a send reaches.
GRAPH: Graph = {module: _direct_imports(module) for module in MODULES}
LOADED_BY_PATH: Graph = {
    f"{_P}.hooks.sms": {
        path.rpartition(".")[0]
        for path in __import__(f"{_P}.hooks.sms", fromlist=["_"]).HOOK_CLASS_PATHS.values()
    }
}


def _reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for name in graph.get(todo.pop(), ()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def _circles(graph: Graph) -> list[str]:
    return sorted(f"{a} -> {b}" for a, imports in graph.items() for b in imports if a in _reachable(graph, b))


def test_no_import_circles() -> None:
    assert _circles(GRAPH) == []


def test_the_circle_check_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == ["a -> b", "b -> c", "c -> a"]


def test_the_package_is_a_few_full_modules() -> None:
    assert len(MODULES) <= 70
    long_files = {
        name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 800
    }
    assert long_files == {}


def test_the_send_operator_reaches_at_most_35_package_modules() -> None:
    graph = {module: GRAPH[module] | LOADED_BY_PATH.get(module, set()) for module in GRAPH}
    reachable = _reachable(graph, f"{_P}.operators.send")
    # Importing a module runs its packages' __init__ modules too.
    reachable |= {name.rpartition(".")[0] for name in reachable if name.rpartition(".")[0] in MODULES}
    assert len(reachable) <= 35, sorted(reachable)
    # The vendor hooks are reached through the class-path table, so the count covers the whole send path.
    assert {f"{_P}.hooks.sinch", f"{_P}.hooks.fonedynamics", f"{_P}.clients.transport"} <= reachable
