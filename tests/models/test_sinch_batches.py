"""Sinch batch models: text, binary and update requests, delivery feedback, batch responses, date-times."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.sinch import (
    SinchBatch,
    SinchBatchListPage,
    SinchBinaryBatchRequest,
    SinchDeliveryFeedbackRequest,
    SinchTextBatchRequest,
    SinchUpdateBatchRequest,
    format_sinch_datetime,
    parse_aware_datetime,
)
from airflow_provider_sms.models.sms import PLAIN_HTTP_RULE
from tests.models import sinch_samples as samples
from tests.models.sinch_samples import CONTEXT, NOW, only_problem, problems

# -- SinchTextBatchRequest: seed samples, every field rule (pass and fail), exact wire output. ---------------

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


@pytest.mark.parametrize("length", [1, 2000])
def test_body_accepts_1_to_2000_characters(length: int) -> None:
    assert len(SinchTextBatchRequest.build(text(body="x" * length)).body) == length


@pytest.mark.parametrize("body", ["", " \n\t"])
def test_a_blank_body_is_refused_although_sinch_would_send_it(body: str) -> None:
    problem = only_problem(SinchTextBatchRequest, text(body=body))
    assert (problem.field, problem.rule) == ("body", "must contain at least one non-space character")


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


@pytest.mark.parametrize("model", [SinchTextBatchRequest, SinchUpdateBatchRequest])
def test_plain_http_callback_to_another_machine_is_refused_unless_the_context_allows_it(
    model: type[SinchTextBatchRequest] | type[SinchUpdateBatchRequest],
) -> None:
    url = "http://user:pw@hooks.example.com/dlr?token=abc"
    fields = text(callback_url=url) if model is SinchTextBatchRequest else {"callback_url": url}

    problem = only_problem(model, fields)

    assert (problem.field, problem.value, problem.rule) == (
        "callback_url",
        "http://hooks.example.com/dlr?…",
        PLAIN_HTTP_RULE,
    )
    assert model.build(fields, context={"allow_insecure_http": True}).callback_url == url


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


# -- SinchBinaryBatchRequest: Base64 body, hex udh, 140 bytes together, no parameters. -----------------------

UDH = "050003CC0201"  # 6 bytes: concatenation header


def body_of(size: int) -> str:
    return base64.b64encode(bytes(range(256))[:size] if size <= 256 else b"\x00" * size).decode()


def binary(**fields: Any) -> dict[str, Any]:
    return {"to": [NUMBER], "body": body_of(10), "udh": UDH, **fields}


def test_binary_request_wire_output() -> None:
    request = SinchBinaryBatchRequest.build(binary(from_="Acme", client_reference="ref"), context=CONTEXT)
    assert request.to_wire() == {
        "type": "mt_binary",
        "to": [NUMBER],
        "from": "Acme",
        "body": body_of(10),
        "udh": UDH,
        "client_reference": "ref",
    }


def test_body_and_udh_of_exactly_140_bytes_are_accepted() -> None:
    assert SinchBinaryBatchRequest.build(binary(body=body_of(134))).udh == UDH


def test_empty_udh_is_accepted() -> None:
    assert SinchBinaryBatchRequest.build(binary(udh="", body=body_of(140))).udh == ""


def test_body_and_udh_over_140_bytes_are_an_error() -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(body=body_of(135)))
    assert (problem.field, problem.value) == ("udh", "<6 udh bytes + 135 body bytes>")
    assert problem.rule == "body and udh together must be at most 140 bytes"


@pytest.mark.parametrize("body", ["not base64!", "QUJD=", "QUJDRA", "QUJD\n"])
def test_body_that_is_not_base64_is_an_error_showing_length_only(body: str) -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(body=body))
    assert (problem.field, problem.value) == ("body", f"<{len(body)} characters>")
    assert problem.rule == "must be Base64 (standard alphabet, padded)"


@pytest.mark.parametrize("udh", ["0500 03", "ABC", "zz", "05\n"])
def test_udh_that_is_not_hex_pairs_is_an_error(udh: str) -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(udh=udh))
    assert (problem.field, problem.value) == ("udh", repr(udh))
    assert problem.rule == "must be hexadecimal, two digits per byte"


def test_udh_is_required() -> None:
    data = binary()
    del data["udh"]
    assert only_problem(SinchBinaryBatchRequest, data).field == "udh"


def test_parameters_are_not_accepted_for_binary() -> None:
    assert (
        only_problem(SinchBinaryBatchRequest, binary(parameters={"a": {"default": "b"}})).field
        == "parameters"
    )


def test_shared_rules_apply_to_binary_too() -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(to=[NUMBER, NUMBER]))
    assert problem.rule.startswith("to[0] and to[1] are the same number")
    assert only_problem(SinchBinaryBatchRequest, binary(from_ton=9)).field == "from_ton"


# -- SinchUpdateBatchRequest: optional fields, at least one set, update-specific limits. ---------------------


def test_seed_update_sample_builds_and_round_trips() -> None:
    request = SinchUpdateBatchRequest.build(samples.UPDATE_REQUEST, context=CONTEXT)
    assert request.to_wire() == samples.UPDATE_REQUEST


def test_update_wire_output_with_every_field() -> None:
    request = SinchUpdateBatchRequest.build(
        {
            "type": "mt_text",
            "from": "Acme",
            "body": "New text",
            "to_add": [NUMBER],
            "to_remove": ["+15551231234"],
            "delivery_report": "full",
            "send_at": "2030-01-02T00:00:00+01:00",
            "expire_at": "2030-01-03T00:00:00Z",
            "callback_url": "https://example.com/cb",
            "parameters": {"name": {"default": "there"}},
        },
        context=CONTEXT,
    )
    assert request.to_wire() == {
        "type": "mt_text",
        "from": "Acme",
        "body": "New text",
        "to_add": [NUMBER],
        "to_remove": ["+15551231234"],
        "delivery_report": "full",
        "send_at": "2030-01-01T23:00:00.000Z",
        "expire_at": "2030-01-03T00:00:00.000Z",
        "callback_url": "https://example.com/cb",
        "parameters": {"name": {"default": "there"}},
    }


@pytest.mark.parametrize("data", [{}, {"body": None, "to_add": None}])
def test_update_that_changes_nothing_is_an_error(data: dict[str, Any]) -> None:
    problem = only_problem(SinchUpdateBatchRequest, data)
    assert (problem.field, problem.value) == ("(request)", "{}")
    assert problem.rule == "an update must set at least one field"


def test_update_of_one_field_is_accepted() -> None:
    assert SinchUpdateBatchRequest.build(delivery_report="none").to_wire() == {"delivery_report": "none"}


def test_body_accepts_1600_characters() -> None:
    assert len(SinchUpdateBatchRequest.build(body="x" * 1600).body or "") == 1600


def test_body_over_1600_characters_is_an_error() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"body": "x" * 1601})
    assert (problem.field, problem.value, problem.rule) == (
        "body",
        "<1601 characters>",
        "must be at most 1600 characters",
    )


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
@pytest.mark.parametrize("count", [1, 1000])
def test_recipient_changes_accept_1_to_1000(field: str, count: int) -> None:
    assert SinchUpdateBatchRequest.build({field: numbers(count)}).to_wire() == {field: numbers(count)}


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
@pytest.mark.parametrize("count", [0, 1001])
def test_recipient_changes_reject_0_or_more_than_1000(field: str, count: int) -> None:
    problem = only_problem(SinchUpdateBatchRequest, {field: numbers(count)})
    assert (problem.field, problem.value, problem.rule) == (
        field,
        f"<{count} recipients>",
        "must hold 1 to 1000 recipients",
    )


@pytest.mark.parametrize("field", ["to_add", "to_remove"])
def test_recipient_changes_name_a_bad_number_by_position_masked(field: str) -> None:
    problem = only_problem(SinchUpdateBatchRequest, {field: ["+15551231234", "61488023555"]})
    assert (problem.field, problem.value) == (f"{field}[1]", "61488***555")


def test_to_add_with_a_duplicate_is_an_error() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"to_add": [NUMBER, NUMBER]})
    assert (problem.field, problem.value) == ("to_add", MASKED)
    assert problem.rule.startswith("to_add[0] and to_add[1] are the same number")


def test_type_must_be_text_or_binary() -> None:
    assert SinchUpdateBatchRequest.build(type="mt_binary").type == "mt_binary"
    assert only_problem(SinchUpdateBatchRequest, {"type": "mt_media"}).field == "type"


def test_binary_update_body_must_be_base64() -> None:
    assert SinchUpdateBatchRequest.build(type="mt_binary", body="QUJD").body == "QUJD"
    problem = only_problem(SinchUpdateBatchRequest, {"type": "mt_binary", "body": "not base64"})
    assert (problem.field, problem.rule) == ("body", "must be Base64 (standard alphabet, padded)")


def test_text_update_body_is_not_checked_as_base64() -> None:
    assert SinchUpdateBatchRequest.build(body="not base64").body == "not base64"


def test_binary_update_body_and_udh_must_fit_in_140_bytes() -> None:
    fits = base64.b64encode(b"\x00" * 134).decode()
    too_big = base64.b64encode(b"\x00" * 135).decode()
    assert SinchUpdateBatchRequest.build(type="mt_binary", body=fits, udh="050003CC0201").udh
    problem = only_problem(
        SinchUpdateBatchRequest, {"type": "mt_binary", "body": too_big, "udh": "050003CC0201"}
    )
    assert (problem.field, problem.rule) == ("udh", "body and udh together must be at most 140 bytes")


def test_udh_must_be_hex() -> None:
    assert only_problem(SinchUpdateBatchRequest, {"udh": "xyz"}).field == "udh"


def test_expire_at_with_send_at_follows_the_3_day_rule() -> None:
    send_at = NOW + timedelta(days=1)
    ok = SinchUpdateBatchRequest.build(
        send_at=send_at, expire_at=send_at + timedelta(days=3), context=CONTEXT
    )
    assert ok.expire_at == send_at + timedelta(days=3)
    problem = only_problem(
        SinchUpdateBatchRequest, {"send_at": send_at, "expire_at": send_at + timedelta(days=3, minutes=1)}
    )
    assert problem.rule == "must be at most 3 days after send_at (2030-01-02T12:00:00.000Z)"


def test_expire_at_alone_must_be_in_the_future() -> None:
    # The batch keeps its own send_at, which the request does not know, so only "after now" is checked.
    later = NOW + timedelta(days=10)
    assert SinchUpdateBatchRequest.build(expire_at=later, context=CONTEXT).expire_at == later
    problem = only_problem(SinchUpdateBatchRequest, {"expire_at": NOW})
    assert (problem.field, problem.rule) == ("expire_at", "must be after now (2030-01-01T12:00:00.000Z)")


def test_update_rejects_naive_datetimes_and_bad_callback_urls() -> None:
    assert only_problem(SinchUpdateBatchRequest, {"send_at": "2030-01-02T00:00:00"}).rule.startswith(
        "a naive date-time"
    )
    assert only_problem(SinchUpdateBatchRequest, {"callback_url": "myCallbackUrl"}).field == "callback_url"


def test_update_parameters_follow_the_parameter_rules() -> None:
    problem = only_problem(SinchUpdateBatchRequest, {"parameters": {"name": {"0412345678": "Ann"}}})
    assert (problem.field, problem.value) == ("parameters", "name[04123**678]")


# -- SinchDeliveryFeedbackRequest: recipients list, kept on the wire even when empty. ------------------------


def test_seed_feedback_sample_round_trips() -> None:
    assert SinchDeliveryFeedbackRequest.build(samples.FEEDBACK_REQUEST).to_wire() == samples.FEEDBACK_REQUEST


def test_empty_recipients_are_sent_as_an_empty_list() -> None:
    assert SinchDeliveryFeedbackRequest.build(recipients=[]).to_wire() == {"recipients": []}


def test_recipients_key_is_required() -> None:
    assert only_problem(SinchDeliveryFeedbackRequest, {}).field == "recipients"


def test_feedback_bad_recipient_is_named_by_position_and_masked() -> None:
    problem = only_problem(SinchDeliveryFeedbackRequest, {"recipients": ["+15551231234", "15551256344"]})
    assert (problem.field, problem.value) == ("recipients[1]", "15551***344")
    assert "E.164" in problem.rule


# -- SinchBatch and SinchBatchListPage: every seed response sample parses, leniently, keeping extras. --------

CREATED = datetime(2019, 8, 24, 14, 15, 22, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "sample",
    [
        samples.SEND_RESPONSE,
        samples.GUIDE_BATCH_RESPONSE,
        samples.GUIDE_CANCEL_RESPONSE,
        samples.GET_RESPONSE,
        samples.UPDATE_RESPONSE,
        samples.CANCEL_RESPONSE,
    ],
    ids=["send", "guide-get", "guide-cancel", "get", "update-replace", "cancel"],
)
def test_every_seed_batch_sample_parses(sample: dict[str, Any]) -> None:
    batch = SinchBatch.model_validate(sample)
    assert batch.to == [str(number) for number in sample["to"]]
    assert batch.body == sample["body"]
    assert batch.model_extra == {}


def test_numbers_given_as_json_numbers_become_strings() -> None:
    batch = SinchBatch.model_validate(samples.SEND_RESPONSE)
    assert batch.to == ["15551231234", "15551256344"]
    assert batch.from_ == "15551231234"


def test_send_sample_fields_have_their_declared_types() -> None:
    batch = SinchBatch.model_validate(samples.SEND_RESPONSE)
    assert batch.id == "01FC66621XXXXX119Z8PMV1QPQ"
    assert batch.type == "mt_text"
    assert batch.canceled is False
    assert batch.parameters == {"{parameter_key}": {}}
    assert (batch.created_at, batch.modified_at, batch.send_at, batch.expire_at) == (CREATED,) * 4
    assert batch.delivery_report == "none"
    assert (batch.callback_url, batch.client_reference) == ("string", "string")
    assert (batch.feedback_enabled, batch.flash_message, batch.truncate_concat) == (False, False, True)
    assert (batch.max_number_of_message_parts, batch.from_ton, batch.from_npi) == (1, 6, 18)


def test_flattened_parameters_and_udh_of_the_update_sample_are_kept() -> None:
    batch = SinchBatch.model_validate(samples.UPDATE_RESPONSE)
    assert batch.parameters == samples.UPDATE_RESPONSE["parameters"]
    assert (batch.udh, batch.canceled) == ("string", True)


def test_cancel_sample_without_id_parses_with_defaults() -> None:
    batch = SinchBatch.model_validate(samples.CANCEL_RESPONSE)
    assert (batch.id, batch.canceled, batch.created_at) == (None, False, None)


def test_unknown_fields_are_kept() -> None:
    batch = SinchBatch.model_validate({**samples.GET_RESPONSE, "campaign_id": "c-1", "dlt_template_id": 7})
    assert batch.model_extra == {"campaign_id": "c-1", "dlt_template_id": 7}
    assert batch.model_dump(by_alias=True)["campaign_id"] == "c-1"


def test_empty_batch_object_parses() -> None:
    batch = SinchBatch.model_validate({})
    assert (batch.id, batch.to, batch.from_) == (None, [], None)


def test_list_sample_parses() -> None:
    page = SinchBatchListPage.model_validate(samples.LIST_RESPONSE)
    assert (page.page, page.count, page.page_size) == (1, 2000, 50)
    assert page.batches == [SinchBatch()]


def test_guide_list_sample_with_counts_as_strings_parses() -> None:
    page = SinchBatchListPage.model_validate(samples.GUIDE_LIST_RESPONSE)
    assert (page.count, page.page, page.page_size) == (2, 1, 10)
    assert len(page.batches) == 2


def test_list_page_holds_full_batches_and_keeps_unknown_fields() -> None:
    page = SinchBatchListPage.model_validate(
        {"page": 0, "count": 1, "page_size": 1, "batches": [samples.SEND_RESPONSE], "next": "x"}
    )
    assert page.batches[0].id == "01FC66621XXXXX119Z8PMV1QPQ"
    assert page.model_extra == {"next": "x"}


def test_list_page_without_counts_reads_as_empty() -> None:
    assert SinchBatchListPage.model_validate({}).model_dump() == {
        "page": 0,
        "page_size": 0,
        "count": 0,
        "batches": [],
    }


# -- Sinch date-time wire format: UTC, milliseconds, ``Z``; parsing keeps the instant. -----------------------

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def test_format_converts_to_utc_and_truncates_to_milliseconds() -> None:
    value = datetime(2030, 1, 2, 9, 5, 7, 999999, tzinfo=timezone(timedelta(hours=10)))
    assert format_sinch_datetime(value) == "2030-01-01T23:05:07.999Z"


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS))
def test_formatted_value_parses_back_to_the_same_instant_at_millisecond_precision(value: datetime) -> None:
    wire = format_sinch_datetime(value)
    assert len(wire) == 24
    assert wire.endswith("Z")
    parsed = parse_aware_datetime(wire)
    assert parsed == value.replace(microsecond=value.microsecond // 1000 * 1000)
