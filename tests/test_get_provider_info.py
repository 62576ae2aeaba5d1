"""get_provider_info(): valid against Airflow's schemas, found through the entry point, matching the hooks."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import airflow
import jsonschema
import pytest

from airflow_provider_sms.get_provider_info import get_provider_info
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook

AIRFLOW_DIR = Path(airflow.__file__).parent


def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((AIRFLOW_DIR / name).read_text())
    return schema


def test_validates_against_airflow_provider_info_schema() -> None:
    jsonschema.validate(get_provider_info(), load_schema("provider_info.schema.json"))


def test_connection_types_validate_against_the_provider_yaml_schema() -> None:
    connection_types_schema = load_schema("provider.yaml.schema.json")["properties"]["connection-types"]

    jsonschema.validate(get_provider_info()["connection-types"], connection_types_schema)


def test_schema_check_can_fail() -> None:
    info = get_provider_info()
    del info["name"]

    with pytest.raises(jsonschema.ValidationError, match="'name' is a required property"):
        jsonschema.validate(info, load_schema("provider_info.schema.json"))


def test_entry_point_resolves_to_get_provider_info() -> None:
    (entry_point,) = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_provider_sms")
    ]

    assert entry_point.load() is get_provider_info


def test_identity() -> None:
    info = get_provider_info()

    assert info["package-name"] == "airflow-provider-sms"
    assert [i["integration-name"] for i in info["integrations"]] == ["Sinch SMS", "Fone Dynamics"]
    assert info["hooks"] == [
        {
            "integration-name": "Sinch SMS",
            "python-modules": ["airflow_provider_sms.hooks.sms", "airflow_provider_sms.hooks.sinch"],
        },
        {
            "integration-name": "Fone Dynamics",
            "python-modules": ["airflow_provider_sms.hooks.sms", "airflow_provider_sms.hooks.fonedynamics"],
        },
    ]


@pytest.mark.parametrize("hook_class", [SinchHook, FoneDynamicsHook])
def test_connection_type_matches_its_hook(hook_class: type[SinchHook] | type[FoneDynamicsHook]) -> None:
    (entry,) = [
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == hook_class.conn_type
    ]

    assert entry["hook-class-name"] == f"{hook_class.__module__}.{hook_class.__name__}"
    assert entry["hook-name"] == hook_class.hook_name
    legacy = hook_class.get_ui_field_behaviour()
    behaviour = entry["ui-field-behaviour"]
    assert (behaviour["hidden-fields"], behaviour["relabeling"], behaviour["placeholders"]) == (
        legacy["hidden_fields"],
        legacy["relabeling"],
        legacy["placeholders"],
    )
    # The port stays visible: Airflow 3.3's "Test Connection" button needs a stored one (docs/connections.md).
    assert set(behaviour["hidden-fields"]) == {"schema"}
    assert "443" in behaviour["placeholders"]["port"]


def test_sinch_form_labels() -> None:
    (sinch,) = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == "sinch"]

    assert sinch["ui-field-behaviour"]["relabeling"] == {
        "login": "Service plan ID or OAuth key ID",
        "password": "API token or OAuth key secret",
        "host": "Base URL override",
        "port": "Port",
    }
    assert list(sinch["conn-fields"]) == [
        "region",
        "auth_type",
        "project_id",
        "auth_url",
        "default_from",
        "has_default_originator",
        "webhook_secret",
        "webhook_signing_secret",
        "timeout",
        "max_retries",
        "max_retry_wait",
        "max_concurrent_requests",
        "max_recipients_per_second",
        "allow_insecure_http",
    ]
    assert sinch["conn-fields"]["region"]["schema"] == {
        "type": ["string", "null"],
        "enum": ["us", "eu", "au", "br", "ca"],
        "default": "us",
    }


@pytest.mark.parametrize("conn_type", ["sinch", "fonedynamics"])
def test_the_forms_state_the_limits_of_the_request_settings(conn_type: str) -> None:
    (form,) = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == conn_type]
    fields = form["conn-fields"]

    assert fields["timeout"]["schema"] == {
        "type": ["integer", "null"],
        "default": 30,
        "minimum": 1,
        "maximum": 300,
    }
    assert fields["max_retries"]["schema"] == {
        "type": ["integer", "null"],
        "default": 3,
        "minimum": 0,
        "maximum": 10,
    }
    assert fields["max_retry_wait"]["schema"] == {
        "type": ["integer", "null"],
        "default": 120,
        "minimum": 0,
        "maximum": 3600,
    }
    assert fields["max_concurrent_requests"]["schema"] == {
        "type": ["integer", "null"],
        "default": 4,
        "minimum": 1,
        "maximum": 32,
    }
    assert fields["max_recipients_per_second"]["schema"] == {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 1_000_000,
    }
    assert fields["allow_insecure_http"]["schema"] == {"type": ["boolean", "null"], "default": False}


def test_only_the_webhook_secrets_are_secret_extra_fields() -> None:
    secret = {
        connection_type["connection-type"]: [
            name
            for name, field in connection_type["conn-fields"].items()
            if field["schema"].get("format") == "password"
        ]
        for connection_type in get_provider_info()["connection-types"]
    }
    assert secret == {
        "sinch": ["webhook_secret", "webhook_signing_secret"],
        "fonedynamics": ["webhook_secret"],
    }


#: Helper modules of a kind that hold no registrable class.
NOT_REGISTRABLE = {
    "airflow_provider_sms.sensors.report_file",
    "airflow_provider_sms.triggers.checks",
    "airflow_provider_sms.triggers.conditions",
}


@pytest.mark.parametrize("kind", ["operators", "sensors", "triggers"])
def test_every_listed_module_imports_and_every_public_module_is_listed(kind: str) -> None:
    info = get_provider_info()
    listed = {module for entry in info[kind] for module in entry["python-modules"]}
    for module in listed:
        importlib.import_module(module)
    package = Path(importlib.import_module(f"airflow_provider_sms.{kind}").__file__ or "").parent
    public = {f"airflow_provider_sms.{kind}.{p.stem}" for p in package.glob("[!_]*.py")} - NOT_REGISTRABLE
    assert public
    assert public <= listed


def test_the_notifier_is_listed_and_importable() -> None:
    module, _, name = get_provider_info()["notifications"][0].rpartition(".")
    assert getattr(importlib.import_module(module), name).__name__ == "SmsNotifier"
