"""Checks of client settings shared by both vendor clients: required values, URLs, timeouts, retries."""

from __future__ import annotations

from urllib.parse import urlsplit

from airflow_provider_sms.exceptions import Problem

MISSING = "(missing)"


def is_missing(value: object) -> bool:
    """Return whether a required setting is absent: ``None`` or a blank string.

    :param value: The setting.
    """
    return value is None or (isinstance(value, str) and not value.strip())


def require(field: str, value: object, rule: str) -> list[Problem]:
    """Return a problem naming ``field`` if it is missing (the value is never shown: it may be a secret).

    :param field: The setting's name.
    :param value: The setting.
    :param rule: Why it is required.
    """
    return [Problem(field, MISSING, rule)] if is_missing(value) else []


def check_base_url(field: str, value: str | None) -> list[Problem]:
    """Return a problem if ``value`` is set but is not an http(s) URL with a host.

    :param field: The setting's name.
    :param value: The URL, or ``None`` for the vendor default.
    """
    if value is None:
        return []
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return []
    return [
        Problem(field, repr(f"{parts.scheme}://{parts.hostname or ''}"), "must be an http(s) URL with a host")
    ]


def check_timeout_and_retries(timeout: float, max_retries: int) -> list[Problem]:
    """Return problems for a non-positive timeout or a negative retry count.

    :param timeout: Seconds.
    :param max_retries: Repeats after the first attempt.
    """
    problems = []
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        problems.append(Problem("timeout", repr(timeout), "must be a number of seconds greater than 0"))
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        problems.append(Problem("max_retries", repr(max_retries), "must be a whole number, 0 or more"))
    return problems
