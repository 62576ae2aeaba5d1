from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from airflow_provider_sms.models.phone import E164_RULE, E164Number, check_e164, is_e164, mask_msisdn


@pytest.mark.parametrize(
    "number",
    ["+61488023555", "+14155552671", "+1234567", "+123456789012345", "+442071838750", "+9" + "0" * 14],
)
def test_e164_numbers_pass(number: str) -> None:
    assert is_e164(number)
    assert check_e164(number) == number


@pytest.mark.parametrize(
    "number",
    [
        "61488023555",  # no plus
        "+0488023555",  # country code cannot start with 0
        "+123456",  # 6 digits: too short
        "+1234567890123456",  # 16 digits: too long
        "+61 488 023 555",
        "+61-488-023-555",
        "+61488O23555",  # letter O
        "",
        "+",
        "+61488023555\n",
    ],
)
def test_other_values_fail(number: str) -> None:
    assert not is_e164(number)
    with pytest.raises(ValueError, match=r"must be an E\.164 number") as exc_info:
        check_e164(number)
    if len(number.strip()) > 2:
        assert number.strip() not in str(exc_info.value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+61488023555", "+6148****555"),
        ("+14155552671", "+1415****671"),
        ("123456789", "12345*789"),
        ("12345678", "******78"),
        ("123", "*23"),
        ("12", "**"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_msisdn(value: str, masked: str) -> None:
    assert mask_msisdn(value) == masked


@pytest.mark.parametrize(
    ("value", "shown"), [(61488023555, "<int>"), (None, "<NoneType>"), (["+614"], "<list>")]
)
def test_mask_msisdn_shows_non_strings_by_type_only(value: object, shown: str) -> None:
    assert mask_msisdn(value) == shown


@given(st.text(min_size=1, max_size=40))
def test_masking_keeps_the_length_and_always_hides_something(value: str) -> None:
    masked = mask_msisdn(value)
    assert len(masked) == len(value)
    assert "*" in masked


@given(st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True))
def test_masked_numbers_never_equal_the_number(number: str) -> None:
    assert mask_msisdn(number) != number


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_every_e164_number_passes_and_its_mask_hides_at_least_a_digit(number: str) -> None:
    assert is_e164(number)
    assert mask_msisdn(number).count("*") >= 1


def test_e164_number_type_names_list_position_and_masks() -> None:
    adapter = TypeAdapter(list[E164Number])
    with pytest.raises(ValidationError) as exc_info:
        adapter.validate_python(["+61488023555", "+61488023556", "0488023557"])
    (error,) = exc_info.value.errors()
    assert error["loc"] == (2,)
    assert error["ctx"]["error"].value == "04880**557"
    assert error["ctx"]["error"].rule == E164_RULE
