from __future__ import annotations

import pytest

from airflow_provider_sms.models.fonedynamics.errors import FoneResponseStatus, parse_error_body
from tests.models.fonedynamics.helpers import load_seed


def test_seed_error_body_parses() -> None:
    assert parse_error_body(load_seed("batch_send_request_failed_response")) == (
        "FormatException",
        "Invalid length for a Base-64 char array or string.",
        [],
    )


def test_field_names_are_returned_in_order() -> None:
    body = {
        "ResponseStatus": {
            "ErrorCode": "PARAMETER_REQUIRED",
            "Message": "missing",
            "Errors": [{"FieldName": "To"}, {"FieldName": "Text"}, {"Other": 1}],
        }
    }
    assert parse_error_body(body) == ("PARAMETER_REQUIRED", "missing", ["To", "Text"])


@pytest.mark.parametrize(
    "body",
    [None, "", "Internal Server Error", [], {}, {"ResponseStatus": None}, {"ResponseStatus": "x"}, 42],
)
def test_missing_or_odd_bodies_give_nones(body: object) -> None:
    assert parse_error_body(body) == (None, None, [])


def test_blank_code_and_text_are_none() -> None:
    assert parse_error_body({"ResponseStatus": {"ErrorCode": "", "Message": ""}}) == (None, None, [])


def test_odd_errors_list_still_gives_code_and_text() -> None:
    body = {"ResponseStatus": {"ErrorCode": "E1", "Message": "m", "Errors": "not a list"}}
    assert parse_error_body(body) == ("E1", "m", [])


def test_non_string_code_is_dropped_not_raised() -> None:
    assert parse_error_body({"ResponseStatus": {"ErrorCode": 7, "Message": "m"}}) == (None, "m", [])


def test_response_status_keeps_unknown_fields() -> None:
    status = FoneResponseStatus.model_validate({"ErrorCode": "E1", "StackTrace": "..."})
    assert status.model_extra == {"StackTrace": "..."}
