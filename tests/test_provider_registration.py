"""Airflow itself finds the provider: CLI listing, hooks and connection forms (3.2+ metadata or 3.1 widgets).

Each check runs in a fresh interpreter with a temporary ``AIRFLOW_HOME``, as Airflow would at start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Prints what the connection-form API of the running Airflow version serves for the two SMS connection types.
PROBE = """
import json
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
from airflow.providers_manager import ProvidersManager

hooks = ProvidersManager().hooks
result = {}
for meta in HookMetaService.hook_meta_data():
    if meta.connection_type in ("sinch", "fonedynamics"):
        hook = hooks[meta.connection_type]
        result[meta.connection_type] = {
            "hook_class_name": hook.hook_class_name,
            "hook_name": meta.hook_name,
            "conn_id_attribute": hook.connection_id_attribute_name,
            "standard_fields": meta.standard_fields.model_dump() if meta.standard_fields else None,
            "extra_fields": {
                name: {"title": field["schema"].get("title"), "value": field.get("value")}
                for name, field in (meta.extra_fields or {}).items()
            },
        }
print("PROBE-RESULT " + json.dumps(result))
"""


def run_airflow_python(args: list[str], airflow_home: Path) -> str:
    env = {**os.environ, "AIRFLOW_HOME": str(airflow_home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    completed = subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = run_airflow_python(["-c", PROBE], tmp_path_factory.mktemp("airflow_home"))
    (line,) = [line for line in output.splitlines() if line.startswith("PROBE-RESULT ")]
    result: dict[str, Any] = json.loads(line.removeprefix("PROBE-RESULT "))
    return result


def test_cli_lists_the_provider(tmp_path: Path) -> None:
    output = run_airflow_python(
        ["-m", "airflow", "providers", "get", "airflow-provider-sms", "--output", "json"], tmp_path
    )

    (provider,) = json.loads(output[output.index("[") :])
    assert provider["Provider"] == "airflow-provider-sms"


@pytest.mark.parametrize(
    ("conn_type", "hook_class_name", "hook_name"),
    [
        ("sinch", "airflow_provider_sms.hooks.sinch.SinchHook", "Sinch SMS"),
        ("fonedynamics", "airflow_provider_sms.hooks.fonedynamics.FoneDynamicsHook", "Fone Dynamics SMS"),
    ],
)
def test_connection_types_are_registered_with_their_hooks(
    registered: dict[str, Any], conn_type: str, hook_class_name: str, hook_name: str
) -> None:
    entry = registered[conn_type]

    assert (entry["hook_class_name"], entry["hook_name"], entry["conn_id_attribute"]) == (
        hook_class_name,
        hook_name,
        "sms_conn_id",
    )


def test_sinch_form_as_served_to_the_ui(registered: dict[str, Any]) -> None:
    sinch = registered["sinch"]

    assert sinch["extra_fields"] == {
        "region": {"title": "Region", "value": "us"},
        "auth_type": {"title": "Authentication", "value": "api_token"},
        "project_id": {"title": "Project ID", "value": None},
        "auth_url": {"title": "OAuth token URL override", "value": None},
        "default_from": {"title": "Default sender", "value": None},
        "has_default_originator": {"title": "Service plan has a default originator", "value": False},
        "webhook_secret": {"title": "Webhook URL secret", "value": None},
        "webhook_signing_secret": {"title": "Webhook signing secret", "value": None},
        "timeout": {"title": "Timeout (seconds)", "value": 30},
        "max_retries": {"title": "Max retries", "value": 3},
        "max_retry_wait": {"title": "Max retry wait (seconds)", "value": 120},
        "max_concurrent_requests": {"title": "Max concurrent requests", "value": 4},
        "max_recipients_per_second": {"title": "Max recipients per second", "value": None},
        "allow_insecure_http": {"title": "Allow plain http", "value": False},
    }
    standard = sinch["standard_fields"]
    assert standard["login"]["title"] == "Service plan ID or OAuth key ID"
    assert standard["password"]["title"] == "API token or OAuth key secret"
    assert standard["host"]["title"] == "Base URL override"
    assert standard["port"]["hidden"] is False
    assert standard["url_schema"]["hidden"] is True


def test_fonedynamics_form_as_served_to_the_ui(registered: dict[str, Any]) -> None:
    fone = registered["fonedynamics"]

    assert {name: field["title"] for name, field in fone["extra_fields"].items()} == {
        "property_sid": "Property SID",
        "default_from": "Default sender",
        "webhook_secret": "Webhook URL secret",
        "timeout": "Timeout (seconds)",
        "max_retries": "Max retries",
        "max_retry_wait": "Max retry wait (seconds)",
        "max_concurrent_requests": "Max concurrent requests",
        "max_recipients_per_second": "Max recipients per second",
        "allow_insecure_http": "Allow plain http",
    }
    assert fone["standard_fields"]["login"]["title"] == "Account SID"
    assert fone["standard_fields"]["password"]["title"] == "Account token"
