"""Webhook fields of a Fone Dynamics send request: callback URI and HTTP method."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator

from airflow_provider_sms.models._base import rule_error
from airflow_provider_sms.models.phone import mask_msisdn

WEBHOOK_URI_RULE = "must be an absolute http:// or https:// URL with a host"
WEBHOOK_METHOD_RULE = "must be POST or GET (any case)"


def check_webhook_uri(value: str) -> str:
    """Validator: accept an absolute http(s) URL.

    A callback URL may carry a secret token in its path or query, so the error shows it masked.

    :param value: The URI.
    """
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise rule_error(mask_msisdn(value), WEBHOOK_URI_RULE)
    return value


def normalize_webhook_method(value: object) -> object:
    """Before-validator: accept ``post``/``Get``/… and return the upper-case method.

    :param value: The raw method.
    """
    if value is None:
        return value
    if isinstance(value, str) and value.strip().upper() in ("POST", "GET"):
        return value.strip().upper()
    raise rule_error(
        repr(value) if isinstance(value, str) else f"<{type(value).__name__}>", WEBHOOK_METHOD_RULE
    )


#: An absolute http(s) callback URL.
WebhookUri = Annotated[str, AfterValidator(check_webhook_uri)]
#: ``POST`` or ``GET``, accepted in any case, emitted upper-case.
WebhookMethod = Annotated[Literal["POST", "GET"], BeforeValidator(normalize_webhook_method)]
