"""Checks of single request fields, each raising a Sinch 400 that names the field and the rule."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_sms.sandbox.sinch.errors import constraint_violation, invalid_format

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
