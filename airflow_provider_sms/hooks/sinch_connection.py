"""The ``sinch`` connection type: its form and how a connection is read and checked.

Nothing here imports Airflow at run time, so ``get_provider_info`` can use the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from airflow_provider_sms.clients.sinch import SINCH_AUTH_TYPES, SINCH_OAUTH2_REGIONS, SINCH_REGIONS
from airflow_provider_sms.hooks._connection_reader import EMPTY, ConnectionReader
from airflow_provider_sms.hooks._form import TRANSPORT_FIELDS, ConnectionForm, FormField
from airflow_provider_sms.models.sms import SinchSender

if TYPE_CHECKING:
    from airflow.sdk import Connection

SINCH_CONN_TYPE = "sinch"
SINCH_DEFAULT_CONN_NAME = "sinch_default"
SINCH_HOOK_NAME = "Sinch SMS"
AUTH_API_TOKEN = "api_token"  # noqa: S105 - the name of an auth method, not a secret
AUTH_OAUTH2 = "oauth2"

SINCH_CONNECTION_FORM = ConnectionForm(
    fields=(
        FormField(
            name="region",
            label="Region",
            description="Sinch region the service plan or project lives in: us, eu, au, br or ca.",
            choices=SINCH_REGIONS,
            default="us",
        ),
        FormField(
            name="auth_type",
            label="Authentication",
            description=(
                "api_token: service plan ID and API token (all regions). "
                "oauth2: project ID with an access key ID and secret (us and eu only)."
            ),
            choices=SINCH_AUTH_TYPES,
            default=AUTH_API_TOKEN,
        ),
        FormField(
            name="project_id",
            label="Project ID",
            description="Sinch project ID; required for oauth2, unused for api_token.",
        ),
        FormField(
            name="auth_url",
            label="OAuth token URL override",
            description="Token endpoint for oauth2; empty means https://auth.sinch.com/oauth2/token.",
            placeholder="https://auth.sinch.com/oauth2/token",
        ),
        FormField(
            name="default_from",
            label="Default sender",
            description="Sender used when a task gives none: E.164 number, short code or alphanumeric name.",
            placeholder="+61400000000",
        ),
        *TRANSPORT_FIELDS,
    ),
    hidden_fields=("schema", "port"),
    relabeling={
        "login": "Service plan ID or OAuth key ID",
        "password": "API token or OAuth key secret",
        "host": "Base URL override",
    },
    placeholders={
        "login": "Service plan ID (api_token) or access key ID (oauth2)",
        "password": "API token (api_token) or access key secret (oauth2)",
        "host": "Empty for the region's Sinch host; e.g. http://127.0.0.1:8080 for the sandbox",
    },
)

_SENDER = TypeAdapter(SinchSender)


@dataclass(frozen=True)
class SinchConnectionSettings:
    """What a ``sinch`` connection holds, checked.

    :param region: One of ``SINCH_REGIONS``.
    :param auth_type: ``api_token`` or ``oauth2``.
    :param login: Service plan ID (``api_token``) or access key ID (``oauth2``).
    :param password: API token (``api_token``) or access key secret (``oauth2``); never shown in ``repr``.
    :param project_id: Project ID (``oauth2`` only).
    :param base_url: Base URL override, without a trailing slash.
    :param auth_url: OAuth token URL override.
    :param default_from: Sender used when a task gives none.
    :param timeout: Seconds per HTTP request.
    :param max_retries: Retries after a retryable failure.
    """

    region: str
    auth_type: str
    login: str
    password: str = field(repr=False)
    project_id: str | None
    base_url: str | None
    auth_url: str | None
    default_from: str | None
    timeout: float
    max_retries: int

    @property
    def secret(self) -> str:
        """The credential to register with Airflow's secret masker."""
        return self.password


def read_sinch_connection(connection: Connection) -> SinchConnectionSettings:
    """Return the checked settings of a ``sinch`` connection.

    :param connection: The Airflow connection.
    :raises SmsValidationError: naming the connection and every bad field, with its value (secrets hidden)
        and the rule it breaks.
    """
    reader = ConnectionReader(connection, SINCH_CONNECTION_FORM, "Sinch")
    region = reader.read_choice("region")
    auth_type = reader.read_choice("auth_type")
    oauth = auth_type == AUTH_OAUTH2
    login = reader.read_login("access key ID" if oauth else "service plan ID", path_segment=not oauth)
    password = reader.read_password("access key secret" if oauth else "API token")
    project_id = reader.read_text("project_id", path_segment=True)
    auth_url = reader.read_url("auth_url")
    if oauth and project_id is None:
        reader.add_problem("extra.project_id", EMPTY, "the project ID is required when auth_type is oauth2")
    if oauth and region not in SINCH_OAUTH2_REGIONS:
        reader.add_problem(
            "extra.region",
            repr(region),
            "Sinch offers oauth2 only in regions us and eu; use auth_type api_token elsewhere",
        )
    default_from = reader.read_sender("default_from", _SENDER)
    settings = SinchConnectionSettings(
        region=region,
        auth_type=auth_type,
        login=login,
        password=password,
        project_id=project_id if oauth else None,
        base_url=reader.read_base_url(),
        auth_url=auth_url if oauth else None,
        default_from=default_from,
        timeout=reader.read_seconds("timeout"),
        max_retries=reader.read_count("max_retries"),
    )
    reader.raise_problems()
    return settings
