"""Validation of a text batch's ``parameters`` (per-recipient values for ``${key}`` placeholders).

``parameters`` maps a placeholder key to ``{recipient: value, ..., "default": value}``. The whole
mapping is checked here, before pydantic sees it, so that no error location ever holds a raw phone
number (pydantic would put the inner dict key, a phone number, in the location).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import BeforeValidator

from airflow_provider_sms.models._base import rule_error
from airflow_provider_sms.models.phone import is_e164, mask_msisdn

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
    return problems


#: ``{key: {recipient or "default": value}}``, checked as a whole by :func:`check_parameters`.
Parameters = Annotated[dict[str, dict[str, str]], BeforeValidator(check_parameters)]
