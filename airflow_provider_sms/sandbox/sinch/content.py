"""What a batch says: the validated content of a send, replace or dry-run request, and updates to it."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from airflow_provider_sms.sandbox.sinch import fields
from airflow_provider_sms.sandbox.sinch.errors import (
    INVALID_JSON,
    SinchApiError,
    constraint_violation,
    invalid_format,
)
from airflow_provider_sms.sandbox.sinch.parameters import KEY_PATTERN, MAX_VALUE_LENGTH, Parameters

MT_TEXT = "mt_text"
MT_BINARY = "mt_binary"
DELIVERY_REPORT_TYPES = ("none", "summary", "full", "per_recipient", "per_recipient_final")
MAX_RECIPIENTS = 1000
MAX_TEXT_BODY = 2000
MAX_BINARY_BYTES = 140
MAX_CLIENT_REFERENCE = 128
MAX_CALLBACK_URL = 2048
MAX_EXPIRY = timedelta(days=3)
HEX_PATTERN = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")

CONTENT_FIELDS = frozenset(
    {
        "type", "to", "from", "body", "udh", "parameters", "delivery_report", "send_at", "expire_at",
        "callback_url", "client_reference", "feedback_enabled", "flash_message", "truncate_concat",
        "max_number_of_message_parts", "from_ton", "from_npi",
    }
)  # fmt: skip
UPDATE_FIELDS = (CONTENT_FIELDS - {"to"}) | {"to_add", "to_remove"}

T = TypeVar("T")


@dataclass(frozen=True)
class BatchContent:
    """The validated content of a batch; ``None`` means the client did not set the field.

    :param type: ``mt_text`` or ``mt_binary``.
    :param to: Recipients, without duplicates, in the order given.
    :param body: Text (``mt_text``) or Base64 data (``mt_binary``).
    :param sender: The ``from`` field.
    :param udh: Hex user data header (``mt_binary`` only).
    :param parameters: ``{key: {msisdn: value, "default": value}}`` (``mt_text`` only).
    :param delivery_report: Callback type: none, summary, full, per_recipient, per_recipient_final.
    :param send_at: Requested dispatch time.
    :param expire_at: Requested expiry time.
    :param callback_url: Where delivery report callbacks go.
    :param client_reference: The client's own identifier, echoed in reports.
    :param feedback_enabled: Whether delivery feedback is expected.
    :param flash_message: Whether the handset shows the message without storing it.
    :param truncate_concat: Whether a body longer than one part is cut to one part.
    :param max_number_of_message_parts: A message needing more parts is aborted (code 411).
    :param from_ton: Sender type of number, 0-6.
    :param from_npi: Sender numbering plan indicator, 0-18.
    """

    type: str
    to: list[str]
    body: str
    sender: str | None = None
    udh: str | None = None
    parameters: Parameters = field(default_factory=dict)
    delivery_report: str = "none"
    send_at: datetime | None = None
    expire_at: datetime | None = None
    callback_url: str | None = None
    client_reference: str | None = None
    feedback_enabled: bool = False
    flash_message: bool = False
    truncate_concat: bool | None = None
    max_number_of_message_parts: int | None = None
    from_ton: int | None = None
    from_npi: int | None = None

    def dispatch_at(self, submitted_at: datetime) -> datetime:
        """Return when the batch goes out: ``send_at``, or the submission time when absent or past.

        :param submitted_at: When the content was submitted.
        """
        return max(self.send_at, submitted_at) if self.send_at is not None else submitted_at

    def expires_at(self, submitted_at: datetime) -> datetime:
        """Return when undelivered messages expire: ``expire_at``, else three days after dispatch.

        :param submitted_at: When the content was submitted.
        """
        return self.expire_at or self.dispatch_at(submitted_at) + MAX_EXPIRY

    def to_json(self) -> dict[str, Any]:
        """Return the content as request-shaped JSON (dates ISO 8601, unset fields left out)."""
        data = asdict(self)
        data["from"] = data.pop("sender")
        for name in ("send_at", "expire_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        if self.type == MT_BINARY or not self.parameters:
            data.pop("parameters")
        return {key: value for key, value in data.items() if value is not None}


def require_object(data: Any) -> dict[str, Any]:
    """Return the request body if it is a JSON object, else raise ``syntax_invalid_json``.

    :param data: The decoded JSON body.
    """
    if not isinstance(data, dict):
        raise SinchApiError(400, INVALID_JSON, "the request body must be a JSON object")
    return data


def _reject_unknown(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SinchApiError(400, INVALID_JSON, f"{unknown[0]}: unknown field, not in the API specification")


def _check_parameters(value: Any) -> Parameters:
    if not isinstance(value, dict):
        raise invalid_format("parameters", "<" + type(value).__name__ + ">", "must be an object")
    checked: Parameters = {}
    for key, values in value.items():
        if not KEY_PATTERN.match(key):
            raise invalid_format("parameters", key, "keys are 1 to 16 letters, digits, '.', '-' or '_'")
        if not isinstance(values, dict):
            shown = "<" + type(values).__name__ + ">"
            raise invalid_format(f"parameters.{key}", shown, "must be an object")
        checked[key] = {}
        for number, text in values.items():
            where = f"parameters.{key}.{number if number == 'default' else fields.mask_msisdn(number)}"
            if number != "default":
                fields.check_msisdn(f"parameters.{key}", number)
            checked[key][number] = fields.check_string(where, text, max_length=MAX_VALUE_LENGTH)
    return checked


def _check_binary(body: str, udh: str | None) -> None:
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_format("body", body[:40], "must be Base64 for mt_binary") from None
    if udh is None:
        raise constraint_violation("udh", "is required for mt_binary")
    if not HEX_PATTERN.match(udh):
        raise invalid_format("udh", udh, "must be a hex string")
    size = len(data) + len(udh) // 2
    if size > MAX_BINARY_BYTES:
        raise constraint_violation("body", f"body and udh together must be at most 140 bytes, are {size}")


def _check_schedule(send_at: datetime | None, expire_at: datetime | None, now: datetime) -> None:
    if expire_at is None:
        return
    start = send_at if send_at is not None and send_at > now else now
    if expire_at <= start:
        raise constraint_violation("expire_at", "must be after send_at (or after now when send_at is absent)")
    if expire_at > start + MAX_EXPIRY:
        raise constraint_violation("expire_at", "must be at most 3 days after send_at")


def _optional(present: dict[str, Any], name: str, check: Callable[[str, Any], T]) -> T | None:
    return check(name, present[name]) if name in present else None


def parse_content(data: dict[str, Any], now: datetime) -> BatchContent:
    """Validate a send, replace or dry-run body and return its content.

    :param data: The decoded JSON object.
    :param now: The sandbox time, for schedule checks.
    """
    _reject_unknown(data, CONTENT_FIELDS)
    present = {key: value for key, value in data.items() if value is not None}
    kind = fields.check_choice("type", present.get("type", MT_TEXT), (MT_TEXT, MT_BINARY))
    for required in ("to", "body"):
        if required not in present:
            raise constraint_violation(required, "is required")
    to = fields.check_msisdn_list("to", present["to"], min_items=1, max_items=MAX_RECIPIENTS)
    udh = fields.check_string("udh", present["udh"], max_length=280) if "udh" in present else None
    if kind == MT_TEXT:
        body = fields.check_string("body", present["body"], max_length=MAX_TEXT_BODY)
        if udh is not None:
            raise constraint_violation("udh", "is only allowed for mt_binary")
    else:
        body = fields.check_string("body", present["body"], max_length=4 * MAX_BINARY_BYTES)
        _check_binary(body, udh)
        if present.get("parameters"):
            raise constraint_violation("parameters", "are not applicable to mt_binary")
    send_at = _optional(present, "send_at", fields.check_datetime)
    expire_at = _optional(present, "expire_at", fields.check_datetime)
    _check_schedule(send_at, expire_at, now)
    content = BatchContent(
        type=kind,
        to=to,
        body=body,
        udh=udh,
        send_at=send_at,
        expire_at=expire_at,
        sender=_optional(present, "from", fields.check_sender),
        parameters=_optional(present, "parameters", lambda _, value: _check_parameters(value)) or {},
        delivery_report=fields.check_choice(
            "delivery_report", present.get("delivery_report", "none"), DELIVERY_REPORT_TYPES
        ),
        callback_url=_optional(
            present,
            "callback_url",
            lambda name, value: fields.check_url(name, value, max_length=MAX_CALLBACK_URL),
        ),
        client_reference=_optional(
            present,
            "client_reference",
            lambda name, value: fields.check_string(name, value, max_length=MAX_CLIENT_REFERENCE),
        ),
        feedback_enabled=fields.check_bool("feedback_enabled", present.get("feedback_enabled", False)),
        flash_message=fields.check_bool("flash_message", present.get("flash_message", False)),
        truncate_concat=_optional(present, "truncate_concat", fields.check_bool),
        max_number_of_message_parts=_optional(
            present,
            "max_number_of_message_parts",
            lambda name, value: fields.check_int_range(name, value, minimum=1),
        ),
        from_ton=_optional(
            present, "from_ton", lambda name, value: fields.check_int_range(name, value, minimum=0, maximum=6)
        ),
        from_npi=_optional(
            present,
            "from_npi",
            lambda name, value: fields.check_int_range(name, value, minimum=0, maximum=18),
        ),
    )
    check_callback_target(content)
    return content


def check_callback_target(content: BatchContent) -> None:
    """Raise 403 ``missing_callback_url`` when callbacks are requested with nowhere to send them.

    :param content: Validated batch content.
    """
    if content.delivery_report != "none" and content.callback_url is None:
        raise SinchApiError(
            403,
            "missing_callback_url",
            f"delivery_report {content.delivery_report!r} needs a callback_url; the sandbox has no default",
        )


def apply_update(content: BatchContent, data: dict[str, Any], now: datetime) -> BatchContent:
    """Return the content after a ``POST /batches/{id}`` update, validated whole.

    ``to_add`` is applied before ``to_remove``; a field set to ``null`` is cleared.

    :param content: The batch's current content.
    :param data: The decoded update body.
    :param now: The sandbox time, for schedule checks.
    """
    _reject_unknown(data, UPDATE_FIELDS)
    merged = content.to_json()
    recipients = list(content.to)
    if data.get("to_add") is not None:
        recipients += fields.check_msisdn_list(
            "to_add", data["to_add"], min_items=1, max_items=MAX_RECIPIENTS
        )
    if data.get("to_remove") is not None:
        removed = fields.check_msisdn_list(
            "to_remove", data["to_remove"], min_items=1, max_items=MAX_RECIPIENTS
        )
        removed_keys = {fields.number_key(number) for number in removed}
        recipients = [n for n in recipients if fields.number_key(n) not in removed_keys]
    if not recipients:
        raise constraint_violation("to_remove", "would leave the batch with no recipients")
    merged["to"] = recipients
    for key, value in data.items():
        if key not in ("to_add", "to_remove"):
            merged[key] = value
    return parse_content(merged, now)


def with_recipients(content: BatchContent, to: list[str]) -> BatchContent:
    """Return a copy of ``content`` addressed to ``to``.

    :param content: Batch content.
    :param to: New recipient list.
    """
    return replace(content, to=to)
