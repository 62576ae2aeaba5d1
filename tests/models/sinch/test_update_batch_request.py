"""SinchUpdateBatchRequest: optional fields, at least one set, update-specific limits."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_sms.models.sinch import SinchUpdateBatchRequest
from tests.models.sinch import samples
from tests.models.sinch.helpers import CONTEXT, NOW, only_problem

NUMBER = "+61488023555"
MASKED = "+6148****555"


def numbers(count: int) -> list[str]:
    return [f"+614880{index:05d}" for index in range(count)]


def test_seed_update_sample_builds_and_round_trips() -> None:
    request = SinchUpdateBatchRequest.build(samples.UPDATE_REQUEST, context=CONTEXT)
    assert request.to_wire() == samples.UPDATE_REQUEST


def test_update_wire_output_with_every_field() -> None:
    request = SinchUpdateBatchRequest.build(
        {
            "type": "mt_text",
            "from": "Acme",
            "body": "New text",
            "to_add": [NUMBER],
            "to_remove": ["+15551231234"],
            "delivery_report": "full",
            "send_at": "2030-01-02T00:00:00+01:00",
            "expire_at": "2030-01-03T00:00:00Z",
            "callback_url": "https://example.com/cb",
            "parameters": {"name": {"default": "there"}},
        },
        context=CONTEXT,
    )
    assert request.to_wire() == {
        "type": "mt_text",
        "from": "Acme",
        "body": "New text",
        "to_add": [NUMBER],
        "to_remove": ["+15551231234"],
        "delivery_report": "full",
        "send_at": "2030-01-01T23:00:00.000Z",
        "expire_at": "2030-01-03T00:00:00.000Z",
        "callback_url": "https://example.com/cb",
        "parameters": {"name": {"default": "there"}},
    }


@pytest.mark.parametrize("data", [{}, {"body": None, "to_add": None}])
def test_update_that_changes_nothing_is_an_error(data: dict[str, Any]) -> None:
    problem = only_problem(SinchUpdateBatchRequest, data)
    assert (problem.field, problem.value) == ("(request)", "{}")
    assert problem.rule == "an update must set at least one field"


def test_update_of_one_field_is_accepted() -> None:
    assert SinchUpdateBatchRequest.build(delivery_report="none").to_wire() == {"delivery_report": "none"}


def test_body_accepts_1600_characters() -> None:
    assert len(SinchUpdateBatchRequest.build(body="x" * 1600).body or "") == 1600


def test_body_over_1600_characters_is_an_error() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"body": "x" * 1601})
    assert (problem.field, problem.value, problem.rule) == (
        "body",
        "<1601 characters>",
        "must be at most 1600 characters",
    )


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
@pytest.mark.parametrize("count", [1, 1000])
def test_recipient_changes_accept_1_to_1000(field: str, count: int) -> None:
    assert SinchUpdateBatchRequest.build({field: numbers(count)}).to_wire() == {field: numbers(count)}


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
@pytest.mark.parametrize("count", [0, 1001])
def test_recipient_changes_reject_0_or_more_than_1000(field: str, count: int) -> None:
    problem = only_problem(SinchUpdateBatchRequest, {field: numbers(count)})
    assert (problem.field, problem.value, problem.rule) == (
        field,
        f"<{count} recipients>",
        "must hold 1 to 1000 recipients",
    )


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
def test_recipient_changes_name_a_bad_number_by_position_masked(field: str) -> None:
    problem = only_problem(SinchUpdateBatchRequest, {field: ["+15551231234", "61488023555"]})
    assert (problem.field, problem.value) == (f"{field}[1]", "61488***555")


def test_to_add_with_a_duplicate_is_an_error() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"to_add": [NUMBER, NUMBER]})
    assert (problem.field, problem.value) == ("to_add", MASKED)
    assert problem.rule.startswith("to_add[0] and to_add[1] are the same number")


def test_type_must_be_text_or_binary() -> None:
    assert SinchUpdateBatchRequest.build(type="mt_binary").type == "mt_binary"
    assert only_problem(SinchUpdateBatchRequest, {"type": "mt_media"}).field == "type"


def test_binary_update_body_must_be_base64() -> None:
    assert SinchUpdateBatchRequest.build(type="mt_binary", body="QUJD").body == "QUJD"
    problem = only_problem(SinchUpdateBatchRequest, {"type": "mt_binary", "body": "not base64"})
    assert (problem.field, problem.rule) == ("body", "must be Base64 (standard alphabet, padded)")


def test_text_update_body_is_not_checked_as_base64() -> None:
    assert SinchUpdateBatchRequest.build(body="not base64").body == "not base64"


def test_binary_update_body_and_udh_must_fit_in_140_bytes() -> None:
    fits = base64.b64encode(b"\x00" * 134).decode()
    too_big = base64.b64encode(b"\x00" * 135).decode()
    assert SinchUpdateBatchRequest.build(type="mt_binary", body=fits, udh="050003CC0201").udh
    problem = only_problem(
        SinchUpdateBatchRequest, {"type": "mt_binary", "body": too_big, "udh": "050003CC0201"}
    )
    assert (problem.field, problem.rule) == ("udh", "body and udh together must be at most 140 bytes")


def test_udh_must_be_hex() -> None:
    assert only_problem(SinchUpdateBatchRequest, {"udh": "xyz"}).field == "udh"


def test_expire_at_with_send_at_follows_the_3_day_rule() -> None:
    send_at = NOW + timedelta(days=1)
    ok = SinchUpdateBatchRequest.build(
        send_at=send_at, expire_at=send_at + timedelta(days=3), context=CONTEXT
    )
    assert ok.expire_at == send_at + timedelta(days=3)
    problem = only_problem(
        SinchUpdateBatchRequest, {"send_at": send_at, "expire_at": send_at + timedelta(days=3, minutes=1)}
    )
    assert problem.rule == "must be at most 3 days after send_at (2030-01-02T12:00:00.000Z)"


def test_expire_at_alone_must_be_in_the_future() -> None:
    # The batch keeps its own send_at, which the request does not know, so only "after now" is checked.
    later = NOW + timedelta(days=10)
    assert SinchUpdateBatchRequest.build(expire_at=later, context=CONTEXT).expire_at == later
    problem = only_problem(SinchUpdateBatchRequest, {"expire_at": NOW})
    assert (problem.field, problem.rule) == ("expire_at", "must be after now (2030-01-01T12:00:00.000Z)")


def test_update_rejects_naive_datetimes_and_bad_callback_urls() -> None:
    assert only_problem(SinchUpdateBatchRequest, {"send_at": "2030-01-02T00:00:00"}).rule.startswith(
        "a naive date-time"
    )
    assert only_problem(SinchUpdateBatchRequest, {"callback_url": "myCallbackUrl"}).field == "callback_url"


def test_update_parameters_follow_the_parameter_rules() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"parameters": {"name": {"0412345678": "Ann"}}})
    assert (problem.field, problem.value) == ("parameters", "name[04123**678]")
