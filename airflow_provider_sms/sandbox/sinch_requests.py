"""What the sandbox's Sinch XMS API accepts: its error answers, field checks, and a batch's content.

Written from the vendor's reference, independently of ``clients/`` and ``models/``. Every check raises a
:class:`SinchApiError` in Sinch's ``{"code", "text"}`` format that names the field, the (masked) value and
the rule. :func:`parse_content` validates a send, replace or dry-run body into a :class:`BatchContent`;
:func:`apply_update` merges an update into it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

# --- errors: an HTTP status with a {"code", "text"} body ----------------------------------------------------

INVALID_JSON = "syntax_invalid_json"
INVALID_FORMAT = "syntax_invalid_parameter_format"
CONSTRAINT_VIOLATION = "syntax_constraint_violation"
MISSING_CALLBACK_URL = "missing_callback_url"
ALREADY_DISPATCHED = "batch_already_dispatched"
FEEDBACK_NOT_ENABLED = "feedback_not_enabled"
NOT_FOUND = "not_found"
UNAUTHORIZED = "unauthorized"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


class SinchApiError(Exception):
    """An error the sandbox answers with, in Sinch's format.

    :param status: HTTP status code.
    :param code: Sinch's machine-readable error code, e.g. ``syntax_invalid_parameter_format``.
    :param text: Human-readable explanation naming the field and the rule.
    :param headers: Extra response headers, e.g. ``WWW-Authenticate`` on a 401.
    """

    def __init__(self, status: int, code: str, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {text}")
        self.status = status
        self.code = code
        self.text = text
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body Sinch sends with this error."""
        return {"code": self.code, "text": self.text}


def invalid_format(field: str, value: object, rule: str) -> SinchApiError:
    """Return a 400 ``syntax_invalid_parameter_format`` naming the field, the value and the rule.

    :param field: Field name, with its list position when in a list (``to[3]``).
    :param value: The offending value as it may be shown.
    :param rule: What the value must look like.
    """
    return SinchApiError(400, INVALID_FORMAT, f"{field}: {value!r} is not valid: {rule}")


def constraint_violation(field: str, rule: str) -> SinchApiError:
    """Return a 400 ``syntax_constraint_violation`` naming the field and the rule it breaks.

    :param field: Field name, with its list position when in a list.
    :param rule: The constraint that is not met.
    """
    return SinchApiError(400, CONSTRAINT_VIOLATION, f"{field}: {rule}")


def not_found(what: str) -> SinchApiError:
    """Return a 404 for an unknown batch, recipient or report type.

    :param what: What was not found, e.g. ``batch 01H...``.
    """
    return SinchApiError(404, NOT_FOUND, f"{what} not found")


# --- single fields ------------------------------------------------------------------------------------------

MSISDN_PATTERN = re.compile(r"^\+?[1-9][0-9]{6,14}$")
MSISDN_RULE = "must be an MSISDN: optional '+', country code, 7 to 15 digits in all"
NUMERIC_SENDER_PATTERN = re.compile(r"^\+?[0-9]{3,15}$")
ALPHANUMERIC_SENDER_PATTERN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_&]{1,11}$")
SENDER_RULE = (
    "must be a phone number or short code (3 to 15 digits) or an alphanumeric sender id "
    "(1 to 11 letters, digits, spaces or . - _ &, with at least one letter)"
)


def mask_msisdn(value: object) -> str:
    """Mask a phone number for error texts: ``+61488023555`` becomes ``+6148****555``.

    :param value: What the client sent; anything but a string is shown by type only.
    """
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    if len(value) >= 9:
        return value[:5] + "*" * (len(value) - 8) + value[-3:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


def number_key(number: str) -> str:
    """Return what identifies an MSISDN: the number without spaces around it and without ``+`` (or ``%2B``).

    :param number: The number as given.
    """
    number = number.strip()
    if number.upper().startswith("%2B"):
        number = number[3:]
    return number.lstrip("+")


def same_number(first: str, second: str) -> bool:
    """Return whether two MSISDNs are the same number, with or without ``+`` (or ``%2B``)."""
    return number_key(first) == number_key(second)


def check_msisdn(field: str, value: Any) -> str:
    """Return a valid recipient number, else raise ``syntax_invalid_parameter_format`` (value masked).

    :param field: Field name with list position, e.g. ``to[2]``.
    :param value: What the client sent.
    """
    if not isinstance(value, str) or not MSISDN_PATTERN.match(value):
        raise invalid_format(field, mask_msisdn(value), MSISDN_RULE)
    return value


def check_msisdn_list(field: str, value: Any, *, min_items: int, max_items: int) -> list[str]:
    """Return a list of valid numbers without duplicates (first occurrence kept).

    :param field: Field name, e.g. ``to`` or ``to_add``.
    :param value: What the client sent.
    :param min_items: Fewest entries allowed.
    :param max_items: Most entries allowed.
    """
    if not isinstance(value, list):
        raise invalid_format(field, f"<{type(value).__name__}>", "must be a list of MSISDNs")
    if not min_items <= len(value) <= max_items:
        raise constraint_violation(field, f"must have {min_items} to {max_items} entries, has {len(value)}")
    numbers: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(value):
        number = check_msisdn(f"{field}[{position}]", item)
        key = number_key(number)
        if key not in seen:
            seen.add(key)
            numbers.append(number)
    return numbers


def check_sender(field: str, value: Any) -> str:
    """Return a valid sender (number, short code or alphanumeric id), else raise a format error.

    :param field: Field name (``from``).
    :param value: What the client sent.
    """
    if isinstance(value, str) and (
        NUMERIC_SENDER_PATTERN.match(value) or ALPHANUMERIC_SENDER_PATTERN.match(value)
    ):
        return value
    shown = mask_msisdn(value) if isinstance(value, str) and value.lstrip("+").isdigit() else value
    raise invalid_format(field, shown, SENDER_RULE)


def check_datetime(field: str, value: Any) -> datetime:
    """Return an ISO-8601 time as an aware UTC datetime (no offset means UTC), else a format error.

    :param field: Field or query parameter name.
    :param value: What the client sent.
    """
    if not isinstance(value, str):
        raise invalid_format(field, value, "must be an ISO-8601 date-time string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        rule = "must be an ISO-8601 date-time, e.g. 2026-05-01T09:30:00Z"
        raise invalid_format(field, value, rule) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def check_string(field: str, value: Any, *, max_length: int) -> str:
    """Return a string of at most ``max_length`` characters.

    :param field: Field name.
    :param value: What the client sent.
    :param max_length: Longest allowed length.
    """
    if not isinstance(value, str):
        raise invalid_format(field, f"<{type(value).__name__}>", "must be a string")
    if len(value) > max_length:
        raise constraint_violation(field, f"must be at most {max_length} characters, has {len(value)}")
    return value


def check_url(field: str, value: Any, *, max_length: int) -> str:
    """Return an absolute http(s) URL of at most ``max_length`` characters.

    :param field: Field name (``callback_url``).
    :param value: What the client sent.
    :param max_length: Longest allowed length.
    """
    url = check_string(field, value, max_length=max_length)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid_format(field, url, "must be an absolute http or https URL")
    return url


def check_bool(field: str, value: Any) -> bool:
    """Return a JSON boolean, else raise a format error.

    :param field: Field name.
    :param value: What the client sent.
    """
    if not isinstance(value, bool):
        raise invalid_format(field, value, "must be true or false")
    return value


def check_int_range(field: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """Return an integer within ``minimum``..``maximum`` (no upper bound when ``maximum`` is ``None``).

    :param field: Field name.
    :param value: What the client sent.
    :param minimum: Smallest allowed value.
    :param maximum: Largest allowed value, if any.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_format(field, value, "must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise constraint_violation(field, f"must be at least {minimum}{upper}, is {value}")
    return value


def check_choice(field: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return one of ``choices``, else raise a format error listing them.

    :param field: Field name.
    :param value: What the client sent.
    :param choices: The allowed values.
    """
    if value not in choices:
        raise invalid_format(field, value, "must be one of " + ", ".join(choices))
    return str(value)


# --- parameters: ${key} in the body, values in {key: {msisdn: value, "default": value}} ---------------------

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9._-]+)\}")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
MAX_VALUE_LENGTH = 160
DEFAULT_KEY = "default"

Parameters = dict[str, dict[str, str]]


def _digits(msisdn: str) -> str:
    return msisdn.lstrip("+")


def value_for(values: dict[str, str], recipient: str) -> str | None:
    """Return a parameter's value for one recipient, else its default, else ``None``.

    Numbers are matched with or without the leading ``+``.

    :param values: One parameter's ``{msisdn: value, "default": value}`` mapping.
    :param recipient: The recipient number.
    """
    for number, value in values.items():
        if number != DEFAULT_KEY and _digits(number) == _digits(recipient):
            return value
    return values.get(DEFAULT_KEY)


def substitute(body: str, parameters: Parameters, recipient: str) -> str | None:
    """Return the body for one recipient, or ``None`` when a placeholder has no value and no default.

    A placeholder whose key is not among ``parameters`` is left as it is, as Sinch does.

    :param body: The batch body with ``${key}`` placeholders.
    :param parameters: The batch's parameters.
    :param recipient: The recipient number.
    """
    unmatched = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unmatched
        key = match.group(1)
        if key not in parameters:
            return match.group(0)
        value = value_for(parameters[key], recipient)
        if value is None:
            unmatched = True
            return ""
        return value

    text = PLACEHOLDER.sub(fill, body)
    return None if unmatched else text


# --- batch content: a send, replace or dry-run body, and updates to it --------------------------------------

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
            where = f"parameters.{key}.{number if number == 'default' else mask_msisdn(number)}"
            if number != "default":
                check_msisdn(f"parameters.{key}", number)
            checked[key][number] = check_string(where, text, max_length=MAX_VALUE_LENGTH)
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


def parse_content(
    data: dict[str, Any], now: datetime, default_callback_url: str | None = None
) -> BatchContent:
    """Validate a send, replace or dry-run body and return its content.

    :param data: The decoded JSON object.
    :param now: The sandbox time, for schedule checks.
    :param default_callback_url: The service plan's callback URL, used when the batch has none.
    """
    _reject_unknown(data, CONTENT_FIELDS)
    present = {key: value for key, value in data.items() if value is not None}
    kind = check_choice("type", present.get("type", MT_TEXT), (MT_TEXT, MT_BINARY))
    for required in ("to", "body"):
        if required not in present:
            raise constraint_violation(required, "is required")
    to = check_msisdn_list("to", present["to"], min_items=1, max_items=MAX_RECIPIENTS)
    udh = check_string("udh", present["udh"], max_length=280) if "udh" in present else None
    if kind == MT_TEXT:
        body = check_string("body", present["body"], max_length=MAX_TEXT_BODY)
        if udh is not None:
            raise constraint_violation("udh", "is only allowed for mt_binary")
    else:
        body = check_string("body", present["body"], max_length=4 * MAX_BINARY_BYTES)
        _check_binary(body, udh)
        if present.get("parameters"):
            raise constraint_violation("parameters", "are not applicable to mt_binary")
    send_at = _optional(present, "send_at", check_datetime)
    expire_at = _optional(present, "expire_at", check_datetime)
    _check_schedule(send_at, expire_at, now)
    content = BatchContent(
        type=kind,
        to=to,
        body=body,
        udh=udh,
        send_at=send_at,
        expire_at=expire_at,
        sender=_optional(present, "from", check_sender),
        parameters=_optional(present, "parameters", lambda _, value: _check_parameters(value)) or {},
        delivery_report=check_choice(
            "delivery_report", present.get("delivery_report", "none"), DELIVERY_REPORT_TYPES
        ),
        callback_url=_optional(
            present,
            "callback_url",
            lambda name, value: check_url(name, value, max_length=MAX_CALLBACK_URL),
        ),
        client_reference=_optional(
            present,
            "client_reference",
            lambda name, value: check_string(name, value, max_length=MAX_CLIENT_REFERENCE),
        ),
        feedback_enabled=check_bool("feedback_enabled", present.get("feedback_enabled", False)),
        flash_message=check_bool("flash_message", present.get("flash_message", False)),
        truncate_concat=_optional(present, "truncate_concat", check_bool),
        max_number_of_message_parts=_optional(
            present,
            "max_number_of_message_parts",
            lambda name, value: check_int_range(name, value, minimum=1),
        ),
        from_ton=_optional(
            present, "from_ton", lambda name, value: check_int_range(name, value, minimum=0, maximum=6)
        ),
        from_npi=_optional(
            present,
            "from_npi",
            lambda name, value: check_int_range(name, value, minimum=0, maximum=18),
        ),
    )
    check_callback_target(content, default_callback_url)
    return content


def check_callback_target(content: BatchContent, default_callback_url: str | None = None) -> None:
    """Raise 403 ``missing_callback_url`` when callbacks are requested with nowhere to send them.

    :param content: Validated batch content.
    :param default_callback_url: The service plan's callback URL, if one is set.
    """
    if content.delivery_report != "none" and content.callback_url is None and default_callback_url is None:
        raise SinchApiError(
            403,
            MISSING_CALLBACK_URL,
            f"delivery_report {content.delivery_report!r} needs a callback_url: the batch has none and "
            "the service plan has no callback URL set",
        )


def apply_update(
    content: BatchContent, data: dict[str, Any], now: datetime, default_callback_url: str | None = None
) -> BatchContent:
    """Return the content after a ``POST /batches/{id}`` update, validated whole.

    ``to_add`` is applied before ``to_remove``; a field set to ``null`` is cleared.

    :param content: The batch's current content.
    :param data: The decoded update body.
    :param now: The sandbox time, for schedule checks.
    :param default_callback_url: The service plan's callback URL, used when the batch has none.
    """
    _reject_unknown(data, UPDATE_FIELDS)
    merged = content.to_json()
    recipients = list(content.to)
    if data.get("to_add") is not None:
        recipients += check_msisdn_list("to_add", data["to_add"], min_items=1, max_items=MAX_RECIPIENTS)
    if data.get("to_remove") is not None:
        removed = check_msisdn_list("to_remove", data["to_remove"], min_items=1, max_items=MAX_RECIPIENTS)
        removed_keys = {number_key(number) for number in removed}
        recipients = [n for n in recipients if number_key(n) not in removed_keys]
    if not recipients:
        raise constraint_violation("to_remove", "would leave the batch with no recipients")
    merged["to"] = recipients
    for key, value in data.items():
        if key not in ("to_add", "to_remove"):
            merged[key] = value
    return parse_content(merged, now, default_callback_url)


def with_recipients(content: BatchContent, to: list[str]) -> BatchContent:
    """Return a copy of ``content`` addressed to ``to``.

    :param content: Batch content.
    :param to: New recipient list.
    """
    return replace(content, to=to)
