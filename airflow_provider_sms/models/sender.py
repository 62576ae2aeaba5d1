"""Sender ids: E.164 numbers, numeric short codes, or alphanumeric names (both vendors' rules)."""

from __future__ import annotations

import enum
import re
from typing import Annotated

from pydantic import AfterValidator

from airflow_provider_sms.models._base import rule_error
from airflow_provider_sms.models.phone import is_e164, mask_msisdn

ALPHANUMERIC_PATTERN = re.compile(r"^[A-Za-z0-9 ]{1,11}\Z")
SHORT_CODE_PATTERN = re.compile(r"^[0-9]{3,15}\Z")
ALPHANUMERIC_RULE = (
    "an alphanumeric sender id must be 1-11 characters of A-Z, a-z, 0-9 and space, with at least one letter"
)


class SenderKind(str, enum.Enum):
    """What kind of sender id a value is."""

    E164 = "e164"
    SHORT_CODE = "short_code"
    ALPHANUMERIC = "alphanumeric"


def classify_sender(value: str, *, allow_short_code: bool) -> SenderKind:
    """Return the kind of sender ``value`` is, or raise a rule error naming the broken rule.

    :param value: The sender id.
    :param allow_short_code: Whether a plain digit string (short code or number without ``+``) is
        accepted; Sinch accepts short codes, Fone Dynamics does not.
    """
    if value.startswith("+"):
        if is_e164(value):
            return SenderKind.E164
        raise rule_error(mask_msisdn(value), "a numeric sender id must be an E.164 number")
    if value.isdigit():
        if allow_short_code and SHORT_CODE_PATTERN.match(value):
            return SenderKind.SHORT_CODE
        rule = (
            "a numeric sender id must be a short code of 3-15 digits or an E.164 number"
            if allow_short_code
            else "a numeric sender id must be an E.164 number with '+'; " + ALPHANUMERIC_RULE
        )
        raise rule_error(mask_msisdn(value), rule)
    if ALPHANUMERIC_PATTERN.match(value) and any(c.isalpha() for c in value):
        return SenderKind.ALPHANUMERIC
    # Alphanumeric sender ids are public brand names, not personal data: show them as they are.
    raise rule_error(repr(value), ALPHANUMERIC_RULE)


def check_sinch_sender(value: str) -> str:
    """Validator for a Sinch ``from``: E.164, short code or alphanumeric."""
    classify_sender(value, allow_short_code=True)
    return value


def check_fonedynamics_sender(value: str) -> str:
    """Validator for a Fone Dynamics ``From``: blank (leased number), E.164 or alphanumeric."""
    if value == "":
        return value
    classify_sender(value, allow_short_code=False)
    return value


SinchSender = Annotated[str, AfterValidator(check_sinch_sender)]
FoneDynamicsSender = Annotated[str, AfterValidator(check_fonedynamics_sender)]
