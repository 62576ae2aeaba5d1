"""SinchTextBatchRequest: seed samples, every field rule (pass and fail), exact wire output."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.sinch import SinchTextBatchRequest
from tests.models.sinch import samples
from tests.models.sinch.helpers import CONTEXT, NOW, only_problem, problems

NUMBER = "+61488023555"
MASKED = "+6148****555"


def text(**fields: Any) -> dict[str, Any]:
    return {"to": [NUMBER], "body": "Hello", **fields}


def numbers(count: int) -> list[str]:
    return [f"+614880{index:05d}" for index in range(count)]


@pytest.mark.parametrize(
    "sample",
    [samples.SEND_REQUEST, samples.DRY_RUN_REQUEST, samples.REPLACE_REQUEST],
    ids=["send", "dry", "put"],
)
def test_seed_request_samples_build_and_round_trip(sample: dict[str, Any]) -> None:
    request = SinchTextBatchRequest.build(sample, context=CONTEXT)
    assert request.to_wire() == {"type": "mt_text", **sample}


def test_wire_output_uses_aliases_utc_milliseconds_and_drops_unset_fields() -> None:
    request = SinchTextBatchRequest.build(
        text(
            from_="Acme",
            send_at=datetime(2030, 1, 2, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=10))),
            expire_at="2030-01-03T00:00:00Z",
            delivery_report="per_recipient_final",
            callback_url="https://example.com/cb",
            client_reference="dag.task.run.0",
            feedback_enabled=True,
            flash_message=False,
            truncate_concat=False,
            max_number_of_message_parts=3,
            from_ton=5,
            from_npi=0,
            parameters={"name": {NUMBER: "Ann", "default": "there"}},
        ),
        context=CONTEXT,
    )
    assert request.to_wire() == {
        "type": "mt_text",
        "to": [NUMBER],
        "from": "Acme",
        "body": "Hello",
        "send_at": "2030-01-02T00:30:00.123Z",
        "expire_at": "2030-01-03T00:00:00.000Z",
        "delivery_report": "per_recipient_final",
        "callback_url": "https://example.com/cb",
        "client_reference": "dag.task.run.0",
        "feedback_enabled": True,
        "flash_message": False,
        "truncate_concat": False,
        "max_number_of_message_parts": 3,
        "from_ton": 5,
        "from_npi": 0,
        "parameters": {"name": {NUMBER: "Ann", "default": "there"}},
    }


def test_minimal_request_sends_only_type_to_and_body() -> None:
    assert SinchTextBatchRequest.build(text()).to_wire() == {
        "type": "mt_text",
        "to": [NUMBER],
        "body": "Hello",
    }


def test_from_is_accepted_by_alias_and_by_field_name() -> None:
    assert SinchTextBatchRequest.build(text(**{"from": "12345"})).from_ == "12345"
    assert SinchTextBatchRequest.build(text(from_="12345")).from_ == "12345"


def test_unknown_field_is_an_error() -> None:
    assert only_problem(SinchTextBatchRequest, text(colour="red")).field == "colour"


def test_type_other_than_mt_text_is_an_error() -> None:
    assert only_problem(SinchTextBatchRequest, text(type="mt_binary")).field == "type"


# --- to ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 1000])
def test_to_accepts_1_to_1000_recipients(count: int) -> None:
    assert len(SinchTextBatchRequest.build(text(to=numbers(count))).to) == count


@pytest.mark.parametrize("count", [0, 1001])
def test_to_rejects_fewer_than_1_or_more_than_1000(count: int) -> None:
    problem = only_problem(SinchTextBatchRequest, text(to=numbers(count)))
    assert (problem.field, problem.value) == ("to", f"<{count} recipients>")
    assert problem.rule == "must hold 1 to 1000 recipients"


def test_to_is_required() -> None:
    assert only_problem(SinchTextBatchRequest, {"body": "Hello"}).field == "to"


def test_bad_recipient_is_named_by_position_and_masked() -> None:
    problem = only_problem(SinchTextBatchRequest, text(to=[NUMBER, "0488023555"]))
    assert problem.field == "to[1]"
    assert problem.value == "04880**555"
    assert "E.164" in problem.rule
    with pytest.raises(SmsValidationError) as caught:
        SinchTextBatchRequest.build(text(to=[NUMBER, "0488023555"]))
    assert "0488023555" not in str(caught.value)


def test_every_bad_recipient_is_reported() -> None:
    found = problems(SinchTextBatchRequest, text(to=["+1", NUMBER, "x"]))
    assert [p.field for p in found] == ["to[0]", "to[2]"]


def test_duplicate_recipient_names_both_positions() -> None:
    problem = only_problem(SinchTextBatchRequest, text(to=["+61488000001", NUMBER, "+61488000002", NUMBER]))
    assert (problem.field, problem.value) == ("to", MASKED)
    assert problem.rule.startswith("to[1] and to[3] are the same number")
    assert "charged twice" in problem.rule


def test_several_duplicates_are_counted() -> None:
    problem = only_problem(SinchTextBatchRequest, text(to=[NUMBER, NUMBER, "+61488000001", "+61488000001"]))
    assert problem.rule.endswith("(and 1 more duplicates)")


# --- body -------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 2000])
def test_body_accepts_0_to_2000_characters(length: int) -> None:
    assert len(SinchTextBatchRequest.build(text(body="x" * length)).body) == length


def test_body_over_2000_characters_is_an_error_that_shows_length_not_content() -> None:
    problem = only_problem(SinchTextBatchRequest, text(body="secret" + "x" * 1995))
    assert problem == problem.__class__("body", "<2001 characters>", "must be at most 2000 characters")


def test_body_is_required() -> None:
    assert only_problem(SinchTextBatchRequest, {"to": [NUMBER]}).field == "body"


# --- from -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["Acme", "+61488023555", "12345"])
def test_from_accepts_alphanumeric_e164_and_short_code(sender: str) -> None:
    assert SinchTextBatchRequest.build(text(from_=sender)).from_ == sender


@pytest.mark.parametrize("sender", ["TwelveChars1", "12", "+0123"])
def test_from_rejects_invalid_sender(sender: str) -> None:
    problem = only_problem(SinchTextBatchRequest, text(**{"from": sender}))
    assert problem.field == "from"
    assert "sender id" in problem.rule
    # Given by its Python name, the field is named that way.
    assert only_problem(SinchTextBatchRequest, text(from_=sender)).field == "from_"


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "name", "Code.1_x-Y", "sixteen_chars_ok"])
def test_parameter_key_accepts_letters_digits_dot_dash_underscore_up_to_16(key: str) -> None:
    request = SinchTextBatchRequest.build(text(parameters={key: {"default": "v"}}))
    assert request.parameters == {key: {"default": "v"}}


@pytest.mark.parametrize("key", ["", "has space", "seventeen_chars_x", "na$me", "name\n"])
def test_parameter_key_rejects_other_characters_or_length(key: str) -> None:
    problem = only_problem(SinchTextBatchRequest, text(parameters={key: {"default": "v"}}))
    assert (problem.field, problem.value) == ("parameters", repr(key))
    assert problem.rule.startswith("a parameter key must be 1-16 characters")


def test_parameter_inner_keys_accept_e164_and_default() -> None:
    values = {NUMBER: "Ann", "+15551231234": "Bob", "default": "there"}
    assert SinchTextBatchRequest.build(text(parameters={"name": values})).parameters == {"name": values}


def test_parameter_inner_key_that_is_not_e164_or_default_is_masked() -> None:
    problem = only_problem(SinchTextBatchRequest, text(parameters={"name": {"61488023555": "Ann"}}))
    assert problem.field == "parameters"
    assert problem.value == "name[61488***555]"
    assert problem.rule == "each key inside a parameter must be an E.164 recipient or 'default'"


def test_parameter_value_of_160_characters_is_accepted() -> None:
    request = SinchTextBatchRequest.build(text(parameters={"name": {NUMBER: "x" * 160}}))
    assert request.parameters is not None
    assert len(request.parameters["name"][NUMBER]) == 160


def test_parameter_value_over_160_characters_shows_length_and_masked_recipient() -> None:
    problem = only_problem(SinchTextBatchRequest, text(parameters={"name": {NUMBER: "x" * 161}}))
    assert (problem.field, problem.value) == ("parameters", f"name[{MASKED}]=<161 characters>")
    assert problem.rule == "a parameter value must be a string of at most 160 characters"


def test_parameter_value_must_be_a_string() -> None:
    problem = only_problem(SinchTextBatchRequest, text(parameters={"name": {NUMBER: 5}}))
    assert problem.value == f"name[{MASKED}]=<int>"


def test_parameters_of_wrong_shape_are_an_error_without_leaking_numbers() -> None:
    problem = only_problem(SinchTextBatchRequest, text(parameters={"name": [NUMBER]}))
    assert (problem.field, problem.value) == ("parameters", "name=<list>")
    assert only_problem(SinchTextBatchRequest, text(parameters=[NUMBER])).value == "<list>"


def test_several_parameter_problems_are_counted() -> None:
    problem = only_problem(
        SinchTextBatchRequest, text(parameters={"bad key": {}, "ok": {"x": "1", "y": "2"}})
    )
    assert problem.rule.endswith("(and 2 more problems in parameters)")


# --- send_at / expire_at ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        datetime(2030, 1, 2, tzinfo=timezone.utc),
        "2030-01-02T00:00:00Z",
        "2030-01-02T10:00:00+10:00",
        "2030-01-02T00:00:00.000Z",
    ],
)
def test_send_at_accepts_aware_datetime_or_iso_string_with_offset(value: object) -> None:
    request = SinchTextBatchRequest.build(text(send_at=value))
    assert request.to_wire()["send_at"] == "2030-01-02T00:00:00.000Z"


def test_naive_datetime_is_an_error_that_says_so() -> None:
    problem = only_problem(SinchTextBatchRequest, text(send_at=datetime(2030, 1, 2)))
    assert (problem.field, problem.value) == ("send_at", "2030-01-02T00:00:00")
    assert problem.rule.startswith("a naive date-time has no timezone")


def test_naive_iso_string_is_an_error_that_says_so() -> None:
    problem = only_problem(SinchTextBatchRequest, text(send_at="2030-01-02T00:00:00"))
    assert problem.rule.startswith("a naive date-time has no timezone")


@pytest.mark.parametrize("value", ["tomorrow", "2030-13-45T00:00:00Z", "1893456000", 1893456000])
def test_send_at_rejects_what_is_not_an_iso_date_time(value: object) -> None:
    problem = only_problem(SinchTextBatchRequest, text(send_at=value))
    assert problem.field == "send_at"
    assert problem.rule == "must be a timezone-aware datetime or an ISO-8601 date-time with an offset"


def test_send_at_in_the_past_is_accepted_because_sinch_then_sends_at_once() -> None:
    assert SinchTextBatchRequest.build(text(send_at=NOW - timedelta(days=30)), context=CONTEXT).send_at


def test_expire_at_after_send_at_and_exactly_3_days_later_is_accepted() -> None:
    send_at = NOW + timedelta(hours=1)
    request = SinchTextBatchRequest.build(text(send_at=send_at, expire_at=send_at + timedelta(days=3)))
    assert request.expire_at == send_at + timedelta(days=3)


def test_expire_at_not_after_send_at_is_an_error() -> None:
    send_at = NOW + timedelta(hours=1)
    problem = only_problem(SinchTextBatchRequest, text(send_at=send_at, expire_at=send_at))
    assert (problem.field, problem.value) == ("expire_at", "2030-01-01T13:00:00.000Z")
    assert problem.rule == "must be after send_at (2030-01-01T13:00:00.000Z)"


def test_expire_at_more_than_3_days_after_send_at_is_an_error() -> None:
    send_at = NOW + timedelta(hours=1)
    problem = only_problem(
        SinchTextBatchRequest, text(send_at=send_at, expire_at=send_at + timedelta(days=3, seconds=1))
    )
    assert problem.rule == "must be at most 3 days after send_at (2030-01-01T13:00:00.000Z)"


def test_expire_at_without_send_at_is_checked_against_now() -> None:
    assert SinchTextBatchRequest.build(text(expire_at=NOW + timedelta(days=3)), context=CONTEXT).expire_at
    early = only_problem(SinchTextBatchRequest, text(expire_at=NOW - timedelta(seconds=1)))
    assert early.rule == "must be after now (2030-01-01T12:00:00.000Z)"
    late = only_problem(SinchTextBatchRequest, text(expire_at=NOW + timedelta(days=3, seconds=1)))
    assert late.rule == "must be at most 3 days after now (2030-01-01T12:00:00.000Z)"


def test_expire_at_without_context_is_checked_against_the_clock() -> None:
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    assert SinchTextBatchRequest.build(text(expire_at=soon)).expire_at == soon
    with pytest.raises(SmsValidationError, match="expire_at"):
        SinchTextBatchRequest.build(text(expire_at=datetime.now(timezone.utc) - timedelta(hours=1)))


def test_invalid_send_at_is_reported_once_and_expire_at_is_not_compared_with_it() -> None:
    found = problems(SinchTextBatchRequest, text(send_at="soon", expire_at=NOW + timedelta(days=5)))
    assert [p.field for p in found] == ["send_at"]


# --- other fields -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["none", "summary", "full", "per_recipient", "per_recipient_final"])
def test_delivery_report_accepts_documented_types(kind: str) -> None:
    assert SinchTextBatchRequest.build(text(delivery_report=kind)).to_wire()["delivery_report"] == kind


def test_delivery_report_rejects_other_values() -> None:
    problem = only_problem(SinchTextBatchRequest, text(delivery_report="Summary"))
    assert (problem.field, problem.value) == ("delivery_report", "'Summary'")
    assert problem.rule == "must be one of none, summary, full, per_recipient, per_recipient_final"


@pytest.mark.parametrize(
    "url", ["https://example.com/cb", "http://127.0.0.1:8080/x?y=1", "https://e.io/" + "a" * 2035]
)
def test_callback_url_accepts_absolute_http_urls_up_to_2048(url: str) -> None:
    assert SinchTextBatchRequest.build(text(callback_url=url)).callback_url == url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("myCallbackUrl", "'myCallbackUrl'"),
        ("ftp://example.com/cb", "ftp://example.com/cb"),
        ("/relative/path", "'/relative/path'"),
        ("https://", "'https://'"),
        ("https://host.io:http/cb", "https://host.io/cb"),
        ("https://host.io:99999/cb", "https://host.io/cb"),
    ],
)
def test_callback_url_rejects_what_is_not_an_absolute_http_url(url: str, shown: str) -> None:
    problem = only_problem(SinchTextBatchRequest, text(callback_url=url))
    assert (problem.field, problem.value, problem.rule) == (
        "callback_url",
        shown,
        "must be an absolute http:// or https:// URL",
    )


def test_callback_url_error_hides_credentials_and_query() -> None:
    problem = only_problem(
        SinchTextBatchRequest, text(callback_url="ftp://user:hunter2@host.io:21/p?token=abc")
    )
    assert problem.value == "ftp://host.io:21/p?…"


def test_callback_url_over_2048_characters_is_an_error() -> None:
    problem = only_problem(SinchTextBatchRequest, text(callback_url="https://e.io/" + "a" * 2036))
    assert (problem.value, problem.rule) == ("<2049 characters>", "must be at most 2048 characters")


def test_client_reference_accepts_128_characters() -> None:
    assert SinchTextBatchRequest.build(text(client_reference="r" * 128)).client_reference == "r" * 128


def test_client_reference_over_128_characters_is_an_error() -> None:
    problem = only_problem(SinchTextBatchRequest, text(client_reference="r" * 129))
    assert (problem.field, problem.value) == ("client_reference", "<129 characters>")
    assert problem.rule == "must be at most 128 characters"


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("max_number_of_message_parts", 1, None), ("from_ton", 0, 6), ("from_npi", 0, 18)],
)
def test_integer_fields_accept_their_documented_range(field: str, low: int, high: int | None) -> None:
    for value in (low, high if high is not None else 255):
        assert SinchTextBatchRequest.build(text(**{field: value})).to_wire()[field] == value


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("max_number_of_message_parts", 0, "must be at least 1"),
        ("from_ton", -1, "must be between 0 and 6"),
        ("from_ton", 7, "must be between 0 and 6"),
        ("from_npi", -1, "must be between 0 and 18"),
        ("from_npi", 19, "must be between 0 and 18"),
    ],
)
def test_integer_fields_reject_values_outside_their_range(field: str, value: int, rule: str) -> None:
    problem = only_problem(SinchTextBatchRequest, text(**{field: value}))
    assert (problem.field, problem.value, problem.rule) == (field, str(value), rule)


@pytest.mark.parametrize("field", ["feedback_enabled", "flash_message", "truncate_concat"])
def test_boolean_fields_are_sent_as_json_booleans(field: str) -> None:
    assert SinchTextBatchRequest.build(text(**{field: True})).to_wire()[field] is True
    assert only_problem(SinchTextBatchRequest, text(**{field: "maybe"})).field == field
