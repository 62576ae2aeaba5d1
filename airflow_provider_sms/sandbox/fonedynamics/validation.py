"""Checks of one message of a send or batch-send request, from the Send SMS and Send SMS Batch pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_sms.sandbox.fonedynamics import errors as codes
from airflow_provider_sms.sandbox.fonedynamics.errors import FieldError
from airflow_provider_sms.sandbox.numbers import is_alphanumeric_sender, is_e164, mask_number

MAX_SCHEDULE_AHEAD_S = 14 * 86400
MAX_SCHEDULE_PAST_S = 3600
WEBHOOK_METHODS = ("POST", "GET")
GENERAL_FIELDS = frozenset(
    {
        "From",
        "To",
        "Text",
        "Schedule",
        "DeliveryReceipt",
        "DeliveryReceiptWebhookUri",
        "DeliveryReceiptWebhookMethod",
        "ExternalId",
    }
)
LEASE_FIELDS = (
    "ForwardToSms",
    "ForwardFromSms",
    "ForwardToEmail",
    "ForwardFromEmail",
    "WebhookUri",
    "WebhookMethod",
)


@dataclass
class MessageRequest:
    """A message that passed every check.

    :param to: Recipient, E.164.
    :param sender: E.164 or alphanumeric sender id; ``None`` to send from a leased number.
    :param text: Body.
    :param schedule: The ``Schedule`` given (Unix seconds), if any.
    :param dispatch_at: When to hand it to the network: the schedule, or now if that is past or absent.
    :param delivery_receipt: Whether a delivery receipt was asked for.
    :param receipt_webhook_uri: Where to send the delivery receipt, if anywhere.
    :param receipt_webhook_method: ``POST`` or ``GET``.
    :param external_id: The caller's id, returned as ``ExternalId``.
    :param lease_options: Lease-only options given (reply forwarding and webhooks), echoed back.
    """

    to: str
    sender: str | None
    text: str
    schedule: int | None
    dispatch_at: float
    delivery_receipt: bool
    receipt_webhook_uri: str | None
    receipt_webhook_method: str
    external_id: str | None
    lease_options: dict[str, str] = field(default_factory=dict)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_email(value: object) -> bool:
    if not isinstance(value, str) or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return bool(local) and "." in domain and " " not in value


def _shown(value: object) -> str:
    return repr(mask_number(value)) if isinstance(value, str) else f"<{type(value).__name__}>"


def _check_phone(name: str, value: object, errors: list[FieldError]) -> None:
    if not is_e164(value):
        errors.append(
            FieldError(
                name,
                codes.INVALID_PHONENUMBER_FORMAT,
                f"{name} parameter is not in E.164 format: {_shown(value)} must be '+' and 7-15 digits",
            )
        )


def _check_sender(name: str, value: object, errors: list[FieldError]) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(name, codes.PARAMETER_INVALID, f"{name} must be a string"))
    elif value.lstrip("+").isdigit():
        _check_phone(name, value, errors)
    elif not is_alphanumeric_sender(value):
        errors.append(
            FieldError(
                name,
                codes.INVALID_SENDER_ID,
                f"{name} {value!r} is not a valid sender id: E.164 number, or 1-11 characters of "
                "A-Z, a-z, 0-9 and space with at least one letter",
            )
        )


def _check_method(name: str, value: object, errors: list[FieldError]) -> str:
    if _blank(value):
        return "POST"
    if isinstance(value, str) and value.upper() in WEBHOOK_METHODS:
        return value.upper()
    errors.append(FieldError(name, codes.PARAMETER_INVALID, f"{name} {value!r} must be POST or GET"))
    return "POST"


def _check_schedule(value: object, now: float, errors: list[FieldError]) -> float:
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(
            FieldError("Schedule", codes.PARAMETER_INVALID, "Schedule must be an integer of Unix seconds")
        )
        return now
    if value - now > MAX_SCHEDULE_AHEAD_S:
        errors.append(
            FieldError("Schedule", codes.INVALID_SCHEDULE, f"Schedule {value} is more than 14 days ahead")
        )
    elif now - value >= MAX_SCHEDULE_PAST_S:
        errors.append(
            FieldError(
                "Schedule",
                codes.INVALID_SCHEDULE,
                f"Schedule {value} is 1 hour or more in the past (less than 1 hour past is sent now)",
            )
        )
    return max(float(value), now)


def _check_lease_options(data: dict[str, Any], leased: bool, errors: list[FieldError]) -> dict[str, str]:
    given = {name: data[name] for name in LEASE_FIELDS if not _blank(data.get(name))}
    if given and not leased:
        for name in given:
            errors.append(
                FieldError(
                    name, codes.LEASE_REQUIRED, f"{name} is only allowed when From is blank (leased sender)"
                )
            )
        return {}
    if "ForwardToSms" in given:
        _check_phone("ForwardToSms", given["ForwardToSms"], errors)
    if "ForwardFromSms" in given:
        _check_sender("ForwardFromSms", given["ForwardFromSms"], errors)
    for name in ("ForwardToEmail", "ForwardFromEmail"):
        if name in given and not _is_email(given[name]):
            errors.append(FieldError(name, codes.PARAMETER_INVALID, f"{name} must be an email address"))
    if "WebhookUri" in given and not _is_http_url(given["WebhookUri"]):
        errors.append(FieldError("WebhookUri", codes.PARAMETER_INVALID, "WebhookUri must be an http(s) URL"))
    if "WebhookMethod" in given:
        given["WebhookMethod"] = _check_method("WebhookMethod", given["WebhookMethod"], errors)
    return {name: str(value) for name, value in given.items()}


def validate_message(data: object, now: float) -> MessageRequest | list[FieldError]:
    """Check one message; return it ready to store, or every problem found.

    :param data: The message object from the request body.
    :param now: Current sandbox time in Unix seconds.
    """
    if not isinstance(data, dict):
        return [FieldError("", codes.INVALID_REQUEST, "a message must be a JSON object")]
    errors: list[FieldError] = []
    to = data.get("To")
    if _blank(to):
        errors.append(FieldError("To", codes.PARAMETER_REQUIRED, "To is required"))
    else:
        _check_phone("To", to, errors)
    sender = data.get("From")
    leased = _blank(sender)
    if not leased:
        _check_sender("From", sender, errors)
    text = data.get("Text")
    if text is None or text == "":
        errors.append(FieldError("Text", codes.PARAMETER_REQUIRED, "Text is required"))
    elif not isinstance(text, str):
        errors.append(FieldError("Text", codes.PARAMETER_INVALID, "Text must be a string"))
    dispatch_at = _check_schedule(data.get("Schedule"), now, errors)
    receipt = data.get("DeliveryReceipt", True)
    if not isinstance(receipt, bool):
        errors.append(
            FieldError("DeliveryReceipt", codes.PARAMETER_INVALID, "DeliveryReceipt must be true or false")
        )
    uri = data.get("DeliveryReceiptWebhookUri")
    if not _blank(uri) and not _is_http_url(uri):
        errors.append(
            FieldError("DeliveryReceiptWebhookUri", codes.PARAMETER_INVALID, "must be an http(s) URL")
        )
    method = _check_method("DeliveryReceiptWebhookMethod", data.get("DeliveryReceiptWebhookMethod"), errors)
    external_id = data.get("ExternalId")
    if external_id is not None and not isinstance(external_id, str):
        errors.append(FieldError("ExternalId", codes.PARAMETER_INVALID, "ExternalId must be a string"))
    lease_options = _check_lease_options(data, leased, errors)
    errors.extend(
        FieldError(name, codes.PARAMETER_UNKNOWN, f"{name} is not a parameter of a message")
        for name in data
        if name not in GENERAL_FIELDS and name not in LEASE_FIELDS
    )
    if errors:
        return errors
    return MessageRequest(
        to=str(to),
        sender=None if leased else str(sender),
        text=str(text),
        schedule=data.get("Schedule"),
        dispatch_at=dispatch_at,
        delivery_receipt=bool(receipt),
        receipt_webhook_uri=None if _blank(uri) else str(uri),
        receipt_webhook_method=method,
        external_id=external_id,
        lease_options=lease_options,
    )
