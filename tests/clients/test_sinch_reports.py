from __future__ import annotations

from typing import Any

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsNotFoundError, SmsValidationError

from .sinch_fixtures import BATCH_ID, BATCH_RESPONSE, PLAN, US, sinch

SUMMARY = {
    "type": "delivery_report_sms",
    "batch_id": BATCH_ID,
    "total_message_count": 3,
    "statuses": [
        {"code": 400, "status": "Queued", "count": 1},
        {"code": 0, "status": "Delivered", "count": 2},
    ],
}


def recipient_report(number: int) -> dict[str, Any]:
    return {
        "type": "recipient_delivery_report_sms",
        "batch_id": BATCH_ID,
        "recipient": f"+1555123{number:04d}",
        "code": 0,
        "status": "Delivered",
        "at": "2024-01-01T00:00:00.000Z",
    }


def test_get_delivery_report_sends_type_and_filters(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/{BATCH_ID}/delivery_report", json=SUMMARY)
    report = sinch(sleeps).get_delivery_report(
        BATCH_ID, type="full", status=["delivered", "Failed"], code=[0, 402], client_reference="ref-1"
    )
    assert http.last_request.qs == {
        "type": ["full"],
        "status": ["Delivered,Failed"],
        "code": ["0,402"],
        "client_reference": ["ref-1"],
    }
    assert report.total_message_count == 3
    assert [(s.status, s.count) for s in report.statuses] == [("Queued", 1), ("Delivered", 2)]


def test_get_delivery_report_defaults_to_summary(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/{BATCH_ID}/delivery_report", json=SUMMARY)
    sinch(sleeps).get_delivery_report(BATCH_ID)
    assert http.last_request.qs == {"type": ["summary"]}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"status": ["Delivrd"]}, "status[0]"), ({"type": "detailed"}, "type"), ({"code": [-1]}, "code[0]")],
)
def test_get_delivery_report_rejects_bad_filters_before_any_request(
    http: requests_mock.Mocker, sleeps: list[float], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps).get_delivery_report(BATCH_ID, **kwargs)
    assert [p.field for p in caught.value.problems] == [field]
    assert http.call_count == 0


def test_recipient_report_quotes_the_number(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/{BATCH_ID}/delivery_report/%2B15551230007", json=recipient_report(7))
    report = sinch(sleeps).get_recipient_delivery_report(BATCH_ID, "+15551230007")
    assert report.recipient == "+15551230007"
    assert report.code == 0


def test_recipient_report_404_masks_the_number(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches/{BATCH_ID}/delivery_report/%2B15551230007", status_code=404)
    with pytest.raises(SmsNotFoundError) as caught:
        sinch(sleeps).get_recipient_delivery_report(BATCH_ID, "+15551230007")
    assert "15551230007" not in str(caught.value)


@pytest.mark.parametrize("recipient", ["15551230007x", "", "+0123"])
def test_recipient_report_rejects_a_bad_number_masked(
    http: requests_mock.Mocker, sleeps: list[float], recipient: str
) -> None:
    with pytest.raises(SmsValidationError) as caught:
        sinch(sleeps).get_recipient_delivery_report(BATCH_ID, recipient)
    assert caught.value.problems[0].field == "recipient"
    assert recipient not in str(caught.value) or recipient == ""
    assert http.call_count == 0


def test_list_delivery_reports_walks_every_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    pages = [
        {
            "count": 5,
            "page": 0,
            "page_size": 2,
            "delivery_reports": [recipient_report(1), recipient_report(2)],
        },
        {
            "count": 5,
            "page": 1,
            "page_size": 2,
            "delivery_reports": [recipient_report(3), recipient_report(4)],
        },
        {"count": 5, "page": 2, "page_size": 1, "delivery_reports": [recipient_report(5)]},
    ]
    http.get(f"{US}/delivery_reports", [{"json": page} for page in pages])
    reports = list(sinch(sleeps).list_delivery_reports(page_size=2, status="Delivered"))
    assert [r.recipient for r in reports] == [f"+1555123{n:04d}" for n in range(1, 6)]
    assert [r.qs["page"] for r in http.request_history] == [["0"], ["1"], ["2"]]
    assert all(r.qs["page_size"] == ["2"] and r.qs["status"] == ["Delivered"] for r in http.request_history)


def test_list_stops_when_count_is_reached_on_a_full_page(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    page = {
        "count": 2,
        "page": 0,
        "page_size": 2,
        "delivery_reports": [recipient_report(1), recipient_report(2)],
    }
    http.get(f"{US}/delivery_reports", json=page)
    assert len(list(sinch(sleeps).list_delivery_reports(page_size=2))) == 2
    assert http.call_count == 1


def test_list_without_count_stops_on_a_short_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(
        f"{US}/delivery_reports",
        [
            {"json": {"delivery_reports": [recipient_report(1), recipient_report(2)]}},
            {"json": {"delivery_reports": [recipient_report(3)]}},
        ],
    )
    assert len(list(sinch(sleeps).list_delivery_reports(page_size=2))) == 3
    assert http.call_count == 2


def test_list_delivery_reports_page_returns_one_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/delivery_reports", json={"count": 9, "page": 3, "page_size": 1, "delivery_reports": []})
    page = sinch(sleeps).list_delivery_reports_page(page=3, page_size=1, start_date="2024-01-01T00:00:00Z")
    assert (page.count, page.page) == (9, 3)
    assert http.last_request.qs == {
        "page": ["3"],
        "page_size": ["1"],
        "start_date": ["2024-01-01T00:00:00.000Z"],
    }


def test_list_batches_is_lazy_and_starts_at_the_requested_page(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    full = {"count": 100, "page_size": 30, "batches": [BATCH_RESPONSE] * 30}
    http.get(f"{US}/batches", json=full)
    batches = sinch(sleeps).list_batches(page=1, client_reference="ref-1")
    assert http.call_count == 0
    assert next(batches).id is not None
    assert http.call_count == 1
    assert http.last_request.qs == {"page": ["1"], "page_size": ["30"], "client_reference": ["ref-1"]}
    assert sum(1 for _ in batches) == 89
    assert [r.qs["page"] for r in http.request_history] == [["1"], ["2"], ["3"]]


def test_list_batches_walks_until_count(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(
        f"{US}/batches",
        [
            {"json": {"count": 3, "page": 0, "page_size": 2, "batches": [BATCH_RESPONSE] * 2}},
            {"json": {"count": 3, "page": 1, "page_size": 1, "batches": [BATCH_RESPONSE]}},
        ],
    )
    assert len(list(sinch(sleeps).list_batches(page_size=2, from_=["+15551231234", "44345"]))) == 3
    assert http.request_history[0].qs["from"] == ["+15551231234,44345"]
    assert http.call_count == 2


def test_list_batches_page(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(f"{US}/batches", json={"count": 1, "page": 0, "page_size": 1, "batches": [BATCH_RESPONSE]})
    page = sinch(sleeps).list_batches_page()
    assert [b.id for b in page.batches] == [BATCH_RESPONSE["id"]]
    assert http.last_request.path == f"/xms/v1/{PLAN}/batches"
    assert http.last_request.qs == {}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page_size": 500}, "page_size"), ({"page": -1}, "page"), ({"colour": "red"}, "colour")],
)
def test_list_filters_are_validated_before_iteration(
    http: requests_mock.Mocker, sleeps: list[float], query: dict[str, Any], field: str
) -> None:
    client = sinch(sleeps)
    for listing in (client.list_batches, client.list_delivery_reports):
        with pytest.raises(SmsValidationError) as caught:
            listing(**query)
        assert caught.value.problems[0].field == field
    assert http.call_count == 0
