"""Both connection forms, declared once and rendered for both of Airflow's connection-form regimes.

Airflow 3.2 and later read ``conn-fields`` and ``ui-field-behaviour`` from the provider info; Airflow 3.1
calls the hook's ``get_connection_form_widgets()`` and ``get_ui_field_behaviour()``. Both renderings come
from one :class:`ConnectionForm`, so the two regimes always offer the same fields. This module imports
nothing from Airflow: ``get_provider_info`` uses it while Airflow itself is still starting up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_sms.models.sms import (
    ALLOW_INSECURE_HTTP,
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_TIMEOUT_S,
    MAX_CONCURRENT_REQUESTS_LIMIT,
    MAX_RECIPIENTS_PER_SECOND_LIMIT,
    MAX_RETRIES_LIMIT,
    MAX_RETRY_WAIT_LIMIT_S,
    SINCH_AUTH_TYPES,
    SINCH_REGIONS,
    TIMEOUT_LIMIT_S,
)

#: How a field is entered; each kind maps to one JSON-schema type and one wtforms field class.
FieldKind = Literal["string", "integer", "boolean", "password"]

_JSON_TYPES: dict[FieldKind, str] = {
    "string": "string",
    "integer": "integer",
    "boolean": "boolean",
    "password": "string",
}


@dataclass(frozen=True)
class FormField:
    """One field of a connection's ``extra``, shown as its own input in the connection form.

    :param name: Key in the connection's ``extra`` JSON.
    :param label: Text shown next to the input.
    :param description: Help text shown under the input.
    :param kind: How the value is entered.
    :param choices: The only values allowed, shown as a drop-down; empty for free input.
    :param default: Value the form starts with and the hook uses when the field is empty.
    :param minimum: Smallest allowed number, for ``integer`` fields.
    :param maximum: Largest allowed number, for ``integer`` fields.
    :param placeholder: Example shown in an empty input.
    """

    name: str
    label: str
    description: str
    kind: FieldKind = "string"
    choices: tuple[str, ...] = ()
    default: str | int | bool | None = None
    minimum: int | None = None
    maximum: int | None = None
    placeholder: str | None = None

    def conn_field(self) -> dict[str, Any]:
        """Return the ``conn-fields`` entry (provider info, Airflow 3.2 and later)."""
        schema: dict[str, Any] = {"type": [_JSON_TYPES[self.kind], "null"]}
        if self.kind == "password":
            schema["format"] = "password"
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.default is not None:
            schema["default"] = self.default
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return {"label": self.label, "description": self.description, "schema": schema}

    def widget(self) -> Any:
        """Return the wtforms field for ``get_connection_form_widgets()`` (Airflow 3.1).

        Only the field classes and validators Airflow 3.1 accepts are used; Airflow refuses a hook whose
        form uses any other. wtforms is imported here, not at module level, because only the webserver
        side has it (and there it is replaced by stand-ins that describe the field as JSON schema).
        """
        from wtforms import BooleanField, IntegerField, PasswordField, StringField
        from wtforms.validators import Optional, any_of

        field_classes = {
            "string": StringField,
            "integer": IntegerField,
            "boolean": BooleanField,
            "password": PasswordField,
        }
        validators: list[Any] = [Optional()]
        if self.choices:
            validators.append(any_of(list(self.choices)))
        return field_classes[self.kind](
            self.label, validators=validators, description=self.description, default=self.default
        )


@dataclass(frozen=True)
class ConnectionForm:
    """The whole connection form of one connection type.

    :param fields: The ``extra`` fields, in display order.
    :param hidden_fields: Standard fields the form hides (``schema``, ``port`` ...).
    :param relabeling: New labels of standard fields, by field name.
    :param placeholders: Placeholders of standard fields, by field name; ``extra`` fields carry their own.
    """

    fields: tuple[FormField, ...]
    hidden_fields: tuple[str, ...] = ()
    relabeling: Mapping[str, str] = field(default_factory=dict)
    placeholders: Mapping[str, str] = field(default_factory=dict)

    def field_named(self, name: str) -> FormField:
        """Return the ``extra`` field called ``name``.

        :param name: Key in the connection's ``extra`` JSON.
        """
        for form_field in self.fields:
            if form_field.name == name:
                return form_field
        raise KeyError(name)

    def conn_fields(self) -> dict[str, dict[str, Any]]:
        """Return the ``conn-fields`` mapping of the provider info (Airflow 3.2 and later)."""
        return {form_field.name: form_field.conn_field() for form_field in self.fields}

    def ui_field_behaviour(self) -> dict[str, Any]:
        """Return the ``ui-field-behaviour`` mapping of the provider info (Airflow 3.2 and later)."""
        return {
            "hidden-fields": list(self.hidden_fields),
            "relabeling": dict(self.relabeling),
            "placeholders": self._all_placeholders(),
        }

    def legacy_ui_field_behaviour(self) -> dict[str, Any]:
        """Return what ``get_ui_field_behaviour()`` returns (Airflow 3.1)."""
        return {
            "hidden_fields": list(self.hidden_fields),
            "relabeling": dict(self.relabeling),
            "placeholders": self._all_placeholders(),
        }

    def legacy_widgets(self) -> dict[str, Any]:
        """Return what ``get_connection_form_widgets()`` returns (Airflow 3.1)."""
        return {form_field.name: form_field.widget() for form_field in self.fields}

    def _all_placeholders(self) -> dict[str, str]:
        extra_placeholders = {f.name: f.placeholder for f in self.fields if f.placeholder is not None}
        return {**self.placeholders, **extra_placeholders}


#: Fields every SMS connection type has, after its vendor-specific ones.
TRANSPORT_FIELDS = (
    FormField(
        name="timeout",
        label="Timeout (seconds)",
        description=f"Seconds to wait for each HTTP request: 1 to {TIMEOUT_LIMIT_S:.0f}.",
        kind="integer",
        default=int(DEFAULT_TIMEOUT_S),
        minimum=1,
        maximum=int(TIMEOUT_LIMIT_S),
    ),
    FormField(
        name="max_retries",
        label="Max retries",
        description=f"Retries of a request after HTTP 429, 5xx or a network error: 0 to {MAX_RETRIES_LIMIT}.",
        kind="integer",
        default=DEFAULT_MAX_RETRIES,
        minimum=0,
        maximum=MAX_RETRIES_LIMIT,
    ),
    FormField(
        name="max_retry_wait",
        label="Max retry wait (seconds)",
        description=(
            "Seconds one request may wait between its retries in total, Retry-After included: "
            f"0 to {MAX_RETRY_WAIT_LIMIT_S:.0f}. A retry that would wait longer is not made."
        ),
        kind="integer",
        default=int(DEFAULT_MAX_RETRY_WAIT_S),
        minimum=0,
        maximum=int(MAX_RETRY_WAIT_LIMIT_S),
    ),
    FormField(
        name="max_concurrent_requests",
        label="Max concurrent requests",
        description=(
            f"Chunk requests of one send under way at once: 1 to {MAX_CONCURRENT_REQUESTS_LIMIT}. "
            "1 sends the chunks one after another."
        ),
        kind="integer",
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        minimum=1,
        maximum=MAX_CONCURRENT_REQUESTS_LIMIT,
    ),
    FormField(
        name="max_recipients_per_second",
        label="Max recipients per second",
        description=(
            "Recipients one send hands the vendor per second at most, 1 to "
            f"{MAX_RECIPIENTS_PER_SECOND_LIMIT:,} (Sinch counts a plan's rate per recipient); each chunk "
            "waits for its share before its request. Empty: no limit."
        ),
        kind="integer",
        minimum=1,
        maximum=MAX_RECIPIENTS_PER_SECOND_LIMIT,
    ),
    FormField(
        name=ALLOW_INSECURE_HTTP,
        label="Allow plain http",
        description=(
            "Allow http:// (unencrypted) URLs to other machines for the host, token URL and callback "
            "URLs; credentials and phone numbers then cross the network in the clear. Loopback URLs "
            "(127.0.0.1, localhost) never need it."
        ),
        kind="boolean",
        default=False,
    ),
)

#: The secret a webhook URL carries (plugins/webhooks.py); both vendors.
WEBHOOK_SECRET_FIELD = FormField(
    name="webhook_secret",
    label="Webhook URL secret",
    description=(
        "Secret the webhook receiver's URL must carry (.../sms-webhooks/<vendor>/<conn id>/<secret>): "
        "at least 16 characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe())'`. "
        "Empty: no webhooks at a URL with a secret."
    ),
    kind="password",
)

#: The secret Sinch signs callbacks with (plugins/webhooks.py); Sinch only.
WEBHOOK_SIGNING_SECRET_FIELD = FormField(
    name="webhook_signing_secret",
    label="Webhook signing secret",
    description=(
        "Secret Sinch signs callbacks with (X-Sinch-Webhook-Signature), if your account manager enabled "
        "signing; the webhook receiver then refuses unsigned callbacks."
    ),
    kind="password",
)
#: Fields only the webhook receiver reads; the hooks' settings never see them.
WEBHOOK_FIELD_NAMES = frozenset({WEBHOOK_SECRET_FIELD.name, WEBHOOK_SIGNING_SECRET_FIELD.name})

SINCH_CONN_TYPE = "sinch"
SINCH_HOOK_NAME = "Sinch SMS"
FONEDYNAMICS_CONN_TYPE = "fonedynamics"
FONEDYNAMICS_HOOK_NAME = "Fone Dynamics SMS"

PORT_PLACEHOLDER = "443, or the Base URL override's port; Airflow 3.3's Test button needs it"

SINCH_FORM = ConnectionForm(
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
            default=SINCH_AUTH_TYPES[0],
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
        FormField(
            name="has_default_originator",
            label="Service plan has a default originator",
            description=(
                "Set it only if the service plan has a default originator configured at Sinch: then a "
                "send without a sender and without a default sender is allowed. Otherwise it is refused, "
                "because Sinch would abort every message (code 410)."
            ),
            kind="boolean",
            default=False,
        ),
        WEBHOOK_SECRET_FIELD,
        WEBHOOK_SIGNING_SECRET_FIELD,
        *TRANSPORT_FIELDS,
    ),
    # The port stays visible: Airflow 3.3's list "Test Connection" button needs a stored one.
    hidden_fields=("schema",),
    relabeling={
        "login": "Service plan ID or OAuth key ID",
        "password": "API token or OAuth key secret",
        "host": "Base URL override",
        "port": "Port",  # Airflow 3.1 shows an unlabelled standard field by its name, "port"
    },
    placeholders={
        "login": "Service plan ID (api_token) or access key ID (oauth2)",
        "password": "API token (api_token) or access key secret (oauth2)",
        "host": "Empty for the region's Sinch host; e.g. http://127.0.0.1:8025 for the sandbox",
        "port": PORT_PLACEHOLDER,
    },
)

FONEDYNAMICS_FORM = ConnectionForm(
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
        WEBHOOK_SECRET_FIELD,
        *TRANSPORT_FIELDS,
    ),
    # The port stays visible: Airflow 3.3's list "Test Connection" button needs a stored one.
    hidden_fields=("schema",),
    relabeling={
        "login": "Account SID",
        "password": "Account token",
        "host": "Base URL override",
        "port": "Port",  # Airflow 3.1 shows an unlabelled standard field by its name, "port"
    },
    placeholders={
        "login": "Account SID",
        "password": "Token of the account",
        "host": "Empty for https://api.fonedynamics.com; e.g. http://127.0.0.1:8025 for the sandbox",
        "port": PORT_PLACEHOLDER,
    },
)
