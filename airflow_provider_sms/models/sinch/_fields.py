"""Annotated field types shared by the Sinch request models; each error names value and rule.

Limits where the Sinch documents disagree:

* ``body`` of a text batch: the current reference says 0..2000 characters, older sections 1600. Send
  and replace accept 2000 (the current contract); the update endpoint's own reference still says 1600.
* ``client_reference``: the current send reference says up to 2048 characters, while the dry-run,
  replace, get and cancel sections and the older docs say 128. A reference longer than 128 could be
  rejected or truncated by the stricter paths, which would break looking a batch up by it (the
  provider's idempotency key), so 128 is the limit everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator

from airflow_provider_sms.models._base import rule_error
from airflow_provider_sms.models.phone import E164Number, mask_msisdn

TEXT_BODY_MAX_CHARS = 2000
UPDATE_BODY_MAX_CHARS = 1600
CLIENT_REFERENCE_MAX_CHARS = 128
CALLBACK_URL_MAX_CHARS = 2048
MAX_RECIPIENTS = 1000

DELIVERY_REPORT_TYPES = ("none", "summary", "full", "per_recipient", "per_recipient_final")
#: The simplified delivery statuses, spelled as the API spells them.
SINCH_STATUSES = (
    "Queued",
    "Dispatched",
    "Aborted",
    "Cancelled",
    "Rejected",
    "Deleted",
    "Delivered",
    "Failed",
    "Expired",
    "Unknown",
)

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
    """Validator: turn a comma-separated string into a list, so list filters accept ``"a,b"`` too.

    :param value: The raw field value.
    """
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_callback_url(value: str) -> str:
    """Validator: accept an absolute ``http``/``https`` URL of at most 2048 characters.

    :param value: The URL.
    """
    if len(value) > CALLBACK_URL_MAX_CHARS:
        raise rule_error(f"<{len(value)} characters>", f"must be at most {CALLBACK_URL_MAX_CHARS} characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not _has_valid_port(value):
        raise rule_error(describe_url(value), "must be an absolute http:// or https:// URL")
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
    """Validator: accept a string of hexadecimal byte pairs (a binary message's ``udh``).

    :param value: The hex string.
    """
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
TextBody = Annotated[str, max_chars(TEXT_BODY_MAX_CHARS)]
UpdateBody = Annotated[str, max_chars(UPDATE_BODY_MAX_CHARS)]
Udh = Annotated[str, AfterValidator(check_hex)]
PartCount = Annotated[int, int_between(1)]
FromTon = Annotated[int, int_between(0, 6)]
FromNpi = Annotated[int, int_between(0, 18)]
Page = Annotated[int, int_between(0)]
PageSize = Annotated[int, int_between(1, 100)]
