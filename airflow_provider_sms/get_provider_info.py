"""Provider metadata Airflow reads through the ``apache_airflow_provider`` entry point.

Airflow calls :func:`get_provider_info` while it is still starting up, so this module and what it imports
must not import Airflow.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_sms import __version__
from airflow_provider_sms.hooks._form import (
    FONEDYNAMICS_CONN_TYPE,
    FONEDYNAMICS_FORM,
    FONEDYNAMICS_HOOK_NAME,
    SINCH_CONN_TYPE,
    SINCH_FORM,
    SINCH_HOOK_NAME,
    ConnectionForm,
)

_PACKAGE = "airflow_provider_sms"
_SINCH = "Sinch SMS"
_FONE_DYNAMICS = "Fone Dynamics"


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata in the shape of Airflow's ``provider_info.schema.json``."""
    return {
        "package-name": "airflow-provider-sms",
        "name": "SMS (Sinch, Fone Dynamics)",
        "description": (
            "Send, schedule, change, cancel and track SMS through the Sinch SMS (XMS) and Fone Dynamics "
            "REST APIs."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _SINCH,
                "external-doc-url": "https://developers.sinch.com/docs/sms/api-reference",
                "tags": ["service"],
            },
            {
                "integration-name": _FONE_DYNAMICS,
                "external-doc-url": "https://www.fonedynamics.com/docs/rest-api/send-sms/",
                "tags": ["service"],
            },
        ],
        "hooks": _per_integration("hooks.sms", sinch=("hooks.sinch",), fonedynamics=("hooks.fonedynamics",)),
        # Sending works with either vendor; changing a batch only with Sinch (Fone Dynamics has no such API).
        "operators": _per_integration(
            "operators.send",
            "operators.dry_run",
            sinch=("operators.replace", "operators.update", "operators.cancel", "operators.feedback"),
        ),
        "sensors": _per_integration("sensors.batch", "sensors.delivery_report", "sensors.reply"),
        "triggers": _per_integration("triggers.batch", "triggers.inbound"),
        "notifications": [f"{_PACKAGE}.notifications.sms.SmsNotifier"],
        "connection-types": [
            _connection_type(SINCH_CONN_TYPE, SINCH_HOOK_NAME, "sinch.SinchHook", SINCH_FORM),
            _connection_type(
                FONEDYNAMICS_CONN_TYPE,
                FONEDYNAMICS_HOOK_NAME,
                "fonedynamics.FoneDynamicsHook",
                FONEDYNAMICS_FORM,
            ),
        ],
    }


def _per_integration(
    *shared_modules: str, sinch: tuple[str, ...] = (), fonedynamics: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Return one entry per integration listing the shared modules and that vendor's own modules.

    :param shared_modules: Modules, relative to the package, that serve both vendors.
    :param sinch: Modules only for Sinch.
    :param fonedynamics: Modules only for Fone Dynamics.
    """
    return [
        {"integration-name": _SINCH, "python-modules": _modules(*shared_modules, *sinch)},
        {"integration-name": _FONE_DYNAMICS, "python-modules": _modules(*shared_modules, *fonedynamics)},
    ]


def _modules(*relative_modules: str) -> list[str]:
    return [f"{_PACKAGE}.{module}" for module in relative_modules]


def _connection_type(conn_type: str, hook_name: str, hook_class: str, form: ConnectionForm) -> dict[str, Any]:
    return {
        "connection-type": conn_type,
        "hook-class-name": f"{_PACKAGE}.hooks.{hook_class}",
        "hook-name": hook_name,
        "ui-field-behaviour": form.ui_field_behaviour(),
        "conn-fields": form.conn_fields(),
    }
