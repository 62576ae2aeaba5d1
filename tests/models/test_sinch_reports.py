"""Sinch report models: delivery reports, dry run, queries and error bodies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_sms.models.sinch import (
    SinchDryRunQuery,
    SinchDryRunRecipient,
    SinchDryRunResponse,
    SinchListBatchesQuery,
    parse_error_body,
)
from airflow_provider_sms.models.sinch_reports import (
    SinchBatchDeliveryReport,
    SinchBatchDeliveryReportQuery,
    SinchDeliveryReportListPage,
    SinchListDeliveryReportsQuery,
    SinchRecipientDeliveryReport,
    SinchStatusCount,
)
from airflow_provider_sms.models.sms import MessageState, NeutralStatus
from tests.models import sinch_samples as samples
from tests.models.sinch_samples import only_problem

# -- Delivery reports: batch (summary, full), recipient (lenient code, neutral state), paged list. -----------


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


# -- Dry run: response samples parse; the query validates its range and builds exact parameters. -------------


@pytest.mark.parametrize("sample", [samples.DRY_RUN_RESPONSE, samples.GUIDE_DRY_RUN_RESPONSE])
def test_seed_dry_run_samples_parse(sample: dict[str, Any]) -> None:
    response = SinchDryRunResponse.model_validate(sample)
    assert response.number_of_recipients == sample["number_of_recipients"]
    assert response.number_of_messages == sample["number_of_messages"]
    assert response.per_recipient == [SinchDryRunRecipient()]


def test_per_recipient_details_parse_and_unknown_fields_are_kept() -> None:
    response = SinchDryRunResponse.model_validate(
        {
            "number_of_recipients": 2,
            "number_of_messages": 3,
            "per_recipient": [
                {"recipient": 15551231234, "number_of_parts": 1, "body": "Hi Ann", "encoding": "GSM"},
                {"recipient": "+15551256344", "number_of_parts": "2", "body": "Hi 😀", "encoding": "UNICODE"},
            ],
            "cost": 0.1,
        }
    )
    assert response.per_recipient == [
        SinchDryRunRecipient(recipient="15551231234", number_of_parts=1, body="Hi Ann", encoding="GSM"),
        SinchDryRunRecipient(recipient="+15551256344", number_of_parts=2, body="Hi 😀", encoding="UNICODE"),
    ]
    assert response.model_extra == {"cost": 0.1}


def test_response_without_per_recipient_has_none() -> None:
    assert SinchDryRunResponse.model_validate({"number_of_recipients": 1}).per_recipient is None


def test_query_to_params_is_exact() -> None:
    assert SinchDryRunQuery.build(per_recipient=True, number_of_recipients=500).to_params() == {
        "per_recipient": "true",
        "number_of_recipients": "500",
    }
    assert SinchDryRunQuery.build(per_recipient=False).to_params() == {"per_recipient": "false"}
    assert SinchDryRunQuery.build().to_params() == {}


@pytest.mark.parametrize("count", [1, 1000])
def test_number_of_recipients_accepts_1_to_1000(count: int) -> None:
    assert SinchDryRunQuery.build(number_of_recipients=count).to_params() == {
        "number_of_recipients": str(count)
    }


@pytest.mark.parametrize("count", [0, 1001])
def test_number_of_recipients_rejects_outside_1_to_1000(count: int) -> None:
    problem = only_problem(SinchDryRunQuery, {"number_of_recipients": count})
    assert (problem.field, problem.value, problem.rule) == (
        "number_of_recipients",
        str(count),
        "must be between 1 and 1000",
    )


# -- Query models: every rule passes and fails, ``to_params()`` exact. ---------------------------------------

QueryModel = (
    type[SinchListBatchesQuery] | type[SinchBatchDeliveryReportQuery] | type[SinchListDeliveryReportsQuery]
)
START = datetime(2030, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=10)))
PAGED = [SinchListBatchesQuery, SinchListDeliveryReportsQuery]
FILTERED = [SinchBatchDeliveryReportQuery, SinchListDeliveryReportsQuery]


def test_list_batches_to_params_is_exact() -> None:
    query = SinchListBatchesQuery.build(
        {"from": ["12345", "+61488023555"]},
        page=0,
        page_size=50,
        start_date=START,
        end_date="2030-01-02T00:00:00.5Z",
        client_reference="myReference",
    )
    assert query.to_params() == {
        "page": "0",
        "page_size": "50",
        "from": "12345,+61488023555",
        "start_date": "2030-01-01T00:00:00.000Z",
        "end_date": "2030-01-02T00:00:00.500Z",
        "client_reference": "myReference",
    }


def test_unset_query_sends_nothing() -> None:
    for model in (SinchListBatchesQuery, SinchBatchDeliveryReportQuery, SinchListDeliveryReportsQuery):
        assert model.build().to_params() == {}


def test_list_batches_from_accepts_a_comma_separated_string() -> None:
    assert SinchListBatchesQuery.build(from_="44345, 45607").to_params() == {"from": "44345,45607"}


def test_list_batches_from_names_a_bad_sender_by_position() -> None:
    problem = only_problem(SinchListBatchesQuery, {"from": ["12345", "+12"]})
    assert (problem.field, problem.value) == ("from[1]", "*12")
    assert "E.164" in problem.rule


@pytest.mark.parametrize("model", PAGED)
@pytest.mark.parametrize(("page", "page_size"), [(0, 1), (7, 100)])
def test_paging_accepts_page_from_0_and_page_size_1_to_100(
    model: QueryModel, page: int, page_size: int
) -> None:
    assert model.build(page=page, page_size=page_size).to_params() == {
        "page": str(page),
        "page_size": str(page_size),
    }


@pytest.mark.parametrize("model", PAGED)
@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("page", -1, "must be at least 0"),
        ("page_size", 0, "must be between 1 and 100"),
        ("page_size", 101, "must be between 1 and 100"),
    ],
)
def test_paging_rejects_out_of_range_values(model: QueryModel, field: str, value: int, rule: str) -> None:
    problem = only_problem(model, {field: value})
    assert (problem.field, problem.value, problem.rule) == (field, str(value), rule)


@pytest.mark.parametrize("model", PAGED)
def test_end_date_must_be_after_start_date(model: QueryModel) -> None:
    problem = only_problem(model, {"start_date": START, "end_date": START})
    assert (problem.field, problem.value) == ("end_date", "2030-01-01T00:00:00.000Z")
    assert problem.rule == "must be after start_date (2030-01-01T00:00:00.000Z)"


@pytest.mark.parametrize("model", PAGED)
def test_dates_must_be_timezone_aware(model: QueryModel) -> None:
    problem = only_problem(model, {"start_date": datetime(2030, 1, 1)})
    assert problem.field == "start_date"
    assert problem.rule.startswith("a naive date-time has no timezone")


@pytest.mark.parametrize("model", [*PAGED, SinchBatchDeliveryReportQuery])
def test_client_reference_is_limited_to_128_characters(model: QueryModel) -> None:
    assert model.build(client_reference="r" * 128).to_params() == {"client_reference": "r" * 128}
    problem = only_problem(model, {"client_reference": "r" * 129})
    assert (problem.field, problem.value) == ("client_reference", "<129 characters>")


def test_batch_delivery_report_query_to_params_is_exact() -> None:
    query = SinchBatchDeliveryReportQuery.build(
        type="full", status=["delivered", "FAILED"], code=[0, 402], client_reference="ref"
    )
    assert query.to_params() == {
        "type": "full",
        "status": "Delivered,Failed",
        "code": "0,402",
        "client_reference": "ref",
    }


def test_list_delivery_reports_query_to_params_is_exact() -> None:
    query = SinchListDeliveryReportsQuery.build(
        page=2, page_size=100, start_date=START, status="Queued,dispatched", code="400,401"
    )
    assert query.to_params() == {
        "page": "2",
        "page_size": "100",
        "start_date": "2030-01-01T00:00:00.000Z",
        "status": "Queued,Dispatched",
        "code": "400,401",
    }


@pytest.mark.parametrize("kind", ["summary", "full"])
def test_report_type_accepts_summary_and_full(kind: str) -> None:
    assert SinchBatchDeliveryReportQuery.build(type=kind).to_params() == {"type": kind}


def test_report_type_rejects_other_values() -> None:
    problem = only_problem(SinchBatchDeliveryReportQuery, {"type": "per_recipient"})
    assert (problem.field, problem.value, problem.rule) == (
        "type",
        "'per_recipient'",
        "must be one of summary, full",
    )


@pytest.mark.parametrize("model", FILTERED)
@pytest.mark.parametrize(
    "status",
    [
        "Queued",
        "Dispatched",
        "Aborted",
        "Cancelled",
        "Rejected",
        "Deleted",
        "Delivered",
        "Failed",
        "Expired",
        "Unknown",
    ],
)
def test_status_filter_accepts_every_sinch_status_in_any_case(model: QueryModel, status: str) -> None:
    assert model.build(status=[status.upper()]).to_params() == {"status": status}


@pytest.mark.parametrize("model", FILTERED)
def test_status_filter_names_an_unknown_status_by_position(model: QueryModel) -> None:
    problem = only_problem(model, {"status": ["Delivered", "Canceled"]})
    assert (problem.field, problem.value) == ("status[1]", "'Canceled'")
    assert problem.rule.startswith("must be one of Queued, Dispatched")


@pytest.mark.parametrize("model", FILTERED)
def test_code_filter_rejects_negative_or_non_numeric_codes(model: QueryModel) -> None:
    problem = only_problem(model, {"code": [0, -1]})
    assert (problem.field, problem.value, problem.rule) == ("code[1]", "-1", "must be at least 0")
    assert only_problem(model, {"code": "0,abc"}).field == "code[1]"


def test_empty_filter_lists_are_not_sent() -> None:
    assert SinchListDeliveryReportsQuery.build(status=[], code="").to_params() == {}


def test_unknown_query_field_is_an_error() -> None:
    assert only_problem(SinchListDeliveryReportsQuery, {"batch": "x"}).field == "batch"


# -- parse_error_body: both documented shapes, and anything else without failing. ----------------------------


def test_code_and_text_shape() -> None:
    assert parse_error_body(samples.CODE_TEXT_ERROR) == (
        "syntax_invalid_parameter_format",
        "'foo' is not a valid identifier",
        [],
    )


def test_error_envelope_uses_the_status_string_as_code() -> None:
    assert parse_error_body(samples.ENVELOPE_ERROR) == ("INVALID_ARGUMENT", "Invalid to", [])


def test_error_envelope_without_status_uses_the_numeric_code() -> None:
    assert parse_error_body({"error": {"code": 400, "message": "Bad"}}) == ("400", "Bad", [])


def test_error_envelope_collects_field_violations() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "Invalid request",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": "to[0]", "description": "bad number"},
                        {"field": "send_at", "description": "in the past"},
                        {"description": "no field"},
                    ],
                },
                {"@type": "other"},
                "not an object",
            ],
        }
    }
    assert parse_error_body(body) == ("INVALID_ARGUMENT", "Invalid request", ["to[0]", "send_at"])


@pytest.mark.parametrize(
    "body",
    [
        None,
        "Internal Server Error",
        ["code"],
        42,
        {},
        {"error": "boom"},
        {"message": "x"},
        {"code": None, "text": {}},
    ],
)
def test_anything_else_gives_nothing(body: object) -> None:
    assert parse_error_body(body) == (None, None, [])


def test_partial_bodies_give_what_they_have() -> None:
    assert parse_error_body({"code": "unknown_group"}) == ("unknown_group", None, [])
    assert parse_error_body({"error": {"message": "m", "details": {"fieldViolations": []}}}) == (
        None,
        "m",
        [],
    )
    assert parse_error_body({"code": True, "text": "t"}) == (None, "t", [])
