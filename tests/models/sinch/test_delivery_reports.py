"""Delivery reports: batch (summary, full), recipient (lenient code, neutral state), paged list."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_sms.models.sinch import (
    SinchBatchDeliveryReport,
    SinchDeliveryReportListPage,
    SinchRecipientDeliveryReport,
    SinchStatusCount,
)
from airflow_provider_sms.models.status import MessageState, NeutralStatus
from tests.models.sinch import samples


def test_summary_report_parses() -> None:
    report = SinchBatchDeliveryReport.model_validate(samples.SUMMARY_REPORT)
    assert (report.type, report.batch_id, report.total_message_count) == (
        "delivery_report_sms",
        "01FC66621XXXXX119Z8PMV1QPQ",
        3,
    )
    assert report.statuses == [
        SinchStatusCount(code=400, status="Queued", count=1),
        SinchStatusCount(code=0, status="Delivered", count=2),
    ]
    assert report.client_reference is None


def test_full_report_carries_recipients_per_status() -> None:
    report = SinchBatchDeliveryReport.model_validate(samples.FULL_REPORT)
    assert [status.recipients for status in report.statuses] == [
        ["+15551231234"],
        ["+15551256344", "+15551256345"],
    ]
    assert report.client_reference == "myReference"


def test_batch_report_keeps_unknown_fields_and_coerces_numbers() -> None:
    report = SinchBatchDeliveryReport.model_validate(
        {"batch_id": "B1", "statuses": [{"code": "402", "status": "Aborted", "count": "1", "x": 1}], "y": 2}
    )
    assert report.statuses[0].code == 402
    assert report.statuses[0].count == 1
    assert report.statuses[0].model_extra == {"x": 1}
    assert report.model_extra == {"y": 2}


def test_batch_report_requires_batch_id() -> None:
    with pytest.raises(ValueError, match="batch_id"):
        SinchBatchDeliveryReport.model_validate({"statuses": []})


def test_recipient_report_parses_every_documented_field() -> None:
    report = SinchRecipientDeliveryReport.model_validate(samples.RECIPIENT_REPORT)
    assert report.code == 0
    assert report.at == datetime(2019, 8, 24, 14, 17, 22, 123000, tzinfo=timezone.utc)
    assert report.operator_status_at == datetime(2019, 8, 24, 14, 17, 20, tzinfo=timezone.utc)
    assert (report.recipient, report.status, report.client_reference) == (
        "+15551231234",
        "Delivered",
        "myReference",
    )
    assert (report.applied_originator, report.encoding, report.number_of_message_parts) == (
        "+15551256344",
        "GSM",
        1,
    )
    assert (report.operator, report.status_message, report.type) == (
        "310260",
        "DELIVRD",
        "recipient_delivery_report_sms",
    )


def test_recipient_given_as_a_json_number_becomes_a_string() -> None:
    report = SinchRecipientDeliveryReport.model_validate(
        {"batch_id": "B1", "recipient": 15551231234, "status": "Queued", "code": 400}
    )
    assert report.recipient == "15551231234"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        ("Delivered", 0, MessageState(NeutralStatus.DELIVERED, True, "Delivered", 0)),
        ("Queued", 400, MessageState(NeutralStatus.PENDING, False, "Queued", 400)),
        ("Aborted", 407, MessageState(NeutralStatus.CANCELLED, True, "Aborted", 407)),
        ("Failed", None, MessageState(NeutralStatus.FAILED, True, "Failed", None)),
    ],
)
def test_recipient_report_state_maps_to_the_neutral_vocabulary(
    status: str, code: int | None, expected: MessageState
) -> None:
    report = SinchRecipientDeliveryReport.model_validate(
        {"batch_id": "B1", "recipient": "+15551231234", "status": status, "code": code}
    )
    assert report.state == expected


def test_delivery_report_list_page_parses_and_keeps_unknown_fields() -> None:
    page = SinchDeliveryReportListPage.model_validate(
        {
            "count": "3",
            "page": 0,
            "page_size": 1,
            "delivery_reports": [samples.RECIPIENT_REPORT],
            "extra": True,
        }
    )
    assert (page.count, page.page, page.page_size) == (3, 0, 1)
    assert page.delivery_reports[0].state.status is NeutralStatus.DELIVERED
    assert page.model_extra == {"extra": True}


def test_empty_delivery_report_list_reads_as_no_reports() -> None:
    page = SinchDeliveryReportListPage.model_validate({})
    assert (page.count, page.delivery_reports) == (0, [])
