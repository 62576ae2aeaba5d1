"""Fone Dynamics REST API v2 wire models: requests validated before sending, responses parsed leniently.

Wire names are PascalCase (``From``, ``To``, ``DeliveryReceiptWebhookUri`` …); the models use
snake_case names with those aliases and accept either spelling.

Decisions where the vendor pages disagree or are silent:

- ``ExternalId`` is a *general* field, allowed with any ``From``. The single-send page lists it with the
  general optional parameters, the batch page under the lease-specific ones; it is our idempotency key
  and must work for every sender.
- The lease-only fields (``ForwardToSms``, ``ForwardFromSms``, ``ForwardToEmail``, ``ForwardFromEmail``,
  ``WebhookUri``, ``WebhookMethod``) are rejected when ``From`` is set, even when blank strings: they
  only apply to a leased number, which is used when ``From`` is blank or omitted.
- ``DeliveryReceiptWebhookUri`` is rejected with ``DeliveryReceipt: false``: the vendor never calls it then.
- ``Text`` follows the text rules both vendors share (``MessageText``: text, not blank, no control
  characters but line breaks and tabs, at most ``MAX_MESSAGE_PARTS`` parts): the vendor states no
  length limit, and a text of 131 parts is no message anybody meant to send.
- Email addresses are not checked: the vendor gives no rule, and its own examples carry placeholders
  that are not addresses.
- ``Schedule`` must be less than 1 hour in the past (the vendor sends such a message at once and
  rejects older ones) and at most 14 days ahead, both relative to ``now`` from the validation context
  (``build(..., context={"now": datetime})``), by default the current UTC time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Literal, TypeAlias
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, ValidationInfo, field_validator

from airflow_provider_sms.exceptions import rule_error
from airflow_provider_sms.models.sms import (
    E164Number,
    FoneDynamicsSender,
    MessageState,
    MessageText,
    RequestModel,
    WireModel,
    check_plain_http,
    from_fonedynamics,
    mask_msisdn,
)

# -- timestamps: Unix seconds in UTC on the wire, aware datetimes accepted from callers ----------------------
TIMESTAMP_RULE = "must be Unix seconds (int) or a timezone-aware datetime"


def to_unix_seconds(value: object) -> object:
    """Before-validator: turn an aware datetime into Unix seconds; reject naive datetimes and bools.

    Anything else is left for pydantic's ``int`` check.

    :param value: The raw field value.
    """
    if isinstance(value, bool):
        raise rule_error(repr(value), TIMESTAMP_RULE)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise rule_error(value.isoformat(), TIMESTAMP_RULE)
        return int(value.timestamp())
    return value


def context_now(info: ValidationInfo) -> int:
    """Return "now" in Unix seconds: the aware datetime (or int) under ``now`` in the validation
    context, else the current UTC time.

    :param info: The validator's info, whose ``context`` may hold ``{"now": datetime}``.
    """
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now")
    if now is None:
        return int(datetime.now(timezone.utc).timestamp())
    if isinstance(now, datetime) and now.utcoffset() is not None:
        return int(now.timestamp())
    if isinstance(now, int) and not isinstance(now, bool):
        return now
    raise rule_error(repr(now), "the validation context's 'now' must be a timezone-aware datetime")


# -- webhook fields of a send request: callback URI and HTTP method ------------------------------------------
WEBHOOK_URI_RULE = "must be an absolute http:// or https:// URL with a host"
WEBHOOK_METHOD_RULE = "must be POST or GET (any case)"


def check_webhook_uri(value: str, info: ValidationInfo) -> str:
    """Validator: accept an absolute http(s) URL.

    A callback URL may carry a secret token in its path or query, so the error shows it masked. The vendor
    calls it with receipts or replies, phone numbers included: plain ``http://`` to another machine is
    refused unless the validation context allows it (:func:`check_plain_http`).

    :param value: The URI.
    :param info: The validator's info; its ``context`` may allow plain http.
    """
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise rule_error(mask_msisdn(value), WEBHOOK_URI_RULE)
    check_plain_http(value, info, mask_msisdn(value))
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


# -- response envelopes: the vendor sends some lists bare and some wrapped in an object ----------------------
def unwrap_list(data: object, key: str) -> list[object]:
    """Return ``data`` if it is a JSON array, or the array under ``key`` if it is an object wrapping one.

    :param data: The decoded JSON body.
    :param key: The wrapping object's key, e.g. ``Messages``.
    :raises ValueError: If ``data`` is neither.
    """
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping) and isinstance(data.get(key), list):
        return list(data[key])
    keys = sorted(str(k) for k in data) if isinstance(data, Mapping) else None
    shape = f"an object with keys {keys}" if keys is not None else f"<{type(data).__name__}>"
    raise ValueError(f"expected a JSON array or an object with a {key!r} array, got {shape}")


# -- messages: the send request (one or a batch) and the Message resource ------------------------------------
SCHEDULE_MAX_AHEAD_SECONDS = 14 * 24 * 3600
SCHEDULE_MAX_PAST_SECONDS = 3600
LEASE_ONLY_FIELDS = (
    "forward_to_sms",
    "forward_from_sms",
    "forward_to_email",
    "forward_from_email",
    "webhook_uri",
    "webhook_method",
)

UnixSeconds = Annotated[int, BeforeValidator(to_unix_seconds)]


class FoneMessageRequest(RequestModel):
    """One message: the body of ``POST /v2/Properties/{PropertySid}/Messages``, or one item of a batch.

    :param from_: Sender id (``From``): E.164 or alphanumeric; blank or omitted sends from a leased number.
    :param to: Recipient in E.164 format.
    :param text: Message body.
    :param schedule: When to send: Unix seconds UTC or an aware datetime (sent as Unix seconds).
    :param delivery_receipt: Whether to request a delivery receipt (vendor default: true).
    :param delivery_receipt_webhook_uri: URL the vendor calls with the delivery receipt.
    :param delivery_receipt_webhook_method: ``POST`` or ``GET`` for that call.
    :param external_id: Caller-defined id kept on the message; our idempotency key.
    :param forward_to_sms: Lease only: forward replies to this E.164 number.
    :param forward_from_sms: Lease only: sender id for forwarded replies (blank: the replier's).
    :param forward_to_email: Lease only: forward replies to this email address.
    :param forward_from_email: Lease only: sender address for forwarded replies.
    :param webhook_uri: Lease only: URL the vendor calls with each reply.
    :param webhook_method: Lease only: ``POST`` or ``GET`` for that call.
    """

    from_: FoneDynamicsSender | None = Field(default=None, alias="From")
    to: E164Number = Field(alias="To")
    text: MessageText = Field(alias="Text")
    schedule: UnixSeconds | None = Field(default=None, alias="Schedule")
    delivery_receipt: bool | None = Field(default=None, alias="DeliveryReceipt")
    delivery_receipt_webhook_uri: WebhookUri | None = Field(default=None, alias="DeliveryReceiptWebhookUri")
    delivery_receipt_webhook_method: WebhookMethod | None = Field(
        default=None, alias="DeliveryReceiptWebhookMethod"
    )
    forward_to_sms: E164Number | None = Field(default=None, alias="ForwardToSms")
    forward_from_sms: FoneDynamicsSender | None = Field(default=None, alias="ForwardFromSms")
    forward_to_email: str | None = Field(default=None, alias="ForwardToEmail")
    forward_from_email: str | None = Field(default=None, alias="ForwardFromEmail")
    webhook_uri: WebhookUri | None = Field(default=None, alias="WebhookUri")
    webhook_method: WebhookMethod | None = Field(default=None, alias="WebhookMethod")
    external_id: str | None = Field(default=None, alias="ExternalId")

    @property
    def uses_leased_number(self) -> bool:
        """Whether the message is sent from a leased number (``From`` blank or omitted)."""
        return not self.from_

    @field_validator("schedule")
    @classmethod
    def _schedule_in_window(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return value
        now = context_now(info)
        if value > now + SCHEDULE_MAX_AHEAD_SECONDS:
            raise rule_error(str(value), f"must be at most 14 days after now ({now})")
        if value <= now - SCHEDULE_MAX_PAST_SECONDS:
            raise rule_error(str(value), f"must be less than 1 hour before now ({now})")
        return value

    @field_validator("delivery_receipt_webhook_uri")
    @classmethod
    def _receipt_webhook_needs_receipt(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("delivery_receipt") is False:
            raise rule_error(
                mask_msisdn(value),
                "is never called when DeliveryReceipt is false; drop it or request a receipt",
            )
        return value

    @field_validator(*LEASE_ONLY_FIELDS)
    @classmethod
    def _only_with_leased_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        sender = info.data.get("from_")
        if value is not None and sender:
            raise rule_error(
                mask_msisdn(value),
                "only applies to a leased number: allowed only when From is blank or omitted",
            )
        return value


class FoneBatchMessagesRequest(RequestModel):
    """The body of ``POST /v2/Properties/{PropertySid}/BatchMessages``.

    :param messages: The messages, at least one.
    """

    messages: list[FoneMessageRequest] = Field(alias="Messages")

    @field_validator("messages")
    @classmethod
    def _at_least_one(cls, value: list[FoneMessageRequest]) -> list[FoneMessageRequest]:
        if not value:
            raise rule_error("[]", "must hold at least one message")
        return value


class FoneMessage(WireModel):
    """The Message resource (send response, ``GET /v2/Messages/{MessageSid}``, list and batch items).

    Every field is optional because the vendor fills them per endpoint and status; timestamps are Unix
    seconds UTC. Fields this model does not name are kept in ``model_extra``.
    """

    message_sid: str | None = Field(default=None, alias="MessageSid")
    account_sid: str | None = Field(default=None, alias="AccountSid")
    property_sid: str | None = Field(default=None, alias="PropertySid")
    from_: str | None = Field(default=None, alias="From")
    to: str | None = Field(default=None, alias="To")
    text: str | None = Field(default=None, alias="Text")
    delivery_receipt: bool | None = Field(default=None, alias="DeliveryReceipt")
    num_segments: int | None = Field(default=None, alias="NumSegments")
    status: str | None = Field(default=None, alias="Status")
    direction: str | None = Field(default=None, alias="Direction")
    scheduled: int | None = Field(default=None, alias="Scheduled")
    created: int | None = Field(default=None, alias="Created")
    submitted: int | None = Field(default=None, alias="Submitted")
    delivered: int | None = Field(default=None, alias="Delivered")
    received: int | None = Field(default=None, alias="Received")
    error_code: str | None = Field(default=None, alias="ErrorCode")
    external_id: str | None = Field(default=None, alias="ExternalId")

    @property
    def state(self) -> MessageState:
        """The message's status in the neutral vocabulary (unknown and not final when absent)."""
        return from_fonedynamics(self.status or "", self.error_code, delivery_receipt=self.delivery_receipt)


def parse_message_response(data: object) -> FoneMessage:
    """Parse a Message resource, wrapped as ``{"Message": {...}}`` (send, get) or bare.

    :param data: The decoded JSON body.
    :raises ValueError: (a ``pydantic.ValidationError``, input hidden) if the body is not an object.
    """
    if isinstance(data, Mapping) and isinstance(data.get("Message"), Mapping):
        data = data["Message"]
    return FoneMessage.model_validate(data)


# -- batch send response: one item per message, each a Message resource or an error --------------------------
class FoneFieldError(WireModel):
    """A request field the vendor blamed.

    :param field_name: The field's wire name, e.g. ``To``.
    """

    field_name: str | None = Field(default=None, alias="FieldName")


class FoneBatchItemError(WireModel):
    """A batch item that was not accepted.

    :param error_code: The vendor's code, e.g. ``INVALID_PHONENUMBER_FORMAT``.
    :param message: The vendor's text.
    :param errors: The fields it blamed.
    """

    error_code: str | None = Field(default=None, alias="ErrorCode")
    message: str | None = Field(default=None, alias="Message")
    errors: list[FoneFieldError] = Field(default_factory=list, alias="Errors")


#: One item of a batch response, in request order.
FoneBatchItemResult: TypeAlias = FoneMessage | FoneBatchItemError


def parse_batch_response(data: object) -> list[FoneBatchItemResult]:
    """Parse a batch response: a JSON array, or an object wrapping it under ``Messages``.

    An item with a ``MessageSid`` was accepted (:class:`FoneMessage`), any other is a
    :class:`FoneBatchItemError`; the order of the request is kept.

    :param data: The decoded JSON body.
    :raises ValueError: If the body is not such an array (e.g. a whole-request ``ResponseStatus``
        error, which :func:`~airflow_provider_sms.models.fonedynamics.parse_error_body` reads)
        or an item is not an object.
    """
    results: list[FoneBatchItemResult] = []
    for item in unwrap_list(data, "Messages"):
        if isinstance(item, Mapping) and item.get("MessageSid"):
            results.append(FoneMessage.model_validate(item))
        else:
            results.append(FoneBatchItemError.model_validate(item))
    return results


@dataclass(frozen=True)
class FoneBatchSummary:
    """What a send needs of a batch response: counts and the refusals, no model per accepted message.

    :param results: Items in the response (one per message sent).
    :param accepted: Messages accepted.
    :param created: The earliest ``Created`` of an accepted message (Unix seconds), if any.
    :param errors: ``(index, error)`` of each refused message.
    """

    results: int
    accepted: int
    created: int | None
    errors: tuple[tuple[int, FoneBatchItemError], ...]


def summarize_batch_response(data: object) -> FoneBatchSummary:
    """Summarize a batch response (see :func:`parse_batch_response`), reading only what a send needs.

    :param data: The decoded JSON body.
    :raises ValueError: as :func:`parse_batch_response`.
    """
    items = unwrap_list(data, "Messages")
    accepted, created, errors = 0, None, []
    for index, item in enumerate(items):
        if not (isinstance(item, Mapping) and item.get("MessageSid")):
            errors.append((index, FoneBatchItemError.model_validate(item)))
            continue
        accepted += 1
        stamp = item.get("Created")
        if stamp is not None and (type(stamp) is not int):
            stamp = FoneMessage.model_validate(item).created  # the model's reading of an unusual value
        if stamp is not None:
            created = stamp if created is None else min(created, stamp)
    return FoneBatchSummary(len(items), accepted, created, tuple(errors))


# -- error bodies: ``{"ResponseStatus": {"ErrorCode": ..., "Message": ..., "Errors": [...]}}`` ---------------
class FoneResponseStatus(WireModel):
    """A whole-request error.

    :param error_code: The vendor's code, e.g. ``FormatException``.
    :param message: The vendor's text.
    :param errors: The fields it blamed (only some errors carry them).
    """

    error_code: str | None = Field(default=None, alias="ErrorCode")
    message: str | None = Field(default=None, alias="Message")
    errors: list[FoneFieldError] = Field(default_factory=list, alias="Errors")


def parse_error_body(data: object) -> tuple[str | None, str | None, list[str]]:
    """Return ``(code, text, field names)`` from an error body, and Nones for whatever is missing or odd.

    Never raises: an error body is read while another error is being reported.

    :param data: The decoded JSON body (any type, ``None`` if it was not JSON).
    """
    status = data.get("ResponseStatus") if isinstance(data, Mapping) else None
    if not isinstance(status, Mapping):
        return None, None, []
    try:
        parsed = FoneResponseStatus.model_validate(status)
    except ValidationError:
        return _text_or_none(status.get("ErrorCode")), _text_or_none(status.get("Message")), []
    fields = [error.field_name for error in parsed.errors if error.field_name]
    return parsed.error_code or None, parsed.message or None, fields


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# -- message search: ``GET /v2/Properties/{PropertySid}/Messages`` query and response ------------------------
MessageStatusName = Literal["Processing", "Submitted", "Delivered", "Failed", "Received"]
DirectionName = Literal["Transmit", "Receive"]
_STATUSES: tuple[MessageStatusName, ...] = ("Processing", "Submitted", "Delivered", "Failed", "Received")
_DIRECTIONS: tuple[DirectionName, ...] = ("Transmit", "Receive")


def _canonical(choices: tuple[str, ...]) -> BeforeValidator:
    """Before-validator: match one of ``choices`` in any case and return the vendor's spelling."""
    by_lower = {choice.lower(): choice for choice in choices}

    def normalize(value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in by_lower:
            return by_lower[value.strip().lower()]
        shown = repr(value) if isinstance(value, str) else f"<{type(value).__name__}>"
        raise rule_error(shown, f"must be one of {', '.join(choices)} (any case)")

    return BeforeValidator(normalize)


#: The largest page of a message search. The vendor documents 200 as the default and states no maximum for
#: messages (its number listings stop at 200). A server that quietly returned fewer than asked would end the
#: paging early and lose messages, so a larger page is refused rather than trusted.
RESULTS_COUNT_MAX = 200
RESULTS_COUNT_RULE = (
    f"must be a page size from 1 to {RESULTS_COUNT_MAX} (Fone Dynamics' documented page size)"
)


class FoneMessageListQuery(RequestModel):
    """Search messages of a property sent or received in ``[date_from, date_to)``.

    :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
    :param date_to: End, exclusive, after ``date_from``.
    :param status: Only messages in this status.
    :param direction: Only ``Transmit`` (sent) or ``Receive`` (received) messages.
    :param results_count: Page size, 1 to :data:`RESULTS_COUNT_MAX` (vendor default 200).
    :param results_skip: Messages to skip: the pagination offset.
    """

    date_from: UnixSeconds = Field(alias="Date_From")
    date_to: UnixSeconds = Field(alias="Date_To")
    status: Annotated[MessageStatusName, _canonical(_STATUSES)] | None = Field(default=None, alias="Status")
    direction: Annotated[DirectionName, _canonical(_DIRECTIONS)] | None = Field(
        default=None, alias="Direction"
    )
    results_count: int | None = Field(default=None, alias="Results_Count")
    results_skip: int | None = Field(default=None, alias="Results_Skip")

    @field_validator("date_to")
    @classmethod
    def _after_date_from(cls, value: int, info: ValidationInfo) -> int:
        date_from = info.data.get("date_from")
        if date_from is not None and value <= date_from:
            raise rule_error(str(value), f"must be after Date_From ({date_from}); Date_To is exclusive")
        return value

    @field_validator("results_count")
    @classmethod
    def _page_size(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= RESULTS_COUNT_MAX:
            raise rule_error(str(value), RESULTS_COUNT_RULE)
        return value

    @field_validator("results_skip")
    @classmethod
    def _not_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise rule_error(str(value), "must be 0 or more")
        return value

    def to_params(self) -> dict[str, str]:
        """Return the query-string parameters by wire name, without unset ones."""
        return {name: str(value) for name, value in self.to_wire().items()}


def parse_message_list(data: object) -> list[FoneMessage]:
    """Parse a search response: an array of Message resources, bare or wrapped under ``Messages``.

    :param data: The decoded JSON body.
    :raises ValueError: If the body is neither, or an item is not an object.
    """
    return [FoneMessage.model_validate(item) for item in unwrap_list(data, "Messages")]
