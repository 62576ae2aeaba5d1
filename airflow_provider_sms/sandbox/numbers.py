"""Phone-number and sender-id checks of the sandbox (its own reading, shared by both vendor APIs)."""

from __future__ import annotations

import re

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


def is_e164(value: object) -> bool:
    """Return whether ``value`` is ``+`` followed by a country code and 7 to 15 digits in all.

    :param value: Anything taken from a request body.
    """
    return isinstance(value, str) and bool(E164.match(value))


def is_alphanumeric_sender(value: object) -> bool:
    """Return whether ``value`` is 1-11 characters of A-Z, a-z, 0-9 and space with at least one letter.

    :param value: Anything taken from a request body.
    """
    return isinstance(value, str) and bool(ALPHANUMERIC_SENDER.match(value))


def mask_number(value: str) -> str:
    """Mask a phone number for logs: ``+61488023555`` becomes ``+6148****555``.

    :param value: A phone number or any text.
    """
    if len(value) >= 9:
        return value[:5] + "*" * (len(value) - 8) + value[-3:]
    return "*" * max(len(value) - 2, 0) + value[-2:]
