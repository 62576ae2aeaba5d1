from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_sms.sandbox.sinch import fields
from airflow_provider_sms.sandbox.sinch.errors import CONSTRAINT_VIOLATION, INVALID_FORMAT, SinchApiError


def test_mask_msisdn_hides_the_middle_digits() -> None:
    assert fields.mask_msisdn("+61488023555") == "+6148****555"
    assert fields.mask_msisdn(12) == "<int>"


@pytest.mark.parametrize("number", ["+61488023555", "61488023555", "+1555123"])
def test_check_msisdn_accepts_numbers_with_or_without_plus(number: str) -> None:
    assert fields.check_msisdn("to[0]", number) == number


@pytest.mark.parametrize(
    "number", ["+0488023555", "0488", "+61 488 023 555", "+1234567890123456", 61488023555]
)
def test_check_msisdn_rejects_and_masks(number: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        fields.check_msisdn("to[3]", number)
    assert caught.value.status == 400
    assert caught.value.code == INVALID_FORMAT
    assert caught.value.text.startswith("to[3]:")
    assert "488023" not in caught.value.text


def test_msisdn_list_names_the_position_of_the_bad_entry() -> None:
    with pytest.raises(SinchApiError, match=r"to\[1\]"):
        fields.check_msisdn_list("to", ["+61488023555", "bad"], min_items=1, max_items=1000)


def test_msisdn_list_drops_duplicates_in_either_form() -> None:
    numbers = fields.check_msisdn_list(
        "to", ["+61488023555", "61488023555", "+61488023556"], min_items=1, max_items=5
    )
    assert numbers == ["+61488023555", "+61488023556"]


@pytest.mark.parametrize("size", [0, 1001])
def test_msisdn_list_size_is_a_constraint(size: int) -> None:
    with pytest.raises(SinchApiError) as caught:
        fields.check_msisdn_list("to", ["+61488023555"] * size, min_items=1, max_items=1000)
    assert caught.value.code == CONSTRAINT_VIOLATION


def test_msisdn_list_accepts_the_limits() -> None:
    numbers = [f"+6148802{n:04d}" for n in range(1000)]
    assert len(fields.check_msisdn_list("to", numbers, min_items=1, max_items=1000)) == 1000


@pytest.mark.parametrize("sender", ["Acme", "A", "Acme Bank 1", "+61488023555", "12345", "Acme-Co"])
def test_sender_accepts_numbers_short_codes_and_alphanumerics(sender: str) -> None:
    assert fields.check_sender("from", sender) == sender


@pytest.mark.parametrize("sender", ["", "1234567890123456", "TwelveLetter", "12", "Acme!", 5])
def test_sender_rejects_everything_else(sender: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        fields.check_sender("from", sender)
    assert caught.value.code == INVALID_FORMAT
    assert caught.value.text.startswith("from:")


def test_datetime_parses_z_offsets_and_naive_as_utc() -> None:
    expected = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
    assert fields.check_datetime("send_at", "2026-05-01T09:30:00Z") == expected
    assert fields.check_datetime("send_at", "2026-05-01T19:30:00+10:00") == expected
    assert fields.check_datetime("send_at", "2026-05-01T09:30:00") == expected


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T00:00:00Z", 1714555800])
def test_datetime_rejects_non_iso(value: object) -> None:
    with pytest.raises(SinchApiError) as caught:
        fields.check_datetime("send_at", value)
    assert caught.value.code == INVALID_FORMAT


def test_string_length_limit() -> None:
    assert fields.check_string("client_reference", "x" * 128, max_length=128) == "x" * 128
    with pytest.raises(SinchApiError) as caught:
        fields.check_string("client_reference", "x" * 129, max_length=128)
    assert caught.value.code == CONSTRAINT_VIOLATION


def test_url_must_be_absolute_http() -> None:
    assert fields.check_url("callback_url", "http://127.0.0.1:9/cb", max_length=2048)
    with pytest.raises(SinchApiError) as caught:
        fields.check_url("callback_url", "ftp://example.com/", max_length=2048)
    assert caught.value.code == INVALID_FORMAT


def test_int_range_and_type() -> None:
    assert fields.check_int_range("from_ton", 6, minimum=0, maximum=6) == 6
    with pytest.raises(SinchApiError) as too_big:
        fields.check_int_range("from_ton", 7, minimum=0, maximum=6)
    assert too_big.value.code == CONSTRAINT_VIOLATION
    with pytest.raises(SinchApiError) as not_int:
        fields.check_int_range("from_ton", True, minimum=0, maximum=6)
    assert not_int.value.code == INVALID_FORMAT


def test_bool_and_choice() -> None:
    assert fields.check_bool("flash_message", True) is True
    with pytest.raises(SinchApiError):
        fields.check_bool("flash_message", "yes")
    assert fields.check_choice("type", "mt_text", ("mt_text", "mt_binary")) == "mt_text"
    with pytest.raises(SinchApiError, match="mt_text, mt_binary"):
        fields.check_choice("type", "mt_media", ("mt_text", "mt_binary"))
