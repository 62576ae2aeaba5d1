from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.sandbox.sinch.errors import CONSTRAINT_VIOLATION, INVALID_FORMAT, SinchApiError
from airflow_provider_sms.sandbox.sinch.queries import query_codes, query_page, query_statuses, query_window

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def test_page_defaults_and_limits() -> None:
    assert query_page({}) == query_page({"page": "0", "page_size": "30"})
    assert query_page({"page_size": "100"}).size == 100
    for bad in ({"page_size": "101"}, {"page_size": "0"}, {"page": "-1"}):
        with pytest.raises(SinchApiError) as caught:
            query_page(bad)
        assert caught.value.code == CONSTRAINT_VIOLATION
    with pytest.raises(SinchApiError) as not_int:
        query_page({"page": "one"})
    assert not_int.value.code == INVALID_FORMAT


def test_envelope_counts_all_and_returns_one_page() -> None:
    envelope = query_page({"page": "1", "page_size": "2"}).envelope(
        [1, 2, 3, 4, 5], "items", lambda n: {"n": n}
    )
    assert envelope == {"page": 1, "page_size": 2, "count": 5, "items": [{"n": 3}, {"n": 4}]}


def test_window_defaults_to_the_last_24_hours() -> None:
    window = query_window({}, NOW)
    assert window.contains(NOW - timedelta(hours=24))
    assert not window.contains(NOW - timedelta(hours=24, seconds=1))
    bounded = query_window({"start_date": "2026-04-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, NOW)
    assert bounded.contains(datetime(2026, 4, 1, 12, tzinfo=timezone.utc))
    assert not bounded.contains(datetime(2026, 4, 2, tzinfo=timezone.utc))


def test_status_filter_is_case_insensitive_and_checked() -> None:
    assert query_statuses({"status": "delivered, Failed"}) == {"Delivered", "Failed"}
    with pytest.raises(SinchApiError):
        query_statuses({"status": "Lost"})


def test_code_filter() -> None:
    assert query_codes({"code": "0,402"}) == {0, 402}
    with pytest.raises(SinchApiError):
        query_codes({"code": "zero"})
