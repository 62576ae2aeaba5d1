"""The ``fonedynamics`` connection type: its form and how a connection is read and checked.

Nothing here imports Airflow at run time, so ``get_provider_info`` can use the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from airflow_provider_sms.hooks._connection_reader import ConnectionReader
from airflow_provider_sms.hooks._form import TRANSPORT_FIELDS, ConnectionForm, FormField
from airflow_provider_sms.models.sms import FoneDynamicsSender

if TYPE_CHECKING:
    from airflow.sdk import Connection

FONEDYNAMICS_CONN_TYPE = "fonedynamics"
FONEDYNAMICS_DEFAULT_CONN_NAME = "fonedynamics_default"
FONEDYNAMICS_HOOK_NAME = "Fone Dynamics"

FONEDYNAMICS_CONNECTION_FORM = ConnectionForm(
    fields=(
        FormField(
            name="property_sid",
            label="Property SID",
            description="Property that sends and lists messages; tasks may name another one.",
        ),
        FormField(
            name="default_from",
            label="Default sender",
            description=(
                "Sender used when a task gives none: E.164 number or alphanumeric name; "
                "empty lets Fone Dynamics lease a number."
            ),
            placeholder="+61400000000",
        ),
        *TRANSPORT_FIELDS,
    ),
    hidden_fields=("schema", "port"),
    relabeling={
        "login": "Account SID",
        "password": "Account token",
        "host": "Base URL override",
    },
    placeholders={
        "login": "Account SID",
        "password": "Token of the account",
        "host": "Empty for https://api.fonedynamics.com; e.g. http://127.0.0.1:8080 for the sandbox",
    },
)

_SENDER = TypeAdapter(FoneDynamicsSender)


@dataclass(frozen=True)
class FoneDynamicsConnectionSettings:
    """What a ``fonedynamics`` connection holds, checked.

    :param account_sid: Account SID (the connection's ``login``).
    :param token: Account token (the connection's ``password``); never shown in ``repr``.
    :param property_sid: Default property SID.
    :param base_url: Base URL override, without a trailing slash.
    :param default_from: Sender used when a task gives none.
    :param timeout: Seconds per HTTP request.
    :param max_retries: Retries after a retryable failure.
    """

    account_sid: str
    token: str = field(repr=False)
    property_sid: str | None
    base_url: str | None
    default_from: str | None
    timeout: float
    max_retries: int

    @property
    def secret(self) -> str:
        """The credential to register with Airflow's secret masker."""
        return self.token


def read_fonedynamics_connection(connection: Connection) -> FoneDynamicsConnectionSettings:
    """Return the checked settings of a ``fonedynamics`` connection.

    :param connection: The Airflow connection.
    :raises SmsValidationError: naming the connection and every bad field, with its value (secrets hidden)
        and the rule it breaks.
    """
    reader = ConnectionReader(connection, FONEDYNAMICS_CONNECTION_FORM, "Fone Dynamics")
    account_sid = reader.read_login("account SID", path_segment=True)
    token = reader.read_password("account token")
    property_sid = reader.read_text("property_sid", path_segment=True)
    default_from = reader.read_sender("default_from", _SENDER)
    settings = FoneDynamicsConnectionSettings(
        account_sid=account_sid,
        token=token,
        property_sid=property_sid,
        base_url=reader.read_base_url(),
        default_from=default_from,
        timeout=reader.read_seconds("timeout"),
        max_retries=reader.read_count("max_retries"),
    )
    reader.raise_problems()
    return settings
