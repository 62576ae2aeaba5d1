from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_sms.sandbox.sinch.content import apply_update, parse_content
from airflow_provider_sms.sandbox.sinch.errors import (
    CONSTRAINT_VIOLATION,
    INVALID_FORMAT,
    INVALID_JSON,
    MISSING_CALLBACK_URL,
    SinchApiError,
)

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def text(**overrides: Any) -> dict[str, Any]:
    return {"to": ["+61488023555"], "from": "Acme", "body": "Hello", **overrides}


def error_of(data: dict[str, Any]) -> SinchApiError:
    with pytest.raises(SinchApiError) as caught:
        parse_content(data, NOW)
    return caught.value


def test_minimal_text_batch_gets_defaults() -> None:
    content = parse_content(text(), NOW)
    assert content.type == "mt_text"
    assert content.delivery_report == "none"
    assert content.dispatch_at(NOW) == NOW
    assert content.expires_at(NOW) == NOW + timedelta(days=3)


def test_null_fields_count_as_absent() -> None:
    assert parse_content(text(callback_url=None, send_at=None), NOW).callback_url is None


@pytest.mark.parametrize("missing", ["to", "body"])
def test_required_fields(missing: str) -> None:
    data = text()
    del data[missing]
    error = error_of(data)
    assert (error.status, error.code) == (400, CONSTRAINT_VIOLATION)
    assert error.text.startswith(missing)


def test_unknown_field_is_invalid_json() -> None:
    error = error_of(text(recipients=["+61488023555"]))
    assert error.code == INVALID_JSON
    assert "recipients" in error.text


def test_body_length_limit_2000() -> None:
    assert parse_content(text(body="a" * 2000), NOW).body == "a" * 2000
    assert error_of(text(body="a" * 2001)).code == CONSTRAINT_VIOLATION


def test_client_reference_limit_128() -> None:
    assert parse_content(text(client_reference="r" * 128), NOW).client_reference == "r" * 128
    assert error_of(text(client_reference="r" * 129)).code == CONSTRAINT_VIOLATION


def test_callback_url_limit_2048() -> None:
    url = "http://127.0.0.1/" + "p" * (2048 - 17)
    assert parse_content(text(callback_url=url), NOW).callback_url == url
    assert error_of(text(callback_url=url + "p")).code == CONSTRAINT_VIOLATION


@pytest.mark.parametrize(
    ("name", "good", "bad"), [("from_ton", 6, 7), ("from_npi", 18, 19), ("from_ton", 0, -1)]
)
def test_ton_npi_ranges(name: str, good: int, bad: int) -> None:
    assert getattr(parse_content(text(**{name: good}), NOW), name) == good
    assert error_of(text(**{name: bad})).code == CONSTRAINT_VIOLATION


def test_max_number_of_message_parts_at_least_one() -> None:
    assert parse_content(text(max_number_of_message_parts=1), NOW).max_number_of_message_parts == 1
    assert error_of(text(max_number_of_message_parts=0)).code == CONSTRAINT_VIOLATION


def test_bad_sender_and_bad_date_are_format_errors() -> None:
    assert error_of(text(**{"from": "Way too long sender"})).code == INVALID_FORMAT
    assert error_of(text(send_at="next week")).code == INVALID_FORMAT


def test_bad_delivery_report_type() -> None:
    assert error_of(text(delivery_report="sometimes")).code == INVALID_FORMAT


def test_report_without_callback_url_is_403() -> None:
    error = error_of(text(delivery_report="summary"))
    assert (error.status, error.code) == (403, MISSING_CALLBACK_URL)
    ok = parse_content(text(delivery_report="summary", callback_url="http://localhost/cb"), NOW)
    assert ok.delivery_report == "summary"


def test_expire_at_must_follow_send_at_within_three_days() -> None:
    send_at = NOW + timedelta(hours=1)
    good = parse_content(
        text(send_at=send_at.isoformat(), expire_at=(send_at + timedelta(days=3)).isoformat()), NOW
    )
    assert good.expires_at(NOW) == send_at + timedelta(days=3)
    too_late = text(
        send_at=send_at.isoformat(), expire_at=(send_at + timedelta(days=3, seconds=1)).isoformat()
    )
    assert error_of(too_late).code == CONSTRAINT_VIOLATION
    assert (
        error_of(text(send_at=send_at.isoformat(), expire_at=send_at.isoformat())).code
        == CONSTRAINT_VIOLATION
    )


def test_expire_at_without_send_at_counts_from_now() -> None:
    assert error_of(text(expire_at=(NOW - timedelta(seconds=1)).isoformat())).code == CONSTRAINT_VIOLATION
    assert parse_content(text(expire_at=(NOW + timedelta(hours=1)).isoformat()), NOW).expire_at is not None


def test_parameters_keys_and_values_are_checked() -> None:
    ok = parse_content(text(parameters={"first.name": {"+61488023555": "Ann", "default": "you"}}), NOW)
    assert ok.parameters == {"first.name": {"+61488023555": "Ann", "default": "you"}}
    assert error_of(text(parameters={"bad key!": {"default": "x"}})).code == INVALID_FORMAT
    assert error_of(text(parameters={"k" * 17: {"default": "x"}})).code == INVALID_FORMAT
    assert error_of(text(parameters={"name": {"default": "x" * 161}})).code == CONSTRAINT_VIOLATION
    assert error_of(text(parameters={"name": {"not-a-number": "x"}})).code == INVALID_FORMAT


def binary(body: bytes, udh: str | None = "050003CC0201", **overrides: Any) -> dict[str, Any]:
    data = {
        "type": "mt_binary",
        "to": ["+61488023555"],
        "from": "Acme",
        "body": base64.b64encode(body).decode(),
    }
    if udh is not None:
        data["udh"] = udh
    return {**data, **overrides}


def test_binary_body_and_udh_share_140_bytes() -> None:
    assert parse_content(binary(b"x" * 134), NOW).type == "mt_binary"
    error = error_of(binary(b"x" * 135))
    assert error.code == CONSTRAINT_VIOLATION
    assert "140 bytes" in error.text


def test_binary_needs_base64_body_and_hex_udh() -> None:
    assert error_of(binary(b"x", udh=None)).code == CONSTRAINT_VIOLATION
    assert error_of(binary(b"x", udh="zz")).code == INVALID_FORMAT
    assert error_of({**binary(b"x"), "body": "not base64!"}).code == INVALID_FORMAT


def test_binary_takes_no_parameters_and_text_takes_no_udh() -> None:
    assert error_of(binary(b"x", parameters={"name": {"default": "x"}})).code == CONSTRAINT_VIOLATION
    assert error_of(text(udh="0500")).code == CONSTRAINT_VIOLATION


def test_update_adds_then_removes_recipients_and_changes_fields() -> None:
    content = parse_content(text(to=["+61488023555", "+61488023556"]), NOW)
    updated = apply_update(
        content, {"to_add": ["+61488023557"], "to_remove": ["61488023555"], "body": "Changed"}, NOW
    )
    assert updated.to == ["+61488023556", "+61488023557"]
    assert updated.body == "Changed"
    assert updated.sender == "Acme"


def test_update_validates_the_result_whole() -> None:
    content = parse_content(text(), NOW)
    with pytest.raises(SinchApiError) as emptied:
        apply_update(content, {"to_remove": ["+61488023555"]}, NOW)
    assert emptied.value.code == CONSTRAINT_VIOLATION
    with pytest.raises(SinchApiError) as bad_add:
        apply_update(content, {"to_add": ["+61488023555", "nope"]}, NOW)
    assert "to_add[1]" in bad_add.value.text
    with pytest.raises(SinchApiError) as unknown:
        apply_update(content, {"to": ["+61488023555"]}, NOW)
    assert unknown.value.code == INVALID_JSON
