from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

from airflow_provider_sms.models.fonedynamics._time import context_now, to_unix_seconds

AEDT = timezone(timedelta(hours=11))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=timezone.utc), 0),
        (datetime(2011, 11, 11, 22, 11, 11, tzinfo=AEDT), 1321009871),
        (datetime(2011, 11, 11, 11, 11, 11, 999999, tzinfo=timezone.utc), 1321009871),
        (1321009871, 1321009871),
        ("1321009871", "1321009871"),
    ],
)
def test_to_unix_seconds_converts_aware_datetimes_and_passes_the_rest(
    value: object, expected: object
) -> None:
    assert to_unix_seconds(value) == expected


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), True, False])
def test_to_unix_seconds_rejects_naive_datetimes_and_bools(value: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware datetime"):
        to_unix_seconds(value)


class _Probe(BaseModel):
    now: int = 0

    @field_validator("now", mode="before")
    @classmethod
    def _read(cls, value: object, info: ValidationInfo) -> int:
        return context_now(info)


def _now_from(context: Any) -> int:
    return _Probe.model_validate({"now": 0}, context=context).now


def test_context_now_reads_an_aware_datetime() -> None:
    assert _now_from({"now": datetime(2011, 11, 11, 22, 11, 11, tzinfo=AEDT)}) == 1321009871


def test_context_now_reads_unix_seconds() -> None:
    assert _now_from({"now": 1321009871}) == 1321009871


@pytest.mark.parametrize("context", [None, {}, {"other": 1}, "not a dict"])
def test_context_now_defaults_to_the_current_time(context: Any) -> None:
    before = int(datetime.now(timezone.utc).timestamp())
    assert before <= _now_from(context) <= before + 5


@pytest.mark.parametrize("now", [datetime(2026, 1, 1), "2026-01-01", True])
def test_context_now_rejects_other_values(now: object) -> None:
    with pytest.raises(ValueError, match="'now' must be a timezone-aware datetime"):
        _now_from({"now": now})
