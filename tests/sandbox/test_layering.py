"""The sandbox is an independent reading of the vendors: it imports neither clients/, models/ nor Airflow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_sms.sandbox as sandbox_package

FORBIDDEN = ("airflow_provider_sms.clients", "airflow_provider_sms.models", "airflow")
SOURCES = sorted(Path(sandbox_package.__file__).parent.rglob("*.py"))


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.name))
def test_sandbox_module_imports_nothing_forbidden(path: Path) -> None:
    bad = [m for m in _imported_modules(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]

    assert bad == []


def test_forbidden_imports_would_be_seen(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from airflow_provider_sms.models.sms import is_e164\nimport airflow.sdk\n")

    assert _imported_modules(sample) == ["airflow_provider_sms.models.sms", "airflow.sdk"]
