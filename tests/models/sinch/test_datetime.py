"""Sinch date-time wire format: UTC, milliseconds, ``Z``; parsing keeps the instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_sms.models.sinch import format_sinch_datetime
from airflow_provider_sms.models.sinch._datetime import parse_aware_datetime

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def test_format_converts_to_utc_and_truncates_to_milliseconds() -> None:
    value = datetime(2030, 1, 2, 9, 5, 7, 999999, tzinfo=timezone(timedelta(hours=10)))
    assert format_sinch_datetime(value) == "2030-01-01T23:05:07.999Z"


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS))
def test_formatted_value_parses_back_to_the_same_instant_at_millisecond_precision(value: datetime) -> None:
    wire = format_sinch_datetime(value)
    assert len(wire) == 24
    assert wire.endswith("Z")
    parsed = parse_aware_datetime(wire)
    assert parsed == value.replace(microsecond=value.microsecond // 1000 * 1000)
