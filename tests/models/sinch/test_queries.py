"""Query models: every rule passes and fails, ``to_params()`` exact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.models.sinch import (
    SinchBatchDeliveryReportQuery,
    SinchListBatchesQuery,
    SinchListDeliveryReportsQuery,
)
from tests.models.sinch.helpers import only_problem

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
