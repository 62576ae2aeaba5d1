from __future__ import annotations

from airflow_provider_sms.sandbox.sinch.parameters import substitute, value_for


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
