"""Sinch parameterisation: ``${key}`` in the body, values in ``{key: {msisdn: value, "default": value}}``."""

from __future__ import annotations

import re

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

    def replace(match: re.Match[str]) -> str:
        nonlocal unmatched
        key = match.group(1)
        if key not in parameters:
            return match.group(0)
        value = value_for(parameters[key], recipient)
        if value is None:
            unmatched = True
            return ""
        return value

    text = PLACEHOLDER.sub(replace, body)
    return None if unmatched else text
