"""Parsing a DAG pays for no HTTP stack and no vendor wire layer (issue 12, parse-time hygiene).

Airflow's DAG processor parses each file in a child of a process that has Airflow imported, and importing
Airflow already loads ``requests`` and, through ``get_provider_info``, this provider's clients. So each
check runs in a fresh process that imports Airflow and then forgets those modules (and every module of
this provider): any of them back in ``sys.modules`` after a parse was imported by that parse. Controls
prove the check sees such an import. The DAG files are found as the DAG processor finds them in ``dags/``,
not listed, so a new example DAG is checked without anyone remembering to add it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow_env import AIRFLOW_HOME
from tests.dags.conftest import EXAMPLE_DAGS

#: What a parse must not import: the HTTP stack, the clients and the vendor models.
FORBIDDEN = (
    "requests",
    "airflow_provider_sms.clients",
    "airflow_provider_sms.models.sinch",
    "airflow_provider_sms.models.fonedynamics",
)
#: The Airflow surface: a DAG file imports these at parse time.
SURFACE = ("operators", "sensors", "triggers", "notifications")

PROBE = """
import json, pkgutil, sys
import airflow
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
except ImportError:  # Airflow 3.1
    from airflow.models.dagbag import DagBag
FORBIDDEN = tuple(json.loads(sys.argv[1]))
targets = sys.argv[2:]

def named(module, prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)

def forget():
    for name in [m for m in sys.modules if named(m, FORBIDDEN + ("airflow_provider_sms",))]:
        del sys.modules[name]

report = {}
for target in targets:
    forget()
    dag_ids = []
    if target.endswith(".py"):
        bag = DagBag(dag_folder=target)
        errors = {str(k): str(v)[-300:] for k, v in bag.import_errors.items()}
        dag_ids = sorted(bag.dag_ids)
    else:
        __import__(target)
        errors = {}
    imported = sorted(m for m in sys.modules if named(m, FORBIDDEN))
    report[target] = {"errors": errors, "imported": imported, "dag_ids": dag_ids}
print("PROBE-RESULT " + json.dumps(report))
"""


def probe(targets: list[str]) -> dict[str, dict[str, object]]:
    """Run the probe in a fresh process; return, per DAG file or module, its errors and forbidden imports.

    :param targets: DAG files (``.py``) to parse and modules to import, each after forgetting.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE_DAGS), *sys.path])}
    env["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
    out = subprocess.run(  # noqa: S603 - our own probe
        [sys.executable, "-c", PROBE, json.dumps(FORBIDDEN), *targets],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("PROBE-RESULT "))
    result: dict[str, dict[str, object]] = json.loads(line.removeprefix("PROBE-RESULT "))
    return result


def surface_modules() -> list[str]:
    package = Path(__file__).resolve().parents[2] / "airflow_provider_sms"
    return sorted(
        f"airflow_provider_sms.{folder}.{path.stem}"
        for folder in SURFACE
        for path in (package / folder).glob("*.py")
        if path.stem != "__init__"
    )


CONTROLS = {
    "control_requests": "import requests",
    "control_vendor_hook": "from airflow_provider_sms.hooks.sinch import SinchHook",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """One probe for every example DAG, every surface module and two control DAGs."""
    folder = tmp_path_factory.mktemp("controls")
    for name, line in CONTROLS.items():
        (folder / f"{name}.py").write_text(
            f"{line}\nimport pendulum\nfrom airflow.sdk import DAG\n\n"
            f"with DAG({name!r}, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz='UTC')):\n"
            "    pass\n"
        )
    found = probe([*example_dags(), *surface_modules(), *(str(folder / f"{n}.py") for n in CONTROLS)])
    return {Path(target).stem if target.endswith(".py") else target: seen for target, seen in found.items()}


def example_dags() -> list[str]:
    """Return the files of ``dags/`` that Airflow's DAG processor parses (its own discovery, safe mode)."""
    from airflow.utils.file import list_py_file_paths

    return sorted(list_py_file_paths(EXAMPLE_DAGS, safe_mode=True))


def test_the_dag_files_are_discovered_as_the_dag_processor_finds_them() -> None:
    found = {Path(dag).name for dag in example_dags()}

    # Every top-level file is a DAG file; the helpers' package is not parsed as one.
    assert found == {path.name for path in EXAMPLE_DAGS.glob("*.py")}
    assert {"example_sms_campaign.py", "example_sms_inbound_stop.py", "example_sms_approval.py"} <= found


def test_parsing_an_example_dag_imports_no_http_client_or_vendor_model(
    report: dict[str, dict[str, object]],
) -> None:
    names = [Path(dag).stem for dag in example_dags()]
    found = {name: {k: v for k, v in report[name].items() if k != "dag_ids"} for name in names}

    assert found == {name: {"errors": {}, "imported": []} for name in names}
    assert all(report[name]["dag_ids"] for name in names), "every DAG file defines at least one DAG"


def test_the_check_sees_a_dag_file_importing_requests_or_a_vendor_hook(
    report: dict[str, dict[str, object]],
) -> None:
    assert report["control_requests"]["errors"] == {}
    assert report["control_requests"]["dag_ids"] == ["control_requests"]
    assert "requests" in report["control_requests"]["imported"]  # type: ignore[operator]
    assert "airflow_provider_sms.clients.sinch" in report["control_vendor_hook"]["imported"]  # type: ignore[operator]


@pytest.mark.parametrize("surface", SURFACE)
def test_the_airflow_surface_imports_no_http_client_or_vendor_model_at_module_level(
    report: dict[str, dict[str, object]], surface: str
) -> None:
    modules = [m for m in surface_modules() if m.split(".")[1] == surface]

    assert modules
    assert {module: report[module]["imported"] for module in modules} == {m: [] for m in modules}
