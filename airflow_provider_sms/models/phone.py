"""Phone numbers: E.164 checks and masking for logs and error messages."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from airflow_provider_sms.models._base import rule_error

E164_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}\Z")
E164_RULE = "must be an E.164 number: '+', country code, 7 to 15 digits in all, no spaces"


def is_e164(value: str) -> bool:
    """Return whether ``value`` is a phone number in E.164 format (``+`` and 7-15 digits)."""
    return bool(E164_PATTERN.match(value))


def mask_msisdn(value: object) -> str:
    """Mask a phone number for logs and errors: ``+61488023555`` becomes ``+6148****555``.

    Anything that is not a string is shown by type only; short strings keep at most their last two
    characters, so the masking never reveals a whole number.
    """
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    if len(value) >= 9:
        return value[:5] + "*" * (len(value) - 8) + value[-3:]
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def check_e164(value: str) -> str:
    """Validator: accept an E.164 number, else raise an error with the number masked."""
    if not is_e164(value):
        raise rule_error(mask_msisdn(value), E164_RULE)
    return value


#: A recipient phone number in E.164 format; errors name its list position and mask it.
E164Number = Annotated[str, AfterValidator(check_e164)]
