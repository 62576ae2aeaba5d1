"""Fone Dynamics timestamps: Unix seconds in UTC on the wire, aware datetimes accepted from callers."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import ValidationInfo

from airflow_provider_sms.models._base import rule_error

TIMESTAMP_RULE = "must be Unix seconds (int) or a timezone-aware datetime"


def to_unix_seconds(value: object) -> object:
    """Before-validator: turn an aware datetime into Unix seconds; reject naive datetimes and bools.

    Anything else is left for pydantic's ``int`` check.

    :param value: The raw field value.
    """
    if isinstance(value, bool):
        raise rule_error(repr(value), TIMESTAMP_RULE)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise rule_error(value.isoformat(), TIMESTAMP_RULE)
        return int(value.timestamp())
    return value


def context_now(info: ValidationInfo) -> int:
    """Return "now" in Unix seconds: the aware datetime (or int) under ``now`` in the validation
    context, else the current UTC time.

    :param info: The validator's info, whose ``context`` may hold ``{"now": datetime}``.
    """
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now")
    if now is None:
        return int(datetime.now(timezone.utc).timestamp())
    if isinstance(now, datetime) and now.utcoffset() is not None:
        return int(now.timestamp())
    if isinstance(now, int) and not isinstance(now, bool):
        return now
    raise rule_error(repr(now), "the validation context's 'now' must be a timezone-aware datetime")
