"""What the Sinch API accepts: single fields, parameters, batch content and updates."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_sms.sandbox import sinch_requests
from airflow_provider_sms.sandbox.sinch_requests import (
    CONSTRAINT_VIOLATION,
    INVALID_FORMAT,
    INVALID_JSON,
    MISSING_CALLBACK_URL,
    SinchApiError,
    apply_update,
    parse_content,
    substitute,
    value_for,
)

# --- single fields ------------------------------------------------------------------------------------------


def test_mask_msisdn_hides_the_middle_digits() -> None:
    assert sinch_requests.mask_msisdn("+61488023555") == "+6148****555"
    assert sinch_requests.mask_msisdn(12) == "<int>"


@pytest.mark.parametrize("number", ["+61488023555", "61488023555", "+1555123"])
def test_check_msisdn_accepts_numbers_with_or_without_plus(number: str) -> None:
    assert sinch_requests.check_msisdn("to[0]", number) == number


@pytest.mark.parametrize(
    "number", ["+0488023555", "0488", "+61 488 023 555", "+1234567890123456", 61488023555]
)
def test_check_msisdn_rejects_and_masks(number: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_msisdn("to[3]", number)
    assert caught.value.status == 400
    assert caught.value.code == INVALID_FORMAT
    assert caught.value.text.startswith("to[3]:")
    assert "488023" not in caught.value.text


def test_msisdn_list_names_the_position_of_the_bad_entry() -> None:
    with pytest.raises(SinchApiError, match=r"to\[1\]"):
        sinch_requests.check_msisdn_list("to", ["+61488023555", "bad"], min_items=1, max_items=1000)


def test_msisdn_list_drops_duplicates_in_either_form() -> None:
    numbers = sinch_requests.check_msisdn_list(
        "to", ["+61488023555", "61488023555", "+61488023556"], min_items=1, max_items=5
    )
    assert numbers == ["+61488023555", "+61488023556"]


@pytest.mark.parametrize("size", [0, 1001])
def test_msisdn_list_size_is_a_constraint(size: int) -> None:
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_msisdn_list("to", ["+61488023555"] * size, min_items=1, max_items=1000)
    assert caught.value.code == CONSTRAINT_VIOLATION


def test_msisdn_list_accepts_the_limits() -> None:
    numbers = [f"+6148802{n:04d}" for n in range(1000)]
    assert len(sinch_requests.check_msisdn_list("to", numbers, min_items=1, max_items=1000)) == 1000


@pytest.mark.parametrize("sender", ["Acme", "A", "Acme Bank 1", "+61488023555", "12345", "Acme-Co"])
def test_sender_accepts_numbers_short_codes_and_alphanumerics(sender: str) -> None:
    assert sinch_requests.check_sender("from", sender) == sender


@pytest.mark.parametrize("sender", ["", "1234567890123456", "TwelveLetter", "12", "Acme!", 5])
def test_sender_rejects_everything_else(sender: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_sender("from", sender)
    assert caught.value.code == INVALID_FORMAT
    assert caught.value.text.startswith("from:")


def test_datetime_parses_z_offsets_and_naive_as_utc() -> None:
    expected = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
    assert sinch_requests.check_datetime("send_at", "2026-05-01T09:30:00Z") == expected
    assert sinch_requests.check_datetime("send_at", "2026-05-01T19:30:00+10:00") == expected
    assert sinch_requests.check_datetime("send_at", "2026-05-01T09:30:00") == expected


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T00:00:00Z", 1714555800])
def test_datetime_rejects_non_iso(value: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_datetime("send_at", value)
    assert caught.value.code == INVALID_FORMAT


def test_string_length_limit() -> None:
    assert sinch_requests.check_string("client_reference", "x" * 128, max_length=128) == "x" * 128
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_string("client_reference", "x" * 129, max_length=128)
    assert caught.value.code == CONSTRAINT_VIOLATION


def test_url_must_be_absolute_http() -> None:
    assert sinch_requests.check_url("callback_url", "http://127.0.0.1:9/cb", max_length=2048)
    with pytest.raises(SinchApiError) as caught:
        sinch_requests.check_url("callback_url", "ftp://example.com/", max_length=2048)
    assert caught.value.code == INVALID_FORMAT


def test_int_range_and_type() -> None:
    assert sinch_requests.check_int_range("from_ton", 6, minimum=0, maximum=6) == 6
    with pytest.raises(SinchApiError) as too_big:
        sinch_requests.check_int_range("from_ton", 7, minimum=0, maximum=6)
    assert too_big.value.code == CONSTRAINT_VIOLATION
    with pytest.raises(SinchApiError) as not_int:
        sinch_requests.check_int_range("from_ton", True, minimum=0, maximum=6)
    assert not_int.value.code == INVALID_FORMAT


def test_bool_and_choice() -> None:
    assert sinch_requests.check_bool("flash_message", True) is True
    with pytest.raises(SinchApiError):
        sinch_requests.check_bool("flash_message", "yes")
    assert sinch_requests.check_choice("type", "mt_text", ("mt_text", "mt_binary")) == "mt_text"
    with pytest.raises(SinchApiError, match="mt_text, mt_binary"):
        sinch_requests.check_choice("type", "mt_media", ("mt_text", "mt_binary"))


# --- parameters ---------------------------------------------------------------------------------------------


def test_value_for_matches_the_number_with_or_without_plus() -> None:
    values = {"61488023555": "Ann", "default": "there"}
    assert value_for(values, "+61488023555") == "Ann"
    assert value_for(values, "+61488023556") == "there"
    assert value_for({"+61488023555": "Ann"}, "+61488023556") is None


def test_substitute_fills_every_placeholder() -> None:
    parameters = {"name": {"+61488023555": "Ann"}, "code": {"default": "X1"}}
    assert substitute("Hi ${name}, code ${code}", parameters, "+61488023555") == "Hi Ann, code X1"


def test_substitute_returns_none_when_a_recipient_has_no_value_and_no_default() -> None:
    assert substitute("Hi ${name}", {"name": {"+61488023555": "Ann"}}, "+61488023556") is None


def test_substitute_leaves_unknown_keys_alone() -> None:
    assert substitute("Cost ${price}", {}, "+61488023555") == "Cost ${price}"


# --- batch content ------------------------------------------------------------------------------------------

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
