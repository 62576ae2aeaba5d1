"""Checks of phone numbers and sender ids used by the Fone Dynamics message validation."""

from __future__ import annotations

import pytest

from airflow_provider_sms.sandbox.fonedynamics_messages import is_alphanumeric_sender, is_e164, mask_number

# --- numbers and sender ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["+61488023555", "+1234567", "+123456789012345"])
def test_e164_accepted(value: str) -> None:
    assert is_e164(value)


@pytest.mark.parametrize(
    "value", ["61488023555", "+0488023555", "+123456", "+1234567890123456", "+61 488", 614, None]
)
def test_e164_refused(value: object) -> None:
    assert not is_e164(value)


@pytest.mark.parametrize("value", ["A", "Acme", "Acme Co 123", "1a"])
def test_alphanumeric_sender_accepted(value: str) -> None:
    assert is_alphanumeric_sender(value)


@pytest.mark.parametrize("value", ["", "12345", "ABCDEFGHIJKL", "Acme!", "Acmé", 5])
def test_alphanumeric_sender_refused(value: object) -> None:
    assert not is_alphanumeric_sender(value)


def test_mask_number() -> None:
    assert mask_number("+61488023555") == "+6148****555"
    assert mask_number("12345") == "***45"
