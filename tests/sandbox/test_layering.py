"""The sandbox is an independent reading of the vendors, and its own modules import one way only.

It imports neither clients/, models/, Airflow nor pytest. Inside it, each module imports only the modules
listed for it below: shared pieces first, then each vendor (never the other vendor), then the app, then
the console script and the test helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_sms.sandbox as sandbox_package

PACKAGE = "airflow_provider_sms.sandbox"
FORBIDDEN = ("airflow_provider_sms.clients", "airflow_provider_sms.models", "airflow", "pytest", "_pytest")
SOURCES = sorted(Path(sandbox_package.__file__).parent.rglob("*.py"))

_SHARED = {"config", "callbacks", "core"}
MAY_IMPORT: dict[str, set[str]] = {
    "__init__": set(),
    "config": set(),
    "callbacks": set(),
    "core": {"config", "callbacks"},
    "sinch_requests": _SHARED,
    "sinch_batches": _SHARED | {"sinch_requests"},
    "sinch_reports": _SHARED | {"sinch_requests", "sinch_batches"},
    "sinch_inbounds": _SHARED | {"sinch_requests", "sinch_batches", "sinch_reports"},
    "sinch": _SHARED | {"sinch_requests", "sinch_batches", "sinch_reports", "sinch_inbounds"},
    "fonedynamics_messages": _SHARED,
    "fonedynamics": _SHARED | {"fonedynamics_messages"},
    "app": _SHARED | {"sinch", "fonedynamics"},
    "cli": _SHARED | {"app"},
    "testing": _SHARED | {"app"},
}


def _imported_modules(path: Path) -> list[str]:
    """Return what ``path`` imports anywhere in it; ``from a import b`` counts as ``a`` and ``a.b``."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sandbox_modules_imported(path: Path) -> set[str]:
    """Return the sandbox modules ``path`` imports, by short name (the package itself not counted)."""
    prefix = PACKAGE + "."
    named = {
        name.removeprefix(prefix).split(".")[0] for name in _imported_modules(path) if name.startswith(prefix)
    }
    return named & {source.stem for source in SOURCES}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.name))
def test_sandbox_module_imports_nothing_forbidden(path: Path) -> None:
    bad = [m for m in _imported_modules(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]

    assert bad == []


def test_every_sandbox_module_has_its_place_in_the_import_order() -> None:
    assert sorted(path.stem for path in SOURCES) == sorted(MAY_IMPORT)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.name))
def test_sandbox_module_imports_only_the_modules_below_it(path: Path) -> None:
    assert _sandbox_modules_imported(path) - MAY_IMPORT[path.stem] == set()


def test_forbidden_imports_would_be_seen(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from airflow_provider_sms.models.sms import is_e164\nimport airflow.sdk\n"
        "from airflow_provider_sms.sandbox import app, missing_extra\n"
        "def later():\n    from airflow_provider_sms.sandbox.fonedynamics import build_router\n"
    )

    assert _imported_modules(sample)[:3] == [
        "airflow_provider_sms.models.sms",
        "airflow_provider_sms.models.sms.is_e164",
        "airflow.sdk",
    ]
    assert _sandbox_modules_imported(sample) - MAY_IMPORT["sinch"] == {"fonedynamics", "app"}
