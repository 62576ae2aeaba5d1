from __future__ import annotations

import pytest

from airflow_provider_sms.clients.retry import RetryPolicy, parse_retry_after

NOW = 1_700_000_000.0


def test_defaults_match_the_documented_policy() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.backoff_base, policy.backoff_max, policy.max_retry_after) == (
        3,
        0.5,
        30.0,
        300.0,
    )


@pytest.mark.parametrize(("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (10, 30.0)])
def test_backoff_doubles_up_to_the_maximum(attempt: int, expected: float) -> None:
    assert RetryPolicy().backoff(attempt, lambda: 1.0) == expected


def test_backoff_is_full_jitter() -> None:
    assert RetryPolicy().backoff(3, lambda: 0.0) == 0.0
    assert RetryPolicy().backoff(3, lambda: 0.25) == 0.5


def test_delay_prefers_the_server_hint_and_caps_it() -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    assert policy.delay(1, 12.0, lambda: 1.0) == 12.0
    assert policy.delay(1, 3600.0, lambda: 1.0) == 60.0
    assert policy.delay(2, None, lambda: 1.0) == 1.0


@pytest.mark.parametrize("field", ["max_retries", "backoff_base", "backoff_max", "max_retry_after"])
def test_negative_settings_are_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=r"negative|0 or more"):
        RetryPolicy(**{field: -1})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Tue, 14 Nov 2023 22:15:20 GMT", 120.0),
        ("Tue, 14 Nov 2023 22:10:00 GMT", 0.0),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(header: str, expected: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(expected)


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "Tue, 14 Nov 2023 22:15:20"])
def test_parse_retry_after_ignores_what_it_cannot_read(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None
