"""The campaign's ``client_reference`` prefixes, which let a later run find a day's batches again.

Every send of the campaign for one logical date carries a prefix that names the campaign, the date and
the kind of send::

    <campaign>-<yyyymmdd>-s-<segment>   the day's send to one audience segment
    <campaign>-<yyyymmdd>-r-<label>     a resend to the day's failures (by the campaign or a backfill)

``SmsSendOperator`` makes each chunk's idempotency key ``<prefix>-<task>-<digest>-c<chunk>``, which is
Sinch's ``client_reference`` and the start of Fone Dynamics' ``ExternalId``. Campaign names and segment
names have no ``-``, so a key can be read back unambiguously.
"""

from __future__ import annotations

import re

CAMPAIGN_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,11}\Z")
CAMPAIGN_RULE = "must be 1-12 lowercase letters and digits, starting with a letter"
LABEL_PATTERN = re.compile(r"^[a-z0-9_]{1,12}\Z")
LABEL_RULE = "must be 1-12 of a-z, 0-9 and '_'"
SEND, RESEND = "s", "r"


def check_name(field: str, value: str, pattern: re.Pattern[str], rule: str) -> str:
    """Return ``value`` if it matches ``pattern``.

    :param field: What the value is, for the error.
    :param value: The value.
    :param pattern: The pattern it must match.
    :param rule: The rule, for the error.
    :raises ValueError: naming the field, the value and the rule.
    """
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{field}={value!r}: {rule}")
    return value


def day_prefix(campaign: str, ds_nodash: str) -> str:
    """Return the prefix every key of the campaign's sends for one date starts with.

    :param campaign: The campaign's name.
    :param ds_nodash: The logical date as ``YYYYMMDD``.
    """
    check_name("campaign", campaign, CAMPAIGN_PATTERN, CAMPAIGN_RULE)
    if not re.fullmatch(r"[0-9]{8}", ds_nodash):
        raise ValueError(f"ds_nodash={ds_nodash!r}: must be YYYYMMDD")
    return f"{campaign}-{ds_nodash}-"


def send_reference(campaign: str, ds_nodash: str, segment: str) -> str:
    """Return the ``client_reference`` of the day's send to a segment.

    :param campaign: The campaign's name.
    :param ds_nodash: The logical date as ``YYYYMMDD``.
    :param segment: The audience segment.
    """
    check_name("segment", segment, LABEL_PATTERN, LABEL_RULE)
    return f"{day_prefix(campaign, ds_nodash)}{SEND}-{segment}"


def resend_reference(campaign: str, ds_nodash: str, label: str) -> str:
    """Return the ``client_reference`` of a resend to the day's failures.

    :param campaign: The campaign's name.
    :param ds_nodash: The logical date as ``YYYYMMDD``.
    :param label: What the resend covers: a segment, or e.g. ``backfill``.
    """
    check_name("label", label, LABEL_PATTERN, LABEL_RULE)
    return f"{day_prefix(campaign, ds_nodash)}{RESEND}-{label}"


def kind_of(key: str, prefix: str) -> str | None:
    """Return ``s`` (a send) or ``r`` (a resend) for a key of the day ``prefix``; ``None`` for other keys.

    :param key: A chunk's idempotency key (Sinch ``client_reference``, Fone ``ExternalId`` without
        ``.<position>``).
    :param prefix: :func:`day_prefix` of the day.
    """
    if not key.startswith(prefix):
        return None
    kind, dash, _ = key[len(prefix) :].partition("-")
    return kind if dash and kind in (SEND, RESEND) else None
