from __future__ import annotations

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models._base import RequestModel
from airflow_provider_sms.models.sender import (
    FoneDynamicsSender,
    SenderKind,
    SinchSender,
    check_fonedynamics_sender,
    check_sinch_sender,
    classify_sender,
)


class _Senders(RequestModel):
    sinch: SinchSender | None = None
    fone: FoneDynamicsSender | None = None


def _problem(**fields: str) -> str:
    with pytest.raises(SmsValidationError) as exc_info:
        _Senders.build(fields)
    (problem,) = exc_info.value.problems
    return str(problem)


@pytest.mark.parametrize("allow_short_code", [True, False])
@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("+61499009990", SenderKind.E164),
        ("MyBrand", SenderKind.ALPHANUMERIC),
        ("A", SenderKind.ALPHANUMERIC),
        ("My Brand 24", SenderKind.ALPHANUMERIC),  # 11 characters with spaces
        ("24x7", SenderKind.ALPHANUMERIC),
    ],
)
def test_e164_and_alphanumeric_senders_pass_for_both(
    sender: str, kind: SenderKind, allow_short_code: bool
) -> None:
    assert classify_sender(sender, allow_short_code=allow_short_code) is kind


@pytest.mark.parametrize("sender", ["123", "12345", "123456789012345"])
def test_short_codes_pass_only_where_allowed(sender: str) -> None:
    assert classify_sender(sender, allow_short_code=True) is SenderKind.SHORT_CODE
    with pytest.raises(ValueError, match=r"must be an E\.164 number with '\+'"):
        classify_sender(sender, allow_short_code=False)


@pytest.mark.parametrize("sender", ["12", "1234567890123456"])
def test_short_code_length_is_3_to_15_digits(sender: str) -> None:
    with pytest.raises(ValueError, match="short code of 3-15 digits"):
        classify_sender(sender, allow_short_code=True)


@pytest.mark.parametrize(
    "sender",
    [
        "TwelveChars1",  # 12 characters
        "My Brand 245",  # 12 with spaces
        "12345 678",  # no letter
        "   ",  # no letter
        "Brand!",
        "Café",  # letters outside A-Z
        "My_Brand",
        "MyBrand\n",
        "",
    ],
)
@pytest.mark.parametrize("allow_short_code", [True, False])
def test_bad_alphanumeric_senders_fail(sender: str, allow_short_code: bool) -> None:
    with pytest.raises(ValueError, match="with at least one letter"):
        classify_sender(sender, allow_short_code=allow_short_code)


@pytest.mark.parametrize("sender", ["+0499009990", "+61 499 009 990", "+614", "+61499009990\n"])
def test_plus_without_valid_e164_fails(sender: str) -> None:
    with pytest.raises(ValueError, match=r"numeric sender id must be an E\.164 number"):
        classify_sender(sender, allow_short_code=True)


@pytest.mark.parametrize("sender", ["12345\n", "MyBrand\n", "+61499009990\n"])
@pytest.mark.parametrize("allow_short_code", [True, False])
def test_trailing_newline_is_never_accepted(sender: str, allow_short_code: bool) -> None:
    with pytest.raises(ValueError, match="sender id must be"):
        classify_sender(sender, allow_short_code=allow_short_code)


def test_sinch_accepts_short_code_and_fone_dynamics_does_not() -> None:
    assert check_sinch_sender("12345") == "12345"
    with pytest.raises(ValueError, match=r"E\.164"):
        check_fonedynamics_sender("12345")


def test_blank_is_a_leased_number_for_fone_dynamics_only() -> None:
    assert check_fonedynamics_sender("") == ""
    with pytest.raises(ValueError, match="1-11 characters"):
        check_sinch_sender("")


def test_numeric_sender_is_masked_in_errors() -> None:
    shown = _problem(fone="61499009990")
    assert shown.startswith("fone=61499***990: ")
    assert "61499009990" not in shown


def test_bad_e164_sender_is_masked_in_errors() -> None:
    shown = _problem(sinch="+61 499 009 990")
    assert shown.startswith("sinch=+61 4*******990: ")


def test_alphanumeric_sender_is_shown_as_given() -> None:
    assert _problem(sinch="TwelveChars1").startswith("sinch='TwelveChars1': an alphanumeric sender id")


def test_annotated_types_accept_valid_senders() -> None:
    senders = _Senders.build(sinch="12345", fone="")
    assert (senders.sinch, senders.fone) == ("12345", "")
