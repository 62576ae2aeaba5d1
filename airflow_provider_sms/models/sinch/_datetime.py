"""Sinch date-times: timezone-aware on the way in, UTC with milliseconds and ``Z`` on the wire."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, TypeAdapter, ValidationError

from airflow_provider_sms.models._base import rule_error

#: Sinch's ``expire_at`` default and maximum, counted from ``send_at`` (or from now).
MAX_EXPIRY = timedelta(days=3)

ISO_DATETIME_RULE = "must be a timezone-aware datetime or an ISO-8601 date-time with an offset"
NAIVE_RULE = (
    "a naive date-time has no timezone and is ambiguous: pass an aware datetime "
    "or an ISO-8601 string with an offset such as 'Z' or '+10:00'"
)
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATETIME = TypeAdapter(datetime)


def format_sinch_datetime(value: datetime) -> str:
    """Return ``value`` in the wire format Sinch documents: UTC ``YYYY-MM-DDThh:mm:ss.SSSZ``.

    :param value: A timezone-aware datetime.
    """
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def parse_aware_datetime(value: object) -> datetime:
    """Validator: accept an aware datetime or an ISO-8601 string with an offset; reject naive ones.

    :param value: The raw field value.
    """
    if isinstance(value, str):
        if not _ISO_PREFIX.match(value):
            raise rule_error(repr(value[:40]), ISO_DATETIME_RULE)
        try:
            parsed = _DATETIME.validate_python(value)
        except ValidationError:
            raise rule_error(repr(value[:40]), ISO_DATETIME_RULE) from None
        value = parsed
    if not isinstance(value, datetime):
        raise rule_error(f"<{type(value).__name__}>", ISO_DATETIME_RULE)
    if value.tzinfo is None or value.utcoffset() is None:
        raise rule_error(value.isoformat(), NAIVE_RULE)
    return value


def now_from_context(context: object) -> datetime:
    """Return the ``now`` a validation context fixes (for repeatable checks), else the current UTC time.

    :param context: The pydantic validation context, e.g. ``{"now": datetime(...)}``.
    """
    if isinstance(context, Mapping):
        now = context.get("now")
        if isinstance(now, datetime) and now.utcoffset() is not None:
            return now
    return datetime.now(timezone.utc)


def check_expiry(expire_at: datetime, send_at: datetime | None, now: datetime) -> None:
    """Raise a rule error unless ``expire_at`` is after the send time and at most 3 days after it.

    :param expire_at: The requested expiry.
    :param send_at: The requested send time, or ``None`` for an immediate send (then ``now`` counts).
    :param now: The current time.
    """
    start, start_name = (send_at, "send_at") if send_at is not None else (now, "now")
    shown = format_sinch_datetime(expire_at)
    if expire_at <= start:
        raise rule_error(shown, f"must be after {start_name} ({format_sinch_datetime(start)})")
    if expire_at - start > MAX_EXPIRY:
        raise rule_error(shown, f"must be at most 3 days after {start_name} ({format_sinch_datetime(start)})")


def check_after_now(value: datetime, now: datetime) -> None:
    """Raise a rule error unless ``value`` is in the future.

    :param value: The date-time to check.
    :param now: The current time.
    """
    if value <= now:
        raise rule_error(format_sinch_datetime(value), f"must be after now ({format_sinch_datetime(now)})")


#: A request date-time: aware datetime or ISO-8601 string in, ``YYYY-MM-DDThh:mm:ss.SSSZ`` (UTC) out.
SinchDateTime = Annotated[
    datetime,
    BeforeValidator(parse_aware_datetime),
    PlainSerializer(format_sinch_datetime, return_type=str, when_used="json"),
]
