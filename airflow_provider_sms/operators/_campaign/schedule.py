"""``send_at`` / ``expire_at`` values, and what a send whose ``send_at`` is already past does.

A schedule accepts a datetime, or an ISO-8601 string such as a rendered ``{{ data_interval_end }}``; a
string without an offset is read as UTC, as Airflow reads dates.

``past_schedule`` decides a ``send_at`` that is not in the future when the task starts (typically a
backfill): ``send_now`` drops it and sends at once (an ``expire_at`` keeps its distance from ``send_at``),
``skip`` skips the task and ``fail`` fails it, in both cases before any request. A ``send_at`` that passes
while a long campaign is being sent is dropped from the later requests, which then go out at once: no
vendor sees a schedule in the past.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone

import pendulum

from airflow_provider_sms.exceptions import Problem, SmsValidationError

ISO_RULE = "must be a datetime or an ISO-8601 date-time string"


class PastSchedule(str, enum.Enum):
    """What to do with a ``send_at`` in the past."""

    SEND_NOW = "send_now"
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True)
class Schedule:
    """The schedule a send uses.

    :param send_at: When to send; ``None`` sends at once.
    :param expire_at: When to give up delivering, if set.
    :param was_past: Whether the given ``send_at`` was not in the future.
    """

    send_at: datetime | None
    expire_at: datetime | None
    was_past: bool = False

    def due_by(self, now: datetime) -> Schedule:
        """Return the schedule for a request made at ``now``: a ``send_at`` that has passed is dropped.

        :param now: The time of the request.
        """
        if self.send_at is not None and self.send_at <= now:
            return Schedule(None, self.expire_at, self.was_past)
        return self


def parse_when(field: str, value: object) -> datetime | None:
    """Return ``value`` as an aware datetime, ``None`` for an empty value.

    :param field: The argument's name, for the error.
    :param value: A datetime, an ISO-8601 string, or ``None``/``""``.
    :raises SmsValidationError: the value is neither.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), tz="UTC")
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if isinstance(parsed, datetime):
            return parsed
        shown = repr(value[:40])
    else:
        shown = f"<{type(value).__name__}>"
    raise SmsValidationError([Problem(field, shown, ISO_RULE)], subject="schedule")


def resolve_schedule(
    send_at: datetime | None, expire_at: datetime | None, policy: PastSchedule, now: datetime
) -> Schedule:
    """Apply ``past_schedule``: keep a future ``send_at``, or decide a past one.

    The caller skips or fails the task when the result ``was_past`` and the policy is ``skip`` or
    ``fail``; ``send_now`` has already moved the schedule to now.

    :param send_at: The requested send time.
    :param expire_at: The requested expiry.
    :param policy: The ``past_schedule`` policy.
    :param now: The current time.
    """
    if send_at is None or send_at > now:
        return Schedule(send_at, expire_at)
    if policy is not PastSchedule.SEND_NOW:
        return Schedule(send_at, expire_at, was_past=True)
    if expire_at is not None and expire_at > send_at:
        expire_at = now + (expire_at - send_at)
    return Schedule(None, expire_at, was_past=True)
