"""What the Sinch API answers: query parameters of lists and reports, and final reports newest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.sandbox.core import outcome_for
from airflow_provider_sms.sandbox.sinch_batches import Batch, advance, queued_recipients
from airflow_provider_sms.sandbox.sinch_reports import (
    FinalReports,
    ReportPair,
    query_codes,
    query_page,
    query_statuses,
    query_window,
)
from airflow_provider_sms.sandbox.sinch_requests import (
    CONSTRAINT_VIOLATION,
    INVALID_FORMAT,
    SinchApiError,
    parse_content,
)

# --- query parameters ---------------------------------------------------------------------------------------

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


# --- final reports ------------------------------------------------------------------------------------------

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
TO = ["+61400000001", "+61400000013", "+61400000099"]


def make_batch(batch_id: str, reference: str, sent_at: datetime) -> Batch:
    content = parse_content({"to": TO, "from": "Acme", "body": "Hi", "client_reference": reference}, sent_at)
    batch = Batch(batch_id, content, sent_at, sent_at, sent_at, queued_recipients(content.to, sent_at))
    advance(batch, sent_at + timedelta(seconds=2), 2.0, outcome_for)
    return batch


def numbers(pairs: list[ReportPair]) -> list[tuple[str, str]]:
    return [(batch.id, recipient.msisdn) for batch, recipient in pairs]


def test_only_final_matching_recipients_newest_first() -> None:
    older, newer = make_batch("B1", "a", T0), make_batch("B2", "b", T0 + timedelta(minutes=1))
    reports = FinalReports()

    everything = reports.matching([older, newer], None, set(), set())
    assert numbers(everything) == [
        ("B2", "+61400000001"),
        ("B2", "+61400000013"),
        ("B1", "+61400000001"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], "a", set(), set())) == [
        ("B1", "+61400000001"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], None, {"Failed"}, set())) == [
        ("B2", "+61400000013"),
        ("B1", "+61400000013"),
    ]
    assert numbers(reports.matching([older, newer], None, set(), {0})) == [
        ("B2", "+61400000001"),
        ("B1", "+61400000001"),
    ]


def test_the_answer_is_kept_until_a_change_is_noted() -> None:
    batch = make_batch("B1", "a", T0)
    reports = FinalReports()
    first = reports.matching([batch], None, set(), set())
    assert len(first) == 2

    advance(batch, batch.expires_at, 2.0, outcome_for)
    assert reports.matching([batch], None, set(), set()) is first
    reports.changed()
    assert len(reports.matching([batch], None, set(), set())) == 3
