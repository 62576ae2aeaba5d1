"""Pydantic models of the Sinch SMS REST API ("XMS" batches): requests, responses, queries, errors.

Send, dry run and replace take the same body (:class:`SinchTextBatchRequest` or
:class:`SinchBinaryBatchRequest`); update takes :class:`SinchUpdateBatchRequest`; every endpoint that
returns a batch returns :class:`SinchBatch`. Delivery reports and their queries are in
``models/sinch_reports.py``.

Limits where the Sinch documents disagree:

* ``body`` of a text batch: the current reference says 0..2000 characters, older sections 1600. Send
  and replace accept 2000 (the current contract); the update endpoint's own reference still says 1600.
  Every text body also follows the text rules both vendors share (``check_message_text``: not blank,
  no control characters but line breaks and tabs; at most ``MAX_MESSAGE_PARTS`` parts unless
  ``max_number_of_message_parts`` says otherwise).
* ``client_reference``: the current send reference says up to 2048 characters, while the dry-run,
  replace, get and cancel sections and the older docs say 128. A reference longer than 128 could be
  rejected or truncated by the stricter paths, which would break looking a batch up by it (the
  provider's idempotency key), so 128 is the limit everywhere.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from airflow_provider_sms.exceptions import rule_error
from airflow_provider_sms.models.sms import (
    CONTROL_RULE,
    MAX_MESSAGE_PARTS,
    E164Number,
    RequestModel,
    SinchSender,
    WireModel,
    check_message_text,
    check_parts,
    check_plain_http,
    forbidden_char,
    is_e164,
    mask_msisdn,
)


class SinchResponse(WireModel):
    """A Sinch response body, parsed leniently.

    The documented samples give phone numbers as JSON numbers (``"to": [15551231234]``) and counts as
    strings (``"count": "2"``): both are coerced to the declared type. Unknown fields are kept.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)


# -- date-times: timezone-aware on the way in, UTC with milliseconds and ``Z`` on the wire -------------------
#: Sinch's ``expire_at`` default and maximum, counted from ``send_at`` (or from now).
MAX_EXPIRY = timedelta(days=3)

ISO_DATETIME_RULE = "must be a timezone-aware datetime or an ISO-8601 date-time with an offset"
NAIVE_RULE = (
    "a naive date-time has no timezone and is ambiguous: pass an aware datetime "
    "or an ISO-8601 string with an offset such as 'Z' or '+10:00'"
)
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATETIME = TypeAdapter(datetime)


def format_sinch_datetime(value: datetime) -> str:
    """Return ``value`` in the wire format Sinch documents: UTC ``YYYY-MM-DDThh:mm:ss.SSSZ``.

    :param value: A timezone-aware datetime.
    """
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def parse_aware_datetime(value: object) -> datetime:
    """Validator: accept an aware datetime or an ISO-8601 string with an offset; reject naive ones."""
    if isinstance(value, str):
        if not _ISO_PREFIX.match(value):
            raise rule_error(repr(value[:40]), ISO_DATETIME_RULE)
        try:
            parsed = _DATETIME.validate_python(value)
        except ValidationError:
            raise rule_error(repr(value[:40]), ISO_DATETIME_RULE) from None
        value = parsed
    if not isinstance(value, datetime):
        raise rule_error(f"<{type(value).__name__}>", ISO_DATETIME_RULE)
    if value.tzinfo is None or value.utcoffset() is None:
        raise rule_error(value.isoformat(), NAIVE_RULE)
    return value


def now_from_context(context: object) -> datetime:
    """Return the ``now`` a validation context fixes (for repeatable checks), else the current UTC time.

    :param context: The pydantic validation context, e.g. ``{"now": datetime(...)}``.
    """
    if isinstance(context, Mapping):
        now = context.get("now")
        if isinstance(now, datetime) and now.utcoffset() is not None:
            return now
    return datetime.now(timezone.utc)


def check_expiry(expire_at: datetime, send_at: datetime | None, now: datetime) -> None:
    """Raise a rule error unless ``expire_at`` is after the send time and at most 3 days after it.

    :param expire_at: The requested expiry.
    :param send_at: The requested send time, or ``None`` for an immediate send (then ``now`` counts).
    :param now: The current time.
    """
    start, start_name = (send_at, "send_at") if send_at is not None else (now, "now")
    shown = format_sinch_datetime(expire_at)
    if expire_at <= start:
        raise rule_error(shown, f"must be after {start_name} ({format_sinch_datetime(start)})")
    if expire_at - start > MAX_EXPIRY:
        raise rule_error(shown, f"must be at most 3 days after {start_name} ({format_sinch_datetime(start)})")


def check_after_now(value: datetime, now: datetime) -> None:
    """Raise a rule error unless ``value`` is in the future.

    :param value: The date-time to check.
    :param now: The current time.
    """
    if value <= now:
        raise rule_error(format_sinch_datetime(value), f"must be after now ({format_sinch_datetime(now)})")


#: A request date-time: aware datetime or ISO-8601 string in, ``YYYY-MM-DDThh:mm:ss.SSSZ`` (UTC) out.
SinchDateTime = Annotated[
    datetime,
    BeforeValidator(parse_aware_datetime),
    PlainSerializer(format_sinch_datetime, return_type=str, when_used="json"),
]


# -- field types of the request models; each error names value and rule --------------------------------------
TEXT_BODY_MAX_CHARS = 2000
UPDATE_BODY_MAX_CHARS = 1600
CLIENT_REFERENCE_MAX_CHARS = 128
CALLBACK_URL_MAX_CHARS = 2048
MAX_RECIPIENTS = 1000

DELIVERY_REPORT_TYPES = ("none", "summary", "full", "per_recipient", "per_recipient_final")

_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*\Z")


def max_chars(limit: int) -> AfterValidator:
    """Return a validator that accepts a string of at most ``limit`` characters.

    The error shows the length only: bodies and references may hold personal data.

    :param limit: The maximum number of characters.
    """

    def check(value: str) -> str:
        if len(value) > limit:
            raise rule_error(f"<{len(value)} characters>", f"must be at most {limit} characters")
        return value

    return AfterValidator(check)


def int_between(low: int, high: int | None = None) -> AfterValidator:
    """Return a validator that accepts an integer in ``low..high`` (no upper bound when ``high`` is None).

    :param low: The smallest accepted value.
    :param high: The largest accepted value.
    """
    rule = f"must be between {low} and {high}" if high is not None else f"must be at least {low}"

    def check(value: int) -> int:
        if value < low or (high is not None and value > high):
            raise rule_error(str(value), rule)
        return value

    return AfterValidator(check)


def count_between(low: int, high: int, noun: str) -> BeforeValidator:
    """Return a validator that accepts a list of ``low..high`` items, checked before the items are.

    :param low: The fewest items accepted.
    :param high: The most items accepted.
    :param noun: What the items are, for the error text.
    """

    def check(value: object) -> object:
        if isinstance(value, (list, tuple)) and not low <= len(value) <= high:
            raise rule_error(f"<{len(value)} {noun}>", f"must hold {low} to {high} {noun}")
        return value

    return BeforeValidator(check)


def no_duplicates(field: str) -> AfterValidator:
    """Return a validator that rejects a phone number listed twice (each copy would be charged).

    :param field: The field's wire name, used to name both positions in the error.
    """

    def check(numbers: list[str]) -> list[str]:
        first_at: dict[str, int] = {}
        clashes: list[tuple[int, int]] = []
        for position, number in enumerate(numbers):
            if number in first_at:
                clashes.append((first_at[number], position))
            else:
                first_at[number] = position
        if clashes:
            first, second = clashes[0]
            more = f" (and {len(clashes) - 1} more duplicates)" if len(clashes) > 1 else ""
            raise rule_error(
                mask_msisdn(numbers[second]),
                f"{field}[{first}] and {field}[{second}] are the same number; "
                f"a recipient listed twice is charged twice{more}",
            )
        return numbers

    return AfterValidator(check)


def one_of(allowed: Sequence[str]) -> BeforeValidator:
    """Return a validator that accepts only one of ``allowed`` (and says which values are allowed).

    :param allowed: The accepted values.
    """
    rule = "must be one of " + ", ".join(allowed)

    def check(value: object) -> object:
        if value not in allowed:
            shown = repr(value) if isinstance(value, str) else f"<{type(value).__name__}>"
            raise rule_error(shown, rule)
        return value

    return BeforeValidator(check)


def split_csv(value: object) -> object:
    """Validator: turn a comma-separated string into a list, so list filters accept ``"a,b"`` too."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_callback_url(value: str, info: ValidationInfo) -> str:
    """Validator: accept an absolute ``http``/``https`` URL of at most 2048 characters.

    Sinch posts delivery reports, phone numbers included, to it: plain ``http://`` to another machine is
    refused unless the validation context allows it (:func:`check_plain_http`).

    :param value: The URL.
    :param info: The validator's info; its ``context`` may allow plain http.
    """
    if len(value) > CALLBACK_URL_MAX_CHARS:
        raise rule_error(f"<{len(value)} characters>", f"must be at most {CALLBACK_URL_MAX_CHARS} characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not _has_valid_port(value):
        raise rule_error(describe_url(value), "must be an absolute http:// or https:// URL")
    check_plain_http(value, info, describe_url(value))
    return value


def describe_url(value: str) -> str:
    """Return ``value`` fit for an error message: no user info, no query string (either may hold secrets).

    :param value: The URL.
    """
    parts = urlsplit(value)
    if not parts.netloc:
        return repr(value[:40])
    host = parts.hostname or ""
    port = f":{parts.port}" if _has_valid_port(value) and parts.port is not None else ""
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{query}"


def _has_valid_port(url: str) -> bool:
    """Return whether the URL has no port or a port in 0..65535 (``urlsplit`` raises on others)."""
    try:
        port = urlsplit(url).port
    except ValueError:
        return False
    return port is None or port >= 0


def check_hex(value: str) -> str:
    """Validator: accept a string of hexadecimal byte pairs (a binary message's ``udh``)."""
    if not _HEX.match(value):
        raise rule_error(repr(value[:40]), "must be hexadecimal, two digits per byte")
    return value


#: A recipient list of 1 to 1000 E.164 numbers.
Recipients = Annotated[list[E164Number], count_between(1, MAX_RECIPIENTS, "recipients")]
#: A batch's ``to``: 1 to 1000 E.164 numbers, none twice.
BatchRecipients = Annotated[
    list[E164Number], count_between(1, MAX_RECIPIENTS, "recipients"), no_duplicates("to")
]
DeliveryReportType = Annotated[
    Literal["none", "summary", "full", "per_recipient", "per_recipient_final"],
    one_of(DELIVERY_REPORT_TYPES),
]
CallbackUrl = Annotated[str, AfterValidator(check_callback_url)]
ClientReference = Annotated[str, max_chars(CLIENT_REFERENCE_MAX_CHARS)]
#: Text (see ``check_message_text``) of at most 2000 characters; parts: ``max_number_of_message_parts``.
TextBody = Annotated[str, BeforeValidator(check_message_text), max_chars(TEXT_BODY_MAX_CHARS)]
UpdateBody = Annotated[str, max_chars(UPDATE_BODY_MAX_CHARS)]
Udh = Annotated[str, AfterValidator(check_hex)]
PartCount = Annotated[int, int_between(1)]
FromTon = Annotated[int, int_between(0, 6)]
FromNpi = Annotated[int, int_between(0, 18)]
Page = Annotated[int, int_between(0)]
PageSize = Annotated[int, int_between(1, 100)]


# -- binary content: a Base64 ``body`` and a hex ``udh`` that together fit in one 140-byte SMS ---------------
MAX_BINARY_BYTES = 140
BASE64_RULE = "must be Base64 (standard alphabet, padded)"
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")


def decoded_size(body: str) -> int:
    """Return how many bytes the Base64 text ``body`` decodes to."""
    return len(base64.b64decode(body, validate=True))


def check_base64(value: str) -> str:
    """Validator: accept standard padded Base64 text; the error shows the length only."""
    if not _BASE64.match(value):
        raise rule_error(f"<{len(value)} characters>", BASE64_RULE)
    return value


def base64_text(value: object) -> object:
    """Before-validator of a binary body: bytes are refused with the way to encode them, not decoded."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        rule = "is bytes: a binary body is Base64 text, e.g. base64.b64encode(data).decode('ascii')"
        raise rule_error(f"<{len(value)} bytes>", rule)
    return value


def check_binary_size(body: str | None, udh: str) -> None:
    """Raise a rule error (for the ``udh`` field) when body and udh bytes exceed 140 together.

    :param body: The already validated Base64 body, or ``None`` when unknown.
    :param udh: The already validated hex UDH.
    """
    if body is None:
        return
    body_bytes = decoded_size(body)
    udh_bytes = len(udh) // 2
    if body_bytes + udh_bytes > MAX_BINARY_BYTES:
        raise rule_error(
            f"<{udh_bytes} udh bytes + {body_bytes} body bytes>",
            f"body and udh together must be at most {MAX_BINARY_BYTES} bytes",
        )


#: A binary message body: Base64 text.
Base64Body = Annotated[str, BeforeValidator(base64_text), AfterValidator(check_base64)]


# -- ``parameters``: per-recipient values for ``${key}`` placeholders ----------------------------------------
PARAMETER_KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,16}\Z")
PARAMETER_VALUE_MAX_CHARS = 160
DEFAULT_KEY = "default"

KEY_RULE = "a parameter key must be 1-16 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
RECIPIENT_RULE = "each key inside a parameter must be an E.164 recipient or 'default'"
VALUE_RULE = f"a parameter value must be a string of at most {PARAMETER_VALUE_MAX_CHARS} characters"
SHAPE_RULE = "must map each parameter key to an object of {recipient or 'default': value}"


def check_parameters(value: object) -> object:
    """Validator: check every key, recipient and value of ``parameters``; report the first problem.

    :param value: The raw ``parameters`` value.
    """
    if not isinstance(value, Mapping):
        raise rule_error(f"<{type(value).__name__}>", SHAPE_RULE)
    problems = [problem for key, values in value.items() for problem in _parameter_problems(key, values)]
    if problems:
        shown, rule = problems[0]
        more = f" (and {len(problems) - 1} more problems in parameters)" if len(problems) > 1 else ""
        raise rule_error(shown, rule + more)
    return value


def _parameter_problems(key: object, values: object) -> list[tuple[str, str]]:
    if not isinstance(key, str) or not PARAMETER_KEY_PATTERN.match(key):
        return [(repr(key), KEY_RULE)]
    if not isinstance(values, Mapping):
        return [(f"{key}=<{type(values).__name__}>", SHAPE_RULE)]
    problems: list[tuple[str, str]] = []
    for recipient, text in values.items():
        if not isinstance(recipient, str) or not (recipient == DEFAULT_KEY or is_e164(recipient)):
            problems.append((f"{key}[{mask_msisdn(recipient)}]", RECIPIENT_RULE))
        elif not isinstance(text, str):
            problems.append((f"{key}[{mask_msisdn(recipient)}]=<{type(text).__name__}>", VALUE_RULE))
        elif len(text) > PARAMETER_VALUE_MAX_CHARS:
            # The value may be personal data (a name): show its length only.
            problems.append((f"{key}[{mask_msisdn(recipient)}]=<{len(text)} characters>", VALUE_RULE))
        elif (bad := forbidden_char(text)) is not None:
            problems.append((f"{key}[{mask_msisdn(recipient)}]={bad}", CONTROL_RULE))
    return problems


#: ``{key: {recipient or "default": value}}``, checked as a whole by :func:`check_parameters`.
Parameters = Annotated[dict[str, dict[str, str]], BeforeValidator(check_parameters)]


# -- batches: send, dry run, replace and update bodies, the batch response, delivery feedback ----------------
class _SinchBatchFields(RequestModel):
    """Fields shared by text and binary batches (send, dry run, replace)."""

    to: BatchRecipients
    from_: SinchSender | None = Field(default=None, alias="from")
    delivery_report: DeliveryReportType | None = None
    send_at: SinchDateTime | None = None
    expire_at: SinchDateTime | None = None
    callback_url: CallbackUrl | None = None
    client_reference: ClientReference | None = None
    feedback_enabled: bool | None = None
    flash_message: bool | None = None
    truncate_concat: bool | None = None
    max_number_of_message_parts: PartCount | None = None
    from_ton: FromTon | None = None
    from_npi: FromNpi | None = None

    @field_validator("expire_at")
    @classmethod
    def _expire_after_send(cls, expire_at: datetime | None, info: ValidationInfo) -> datetime | None:
        # An invalid send_at is missing from info.data and already reported; comparing with it is moot.
        if expire_at is not None and "send_at" in info.data:
            check_expiry(expire_at, info.data["send_at"], now_from_context(info.context))
        return expire_at


class SinchTextBatchRequest(_SinchBatchFields):
    """A text batch (``mt_text``): the body of send, dry run and replace.

    ``body`` may hold up to 2000 characters (the current Sinch reference; older sections said 1600).
    ``${key}`` placeholders in it are filled from ``parameters`` per recipient. Pass a ``{"now": ...}``
    validation context to :meth:`build` to fix the time that ``expire_at`` is checked against.
    """

    type: Literal["mt_text"] = "mt_text"
    body: TextBody
    parameters: Parameters | None = None

    @field_validator("body")
    @classmethod
    def _fits_max_parts(cls, body: str, info: ValidationInfo) -> str:
        # As written (the send operator counts each recipient's text); truncate_concat cuts it to one part.
        limit = info.data.get("max_number_of_message_parts") or MAX_MESSAGE_PARTS
        return body if info.data.get("truncate_concat") else check_parts(body, limit)


class SinchBinaryBatchRequest(_SinchBatchFields):
    """A binary batch (``mt_binary``): Base64 ``body`` and hex ``udh``, at most 140 bytes together.

    ``udh`` is required; an empty string (no header) is accepted. Binary batches take no ``parameters``.
    """

    type: Literal["mt_binary"] = "mt_binary"
    body: Base64Body
    udh: Udh

    @field_validator("udh")
    @classmethod
    def _fits_one_message(cls, udh: str, info: ValidationInfo) -> str:
        check_binary_size(info.data.get("body"), udh)
        return udh


class SinchUpdateBatchRequest(RequestModel):
    """Changes to a batch not yet sent (POST ``/batches/{id}``): every field optional, at least one set.

    ``body`` may hold up to 1600 characters, as the update reference says; with ``type="mt_binary"``
    it must be Base64 and fit in 140 bytes together with ``udh``.
    """

    type: Literal["mt_text", "mt_binary"] | None = None
    from_: SinchSender | None = Field(default=None, alias="from")
    body: UpdateBody | None = None
    udh: Udh | None = None
    to_add: Annotated[Recipients, no_duplicates("to_add")] | None = None
    to_remove: Recipients | None = None
    delivery_report: DeliveryReportType | None = None
    send_at: SinchDateTime | None = None
    expire_at: SinchDateTime | None = None
    callback_url: CallbackUrl | None = None
    parameters: Parameters | None = None

    @field_validator("body", mode="before")
    @classmethod
    def _text_or_base64(cls, body: object, info: ValidationInfo) -> object:
        if body is None or info.data.get("type") == "mt_binary":
            return base64_text(body)
        return check_parts(check_message_text(body))

    @field_validator("body")
    @classmethod
    def _binary_body_is_base64(cls, body: str | None, info: ValidationInfo) -> str | None:
        if body is not None and info.data.get("type") == "mt_binary":
            check_base64(body)
        return body

    @field_validator("udh")
    @classmethod
    def _binary_fits_one_message(cls, udh: str | None, info: ValidationInfo) -> str | None:
        if udh is not None and info.data.get("type") == "mt_binary":
            check_binary_size(info.data.get("body"), udh)
        return udh

    @field_validator("expire_at")
    @classmethod
    def _expire_after_send(cls, expire_at: datetime | None, info: ValidationInfo) -> datetime | None:
        if expire_at is None or "send_at" not in info.data:
            return expire_at
        now = now_from_context(info.context)
        send_at = info.data["send_at"]
        # Without a new send_at the batch keeps its own, which this request does not know.
        if send_at is None:
            check_after_now(expire_at, now)
        else:
            check_expiry(expire_at, send_at, now)
        return expire_at

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise rule_error("{}", "an update must set at least one field")
        return self


class SinchDeliveryFeedbackRequest(RequestModel):
    """Recipients confirmed as delivered (POST ``/batches/{id}/delivery_feedback``).

    An empty list means every recipient of the batch; the ``recipients`` key is always sent.
    """

    recipients: list[E164Number]


class SinchBatch(SinchResponse):
    """A batch as Sinch returns it from send, get, update, replace and cancel.

    ``parameters`` is kept as Sinch sends it: the samples show both ``{key: {recipient: value}}`` and
    flattened ``{"key.recipient": value}`` shapes.
    """

    id: str | None = None
    type: str | None = None
    to: list[str] = Field(default_factory=list)
    from_: str | None = Field(default=None, alias="from")
    canceled: bool = False
    body: str | None = None
    udh: str | None = None
    parameters: dict[str, Any] | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    delivery_report: str | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    callback_url: str | None = None
    client_reference: str | None = None
    feedback_enabled: bool | None = None
    flash_message: bool | None = None
    truncate_concat: bool | None = None
    max_number_of_message_parts: int | None = None
    from_ton: int | None = None
    from_npi: int | None = None


class SinchBatchListPage(SinchResponse):
    """One page of ``GET /batches``; ``count`` is the total over all pages (0 when Sinch omits it)."""

    page: int = 0
    page_size: int = 0
    count: int = 0
    batches: list[SinchBatch] = Field(default_factory=list)


# -- dry run (POST ``/batches/dry_run``): query and response -------------------------------------------------
class SinchDryRunRecipient(SinchResponse):
    """What one recipient would get: the body after parameter substitution, its parts and encoding.

    ``encoding`` is ``"GSM"`` or ``"UNICODE"`` in the documents; other values are kept as sent.
    """

    recipient: str | None = None
    number_of_parts: int | None = None
    body: str | None = None
    encoding: str | None = None


class SinchDryRunResponse(SinchResponse):
    """Totals of a dry run; ``per_recipient`` only when the query asked for it."""

    number_of_recipients: int | None = None
    number_of_messages: int | None = None
    per_recipient: list[SinchDryRunRecipient] | None = None


class SinchDryRunQuery(RequestModel):
    """Query of a dry run: whether to list recipients, and how many (1-1000; Sinch's default is 100)."""

    per_recipient: bool | None = None
    number_of_recipients: Annotated[int, int_between(1, MAX_RECIPIENTS)] | None = None

    def to_params(self) -> dict[str, str]:
        """Return the query string parameters that are set."""
        params: dict[str, str] = {}
        if self.per_recipient is not None:
            params["per_recipient"] = "true" if self.per_recipient else "false"
        if self.number_of_recipients is not None:
            params["number_of_recipients"] = str(self.number_of_recipients)
        return params


# -- queries, each with ``to_params()`` (the delivery-report ones are in models/sinch_reports.py) ------------
class SinchQuery(RequestModel):
    """A query whose set fields become string parameters."""

    def to_params(self) -> dict[str, str]:
        """Return the query string parameters that are set, in Sinch's wire formats."""
        params: dict[str, str] = {}
        for name, value in self.model_dump(by_alias=True, exclude_none=True).items():
            if isinstance(value, datetime):
                params[name] = format_sinch_datetime(value)
            elif isinstance(value, list):
                if value:
                    params[name] = ",".join(str(item) for item in value)
            else:
                params[name] = str(value)
        return params

    @field_validator("end_date", check_fields=False)
    @classmethod
    def _end_after_start(cls, end_date: datetime | None, info: ValidationInfo) -> datetime | None:
        start_date = info.data.get("start_date")
        if end_date is not None and start_date is not None and end_date <= start_date:
            raise rule_error(
                format_sinch_datetime(end_date),
                f"must be after start_date ({format_sinch_datetime(start_date)})",
            )
        return end_date


class SinchListBatchesQuery(SinchQuery):
    """Filters of ``GET /batches`` (batches of the last 14 days; ``page`` counts from 0)."""

    page: Page | None = None
    page_size: PageSize | None = None
    from_: Annotated[list[SinchSender], BeforeValidator(split_csv)] | None = Field(default=None, alias="from")
    start_date: SinchDateTime | None = None
    end_date: SinchDateTime | None = None
    client_reference: ClientReference | None = None


# -- error bodies, in both documented shapes -----------------------------------------------------------------
def parse_error_body(data: object) -> tuple[str | None, str | None, list[str]]:
    """Return ``(code, text, fields)`` from a decoded Sinch error body; ``(None, None, [])`` if unknown.

    The body is ``{"code": "syntax_invalid_parameter_format", "text": "..."}`` (400 and 403) or
    ``{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [...]}}``, where
    ``details[*].fieldViolations[*].field`` names the fields at fault; its code is ``status`` when
    present, else ``code`` as a string.

    :param data: The decoded JSON body (anything: a dict, a list, a string, ``None``).
    """
    if not isinstance(data, Mapping):
        return None, None, []
    envelope = data.get("error")
    if isinstance(envelope, Mapping):
        status, number = envelope.get("status"), envelope.get("code")
        code = _text(status) or _text(number)
        return code, _text(envelope.get("message")), _violated_fields(envelope.get("details"))
    return _text(data.get("code")), _text(data.get("text")), []


def _text(value: object) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value) or None
    return None


def _violated_fields(details: object) -> list[str]:
    if not isinstance(details, list):
        return []
    fields: list[str] = []
    for detail in details:
        violations = detail.get("fieldViolations") if isinstance(detail, Mapping) else None
        if not isinstance(violations, list):
            continue
        for violation in violations:
            field = violation.get("field") if isinstance(violation, Mapping) else None
            if isinstance(field, str) and field:
                fields.append(field)
    return fields
