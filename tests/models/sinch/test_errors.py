"""parse_error_body: both documented shapes, and anything else without failing."""

from __future__ import annotations

import pytest

from airflow_provider_sms.models.sinch import parse_error_body
from tests.models.sinch import samples


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
