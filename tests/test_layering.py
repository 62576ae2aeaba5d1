"""Imports point down only: the layout of the package is its architecture.

models/  → nothing above it, no Airflow, no I/O libraries
clients/ → models/ (and exceptions), no Airflow
hooks/   → clients/, models/, Airflow
operators/, sensors/, triggers/, notifications/ → hooks/ and below
The sandbox has its own test (tests/sandbox/test_layering.py): it imports none of clients/, models/, Airflow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_sms

PACKAGE = Path(airflow_provider_sms.__file__).parent
_P = "airflow_provider_sms"

#: For each layer, module prefixes it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": (
        "airflow",
        "requests",
        f"{_P}.version_compat",
        f"{_P}.task_failures",
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
        f"{_P}.task_failures",
        f"{_P}.hooks",
        f"{_P}.operators",
        f"{_P}.sensors",
        f"{_P}.triggers",
        f"{_P}.notifications",
        f"{_P}.sandbox",
    ),
    "hooks": (f"{_P}.operators", f"{_P}.sensors", f"{_P}.triggers", f"{_P}.notifications", f"{_P}.sandbox"),
    "operators": (f"{_P}.sensors", f"{_P}.sandbox"),
    "sensors": (f"{_P}.operators", f"{_P}.sandbox"),
    "triggers": (f"{_P}.operators", f"{_P}.sensors", f"{_P}.sandbox"),
    "notifications": (f"{_P}.operators", f"{_P}.sensors", f"{_P}.sandbox"),
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
