"""send_at parsing and the past_schedule policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.operators._campaign.schedule import (
    PastSchedule,
    Schedule,
    parse_when,
    resolve_schedule,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 5, 2, tzinfo=timezone.utc), datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (datetime(2026, 5, 2), datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (pendulum.datetime(2026, 5, 2, tz="Australia/Sydney"), datetime(2026, 5, 1, 14, tzinfo=timezone.utc)),
        ("2026-05-02T00:00:00+10:00", datetime(2026, 5, 1, 14, tzinfo=timezone.utc)),
        ("2026-05-02T00:00:00", datetime(2026, 5, 2, tzinfo=timezone.utc)),
        ("2026-05-02", datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_when_accepts(value: object, expected: datetime | None) -> None:
    assert parse_when("send_at", value) == expected


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-45", 1746100000, ["2026-05-02"]])
def test_parse_when_rejects(value: object) -> None:
    with pytest.raises(SmsValidationError, match=r"send_at=.*ISO-8601"):
        parse_when("send_at", value)


def test_future_send_at_is_kept_whatever_the_policy() -> None:
    later = NOW + timedelta(hours=1)
    for policy in PastSchedule:
        assert resolve_schedule(later, None, policy, NOW) == Schedule(later, None)


def test_send_now_drops_a_past_send_at_and_keeps_the_expiry_distance() -> None:
    past = NOW - timedelta(days=100)
    result = resolve_schedule(past, past + timedelta(hours=6), PastSchedule.SEND_NOW, NOW)
    assert result == Schedule(None, NOW + timedelta(hours=6), was_past=True)


@pytest.mark.parametrize("policy", [PastSchedule.SKIP, PastSchedule.FAIL])
def test_skip_and_fail_mark_the_schedule_past(policy: PastSchedule) -> None:
    result = resolve_schedule(NOW, None, policy, NOW)
    assert result.was_past
    assert result.send_at == NOW


def test_a_send_at_that_passes_during_the_send_is_dropped_from_later_requests() -> None:
    schedule = Schedule(NOW, None)
    assert schedule.due_by(NOW - timedelta(seconds=1)) is schedule
    assert schedule.due_by(NOW).send_at is None
