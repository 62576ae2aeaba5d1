"""Fone Dynamics wire models: requests against the vendor's rules and seed examples, responses, helpers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationInfo, field_validator

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.fonedynamics import (
    FoneBatchItemError,
    FoneBatchMessagesRequest,
    FoneFieldError,
    FoneMessage,
    FoneMessageListQuery,
    FoneMessageRequest,
    FoneResponseStatus,
    WebhookUri,
    context_now,
    normalize_webhook_method,
    parse_batch_response,
    parse_error_body,
    parse_message_list,
    parse_message_response,
    summarize_batch_response,
    to_unix_seconds,
    unwrap_list,
)
from airflow_provider_sms.models.sms import PLAIN_HTTP_RULE, NeutralStatus

# -- seed examples and error helpers -------------------------------------------------------------------------

SEED_EXAMPLES = Path(__file__).parent / "fonedynamics_seeds"
#: The seeds' ``Schedule`` (1321009871, 2011-11-11T11:11:11Z) is valid relative to this moment.
SEED_NOW = datetime(2011, 11, 11, 11, 0, tzinfo=timezone.utc)


def load_seed(name: str) -> Any:
    """Return a request or response example copied verbatim from the vendor's pages."""
    return json.loads((SEED_EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def problems_of(exc_info: pytest.ExceptionInfo[SmsValidationError]) -> dict[str, Problem]:
    """Return the problems of a validation error by field path."""
    return {problem.field: problem for problem in exc_info.value.problems}


# -- timestamps ----------------------------------------------------------------------------------------------

AEDT = timezone(timedelta(hours=11))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=timezone.utc), 0),
        (datetime(2011, 11, 11, 22, 11, 11, tzinfo=AEDT), 1321009871),
        (datetime(2011, 11, 11, 11, 11, 11, 999999, tzinfo=timezone.utc), 1321009871),
        (1321009871, 1321009871),
        ("1321009871", "1321009871"),
    ],
)
def test_to_unix_seconds_converts_aware_datetimes_and_passes_the_rest(
    value: object, expected: object
) -> None:
    assert to_unix_seconds(value) == expected


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), True, False])
def test_to_unix_seconds_rejects_naive_datetimes_and_bools(value: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware datetime"):
        to_unix_seconds(value)


class _Probe(BaseModel):
    now: int = 0

    @field_validator("now", mode="before")
    @classmethod
    def _read(cls, value: object, info: ValidationInfo) -> int:
        return context_now(info)


def _now_from(context: Any) -> int:
    return _Probe.model_validate({"now": 0}, context=context).now


def test_context_now_reads_an_aware_datetime() -> None:
    assert _now_from({"now": datetime(2011, 11, 11, 22, 11, 11, tzinfo=AEDT)}) == 1321009871


def test_context_now_reads_unix_seconds() -> None:
    assert _now_from({"now": 1321009871}) == 1321009871


@pytest.mark.parametrize("context", [None, {}, {"other": 1}, "not a dict"])
def test_context_now_defaults_to_the_current_time(context: Any) -> None:
    before = int(datetime.now(timezone.utc).timestamp())
    assert before <= _now_from(context) <= before + 5


@pytest.mark.parametrize("now", [datetime(2026, 1, 1), "2026-01-01", True])
def test_context_now_rejects_other_values(now: object) -> None:
    with pytest.raises(ValueError, match="'now' must be a timezone-aware datetime"):
        _now_from({"now": now})


# -- webhook fields ------------------------------------------------------------------------------------------


def webhook_uri(uri: str, **context: Any) -> str:
    """Validate ``uri`` as a ``WebhookUri`` field is validated, in a validation context."""
    adapter = TypeAdapter(WebhookUri, config=ConfigDict(hide_input_in_errors=True))
    return adapter.validate_python(uri, context=context)


@pytest.mark.parametrize(
    "uri", ["https://callback.2.me/for/sms_responses", "http://localhost:8080/cb", "HTTPS://Example.COM"]
)
def test_absolute_http_urls_pass(uri: str) -> None:
    assert webhook_uri(uri) == uri


@pytest.mark.parametrize(
    "uri", ["", "callback.2.me/x", "//callback.2.me/x", "mailto:ops@example.com", "https://", "ws://host/x"]
)
def test_other_uris_fail(uri: str) -> None:
    with pytest.raises(ValueError, match="absolute http:// or https:// URL"):
        webhook_uri(uri)


def test_failing_uri_is_masked() -> None:
    with pytest.raises(ValueError, match="absolute") as exc_info:
        webhook_uri("ftp://hooks.example/cb?key=topsecret")
    assert "topsecret" not in str(exc_info.value)


@pytest.mark.parametrize("field", ["DeliveryReceiptWebhookUri", "WebhookUri"])
def test_plain_http_webhook_to_another_machine_is_refused_unless_the_context_allows_it(field: str) -> None:
    fields = {"To": "+61400200005", "Text": "hi", field: "http://hooks.example.com/sms?key=topsecret"}

    with pytest.raises(SmsValidationError) as caught:
        FoneMessageRequest.build(fields)

    [problem] = caught.value.problems
    assert problem.field == field
    assert problem.rule == PLAIN_HTTP_RULE
    assert "topsecret" not in str(caught.value)
    allowed = FoneMessageRequest.build(fields, context={"allow_insecure_http": True})
    assert allowed.to_wire()[field] == fields[field]


def test_plain_http_webhook_to_this_machine_needs_no_permission() -> None:
    request = FoneMessageRequest.build(
        {"To": "+61400200005", "Text": "hi", "DeliveryReceiptWebhookUri": "http://127.0.0.1:9/dlr"}
    )
    assert request.delivery_receipt_webhook_uri == "http://127.0.0.1:9/dlr"


@pytest.mark.parametrize(
    ("given", "sent"), [("POST", "POST"), ("get", "GET"), (" Post ", "POST"), (None, None)]
)
def test_methods_are_normalized(given: str | None, sent: str | None) -> None:
    assert normalize_webhook_method(given) == sent


@pytest.mark.parametrize("method", ["PUT", "", "POSTS", 1])
def test_other_methods_fail(method: object) -> None:
    with pytest.raises(ValueError, match="must be POST or GET"):
        normalize_webhook_method(method)


# -- response envelopes --------------------------------------------------------------------------------------


def test_bare_array_is_returned() -> None:
    items = [{"a": 1}]
    assert unwrap_list(items, "Messages") is items


def test_wrapped_array_is_unwrapped() -> None:
    assert unwrap_list({"Messages": [1, 2], "TotalCount": 2}, "Messages") == [1, 2]


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        ({"ResponseStatus": {}}, "an object with keys ['ResponseStatus']"),
        ({"Messages": None}, "an object with keys ['Messages']"),
        ("text", "<str>"),
        (None, "<NoneType>"),
    ],
)
def test_anything_else_is_described_by_shape_only(data: object, shape: str) -> None:
    with pytest.raises(ValueError, match="'Messages' array") as exc_info:
        unwrap_list(data, "Messages")
    assert str(exc_info.value).endswith(shape)


# -- messages: send requests and the Message resource --------------------------------------------------------

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())
TO = "+61488023555"


def build(**fields: Any) -> FoneMessageRequest:
    return FoneMessageRequest.build({"To": TO, "Text": "hello", **fields}, context={"now": NOW})


def rejected(**fields: Any) -> pytest.ExceptionInfo[SmsValidationError]:
    with pytest.raises(SmsValidationError) as exc_info:
        build(**fields)
    return exc_info


class TestSeedExamples:
    @pytest.mark.parametrize("name", ["send_simple_request", "send_lease_request"])
    def test_single_send_examples_validate_and_round_trip(self, name: str) -> None:
        body = load_seed(name)
        assert FoneMessageRequest.build(body, context={"now": SEED_NOW}).to_wire() == body

    @pytest.mark.parametrize("name", ["batch_send_simple_request", "batch_send_lease_request"])
    def test_batch_send_examples_validate_and_round_trip(self, name: str) -> None:
        body = load_seed(name)
        assert FoneBatchMessagesRequest.build(body, context={"now": SEED_NOW}).to_wire() == body

    def test_send_response_example_parses(self) -> None:
        message = parse_message_response(load_seed("send_response"))
        assert message.message_sid == "M87DMNHSDJHSD48DMNSDS6VJCNKD9MD0"
        assert message.account_sid == "AG5T3HFR5ASD54FS5GB3SDAFJAKSH6DS"
        assert message.property_sid == "S7DNJ9KJDS0MDS23DKS9QMZ8DKJSD9KL"
        assert (message.from_, message.to, message.text) == (
            "+6199111222",
            "+61488023555",
            "You call that an antenna?",
        )


class TestSender:
    @pytest.mark.parametrize("sender", ["+61499009990", "MyBrand", "My Brand 1", "A", "", None])
    def test_accepted_senders(self, sender: str | None) -> None:
        assert build(From=sender).from_ == sender

    def test_omitted_sender_is_left_out_of_the_body(self) -> None:
        assert "From" not in FoneMessageRequest.build(To=TO, Text="x").to_wire()

    @pytest.mark.parametrize(("sender", "shown"), [("61499009990", "61499***990"), ("+61499", "****99")])
    def test_rejected_numeric_senders_are_masked(self, sender: str, shown: str) -> None:
        exc_info = rejected(From=sender)
        assert problems_of(exc_info)["From"].value == shown
        assert sender not in str(exc_info.value)

    @pytest.mark.parametrize("sender", ["TwelveChars1", "Brand!", "12345"])
    def test_rejected_names_are_shown_with_the_rule(self, sender: str) -> None:
        problem = problems_of(rejected(From=sender))["From"]
        assert "1-11 characters" in problem.rule


class TestRecipient:
    def test_e164_recipient_is_accepted(self) -> None:
        assert build().to == TO

    @pytest.mark.parametrize("to", ["0488023555", "+61 488 023 555", "+0488023555", ""])
    def test_non_e164_recipient_is_rejected_masked(self, to: str) -> None:
        exc_info = rejected(To=to)
        problem = problems_of(exc_info)["To"]
        assert "E.164" in problem.rule
        if len(to) > 2:
            assert to not in str(exc_info.value)

    def test_missing_recipient_is_rejected(self) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            FoneMessageRequest.build(Text="x")
        assert "To" in problems_of(exc_info)


class TestText:
    @pytest.mark.parametrize("text", ["x", " padded ", "€ and 😀"])
    def test_text_with_content_is_accepted(self, text: str) -> None:
        assert build(Text=text).text == text

    @pytest.mark.parametrize("text", ["", "   ", "\n"])
    def test_blank_text_is_rejected(self, text: str) -> None:
        assert "non-space" in problems_of(rejected(Text=text))["Text"].rule


class TestSchedule:
    def test_unix_seconds_are_kept(self) -> None:
        assert build(Schedule=NOW_TS + 60).to_wire()["Schedule"] == NOW_TS + 60

    def test_aware_datetime_becomes_unix_seconds(self) -> None:
        in_sydney = (NOW + timedelta(hours=1)).astimezone(timezone(timedelta(hours=11)))
        assert build(Schedule=in_sydney).to_wire()["Schedule"] == NOW_TS + 3600

    def test_naive_datetime_is_rejected(self) -> None:
        assert "timezone-aware" in problems_of(rejected(Schedule=datetime(2026, 1, 2)))["Schedule"].rule

    def test_bool_is_rejected(self) -> None:
        assert "Schedule" in problems_of(rejected(Schedule=True))

    def test_fourteen_days_ahead_is_the_limit(self) -> None:
        limit = NOW_TS + 14 * 24 * 3600
        assert build(Schedule=limit).schedule == limit
        problem = problems_of(rejected(Schedule=limit + 1))["Schedule"]
        assert problem.value == str(limit + 1)
        assert "14 days" in problem.rule

    def test_less_than_one_hour_in_the_past_is_accepted(self) -> None:
        assert build(Schedule=NOW_TS - 3599).schedule == NOW_TS - 3599

    def test_one_hour_in_the_past_is_rejected(self) -> None:
        assert "1 hour" in problems_of(rejected(Schedule=NOW_TS - 3600))["Schedule"].rule

    def test_now_defaults_to_the_current_time(self) -> None:
        soon = datetime.now(timezone.utc) + timedelta(minutes=5)
        assert FoneMessageRequest.build(To=TO, Text="x", Schedule=soon).schedule == int(soon.timestamp())
        with pytest.raises(SmsValidationError):
            FoneMessageRequest.build(To=TO, Text="x", Schedule=1321009871)

    def test_naive_now_in_the_context_is_an_error(self) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            FoneMessageRequest.build(To=TO, Text="x", Schedule=NOW_TS, context={"now": datetime(2026, 1, 1)})
        assert "'now'" in problems_of(exc_info)["Schedule"].rule


class TestDeliveryReceiptWebhook:
    @pytest.mark.parametrize("uri", ["https://callback.example/dlr", "http://127.0.0.1:8080/dlr?x=1"])
    def test_absolute_http_urls_are_accepted(self, uri: str) -> None:
        assert build(DeliveryReceiptWebhookUri=uri).delivery_receipt_webhook_uri == uri

    @pytest.mark.parametrize(
        "uri", ["ftp://callback.example/dlr", "/dlr", "callback.example/dlr", "https://", "https:///path"]
    )
    def test_other_uris_are_rejected(self, uri: str) -> None:
        problem = problems_of(rejected(DeliveryReceiptWebhookUri=uri))["DeliveryReceiptWebhookUri"]
        assert "http" in problem.rule

    def test_a_rejected_uri_does_not_show_its_token(self) -> None:
        exc_info = rejected(DeliveryReceiptWebhookUri="ftp://hooks.example/cb?token=s3cr3t-value")
        assert "s3cr3t" not in str(exc_info.value)

    @pytest.mark.parametrize(("given", "sent"), [("POST", "POST"), ("post", "POST"), ("Get", "GET")])
    def test_method_is_accepted_in_any_case_and_sent_upper(self, given: str, sent: str) -> None:
        assert build(DeliveryReceiptWebhookMethod=given).to_wire()["DeliveryReceiptWebhookMethod"] == sent

    @pytest.mark.parametrize(("method", "shown"), [("PUT", "'PUT'"), (1, "<int>")])
    def test_other_methods_are_rejected(self, method: object, shown: str) -> None:
        problem = problems_of(rejected(DeliveryReceiptWebhookMethod=method))["DeliveryReceiptWebhookMethod"]
        assert (problem.value, problem.rule) == (shown, "must be POST or GET (any case)")

    @pytest.mark.parametrize("receipt", [True, None])
    def test_uri_with_receipt_requested_or_default_is_accepted(self, receipt: bool | None) -> None:
        uri = "https://callback.example/dlr"
        assert (
            build(DeliveryReceipt=receipt, DeliveryReceiptWebhookUri=uri).delivery_receipt_webhook_uri == uri
        )

    def test_uri_without_receipt_is_rejected(self) -> None:
        exc_info = rejected(DeliveryReceipt=False, DeliveryReceiptWebhookUri="https://callback.example/dlr")
        assert "DeliveryReceipt is false" in problems_of(exc_info)["DeliveryReceiptWebhookUri"].rule


LEASE_ONLY_VALUES = {
    "ForwardToSms": "+61499333222",
    "ForwardFromSms": "Replies",
    "ForwardToEmail": "ops@example.com",
    "ForwardFromEmail": "noreply@example.com",
    "WebhookUri": "https://callback.example/replies",
    "WebhookMethod": "GET",
}


class TestLeaseOnlyFields:
    @pytest.mark.parametrize("sender", ["", None])
    @pytest.mark.parametrize(("field", "value"), LEASE_ONLY_VALUES.items())
    def test_allowed_with_a_leased_number(self, field: str, value: str, sender: str | None) -> None:
        assert build(From=sender, **{field: value}).to_wire()[field] == value

    @pytest.mark.parametrize("sender", ["+61499009990", "MyBrand"])
    @pytest.mark.parametrize(("field", "value"), LEASE_ONLY_VALUES.items())
    def test_rejected_with_a_sender_id(self, field: str, value: str, sender: str) -> None:
        problem = problems_of(rejected(From=sender, **{field: value}))[field]
        assert "leased number" in problem.rule
        assert "From is blank or omitted" in problem.rule

    def test_blank_lease_only_value_is_still_rejected_with_a_sender_id(self) -> None:
        assert "ForwardFromSms" in problems_of(rejected(From="MyBrand", ForwardFromSms=""))

    def test_forwarded_phone_number_is_masked(self) -> None:
        exc_info = rejected(From="MyBrand", ForwardToSms="+61499333222")
        assert problems_of(exc_info)["ForwardToSms"].value == "+6149****222"
        assert "+61499333222" not in str(exc_info.value)

    def test_forward_to_sms_must_be_e164(self) -> None:
        assert "E.164" in problems_of(rejected(ForwardToSms="0499333222"))["ForwardToSms"].rule

    def test_forward_from_sms_must_be_a_sender_id(self) -> None:
        assert "ForwardFromSms" in problems_of(rejected(ForwardFromSms="Far too long name"))

    @pytest.mark.parametrize("sender", ["+61499009990", "MyBrand", ""])
    def test_external_id_is_allowed_with_any_sender(self, sender: str) -> None:
        assert build(From=sender, ExternalId="dag.task.run.0.3").to_wire()["ExternalId"] == "dag.task.run.0.3"


class TestRequestShape:
    def test_snake_case_names_are_sent_as_pascal_case(self) -> None:
        request = FoneMessageRequest.build(
            from_="MyBrand", to=TO, text="x", delivery_receipt=False, external_id="k1", context={"now": NOW}
        )
        assert request.to_wire() == {
            "From": "MyBrand",
            "To": TO,
            "Text": "x",
            "DeliveryReceipt": False,
            "ExternalId": "k1",
        }

    def test_unknown_field_is_rejected(self) -> None:
        assert "Priority" in problems_of(rejected(Priority="high"))

    def test_every_problem_is_reported_at_once(self) -> None:
        exc_info = rejected(To="123456789", Text="", Schedule=NOW_TS + 10**7)
        assert set(problems_of(exc_info)) == {"To", "Text", "Schedule"}

    def test_uses_leased_number(self) -> None:
        assert build(From="").uses_leased_number
        assert build().uses_leased_number
        assert not build(From="MyBrand").uses_leased_number


class TestBatchRequest:
    def test_problems_are_named_with_the_message_position(self) -> None:
        messages = [{"To": TO, "Text": "a"}, {"To": TO, "Text": "b"}, {"To": "+61 4", "Text": "c"}]
        with pytest.raises(SmsValidationError) as exc_info:
            FoneBatchMessagesRequest.build(Messages=messages, context={"now": NOW})
        assert list(problems_of(exc_info)) == ["Messages[2].To"]

    def test_empty_batch_is_rejected(self) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            FoneBatchMessagesRequest.build(Messages=[])
        assert "at least one" in problems_of(exc_info)["Messages"].rule

    def test_one_message_is_enough(self) -> None:
        batch = FoneBatchMessagesRequest.build(Messages=[{"To": TO, "Text": "a"}])
        assert batch.to_wire() == {"Messages": [{"To": TO, "Text": "a"}]}

    def test_validation_context_reaches_every_message(self) -> None:
        body = load_seed("batch_send_lease_request")
        with pytest.raises(SmsValidationError) as exc_info:
            FoneBatchMessagesRequest.build(body, context={"now": SEED_NOW + timedelta(days=1)})
        assert set(problems_of(exc_info)) == {"Messages[0].Schedule", "Messages[1].Schedule"}


class TestMessageResource:
    def test_bare_object_parses(self) -> None:
        message = parse_message_response(
            {"MessageSid": "MG1", "Status": "Delivered", "Delivered": 1700000000}
        )
        assert (message.message_sid, message.delivered) == ("MG1", 1700000000)

    def test_every_named_field_is_read(self) -> None:
        body = {
            "MessageSid": "MG1",
            "AccountSid": "AC1",
            "PropertySid": "PS1",
            "From": "+61499009990",
            "To": TO,
            "Text": "hi",
            "DeliveryReceipt": True,
            "NumSegments": 2,
            "Status": "Submitted",
            "Direction": "Transmit",
            "Scheduled": 1,
            "Created": 2,
            "Submitted": 3,
            "Delivered": 4,
            "Received": 5,
            "ErrorCode": "",
            "ExternalId": "k1",
        }
        message = parse_message_response({"Message": body})
        assert message.model_dump(by_alias=True) == body
        assert message.model_extra == {}

    def test_unknown_fields_are_kept(self) -> None:
        message = parse_message_response({"Message": {"MessageSid": "MG1", "Cost": "0.05"}})
        assert message.model_extra == {"Cost": "0.05"}

    def test_body_that_is_not_an_object_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="FoneMessage"):
            parse_message_response(["MG1"])

    @pytest.mark.parametrize(
        ("body", "status", "final"),
        [
            ({"Status": "Processing"}, NeutralStatus.PENDING, False),
            ({"Status": "Submitted", "DeliveryReceipt": True}, NeutralStatus.SENT, False),
            ({"Status": "Submitted", "DeliveryReceipt": False}, NeutralStatus.SENT, True),
            ({"Status": "Delivered"}, NeutralStatus.DELIVERED, True),
            ({"Status": "Failed", "ErrorCode": "UNDELIVERABLE"}, NeutralStatus.FAILED, True),
            ({}, NeutralStatus.UNKNOWN, False),
        ],
    )
    def test_state_maps_status_code_and_receipt(
        self, body: dict[str, Any], status: NeutralStatus, final: bool
    ) -> None:
        state = FoneMessage.model_validate(body).state
        assert (state.status, state.final) == (status, final)
        assert state.vendor_code == (body.get("ErrorCode") or None)


# -- batch send response -------------------------------------------------------------------------------------

ACCEPTED = {"MessageSid": "MG1", "Status": "Processing"}
REFUSED = {"ErrorCode": "INVALID_PHONENUMBER_FORMAT", "Message": "bad To", "Errors": [{"FieldName": "To"}]}


def test_seed_batch_response_parses_in_order() -> None:
    accepted, refused = parse_batch_response(load_seed("batch_send_response"))
    assert isinstance(accepted, FoneMessage)
    assert (accepted.message_sid, accepted.num_segments, accepted.created) == (
        "M87DMNHSDJHSD48DMNSDS6VJCNKD9MD0",
        0,
        1506568010,
    )
    assert (accepted.status, accepted.direction, accepted.external_id) == (
        "Processing",
        "Transmit",
        "testid123",
    )
    assert accepted.error_code == ""
    assert refused == FoneBatchItemError(
        error_code="INVALID_PHONENUMBER_FORMAT",
        message="To parameter is not in E.164 format",
        errors=[FoneFieldError(field_name="To")],
    )


def test_wrapped_response_parses_like_a_bare_array() -> None:
    assert parse_batch_response({"Messages": [ACCEPTED, REFUSED]}) == parse_batch_response(
        [ACCEPTED, REFUSED]
    )


def test_order_of_the_request_is_kept() -> None:
    results = parse_batch_response([REFUSED, ACCEPTED, REFUSED, {**ACCEPTED, "MessageSid": "MG2"}])
    kinds = [type(result).__name__ for result in results]
    assert kinds == ["FoneBatchItemError", "FoneMessage", "FoneBatchItemError", "FoneMessage"]
    assert [r.message_sid for r in results if isinstance(r, FoneMessage)] == ["MG1", "MG2"]


@pytest.mark.parametrize("item", [{"MessageSid": "", "ErrorCode": "X"}, {"MessageSid": None}, {}])
def test_item_without_a_message_sid_is_an_error(item: dict[str, object]) -> None:
    assert isinstance(parse_batch_response([item])[0], FoneBatchItemError)


def test_error_item_without_errors_has_an_empty_list() -> None:
    (result,) = parse_batch_response([{"ErrorCode": "X", "Message": "y"}])
    assert isinstance(result, FoneBatchItemError)
    assert result.errors == []


def test_unknown_fields_are_kept_on_both_kinds() -> None:
    accepted, refused = parse_batch_response([{**ACCEPTED, "Cost": 1}, {**REFUSED, "Hint": "h"}])
    assert accepted.model_extra == {"Cost": 1}
    assert refused.model_extra == {"Hint": "h"}


def test_empty_array_is_an_empty_result() -> None:
    assert parse_batch_response([]) == []


@pytest.mark.parametrize("wrapped", [False, True])
def test_the_summary_counts_what_the_parsed_response_holds(wrapped: bool) -> None:
    items = [
        {**ACCEPTED, "Created": 1_700_000_005},
        REFUSED,
        {**ACCEPTED, "MessageSid": "MG2", "Created": "1700000003"},  # text: read as the model reads it
        {**ACCEPTED, "MessageSid": "MG3"},
        {"MessageSid": ""},
    ]
    summary = summarize_batch_response({"Messages": items} if wrapped else items)
    parsed = parse_batch_response(items)

    assert (summary.results, summary.accepted, summary.created) == (5, 3, 1_700_000_003)
    assert summary.errors == tuple(
        (index, item) for index, item in enumerate(parsed) if isinstance(item, FoneBatchItemError)
    )
    assert [index for index, _ in summary.errors] == [1, 4]


def test_a_summary_of_what_is_no_batch_response_fails_like_the_parse() -> None:
    with pytest.raises(ValueError, match="'Messages' array"):
        parse_batch_response({"ResponseStatus": {}})
    with pytest.raises(ValueError, match="'Messages' array"):
        summarize_batch_response({"ResponseStatus": {}})


@pytest.mark.parametrize(
    "body", [load_seed("batch_send_request_failed_response"), None, "oops", {"Messages": "x"}]
)
def test_body_that_is_not_a_batch_array_is_an_error(body: object) -> None:
    with pytest.raises(ValueError, match="expected a JSON array"):
        parse_batch_response(body)


def test_item_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(ValueError, match="FoneBatchItemError"):
        parse_batch_response([ACCEPTED, "MG2"])


# -- error bodies --------------------------------------------------------------------------------------------


def test_seed_error_body_parses() -> None:
    assert parse_error_body(load_seed("batch_send_request_failed_response")) == (
        "FormatException",
        "Invalid length for a Base-64 char array or string.",
        [],
    )


def test_field_names_are_returned_in_order() -> None:
    body = {
        "ResponseStatus": {
            "ErrorCode": "PARAMETER_REQUIRED",
            "Message": "missing",
            "Errors": [{"FieldName": "To"}, {"FieldName": "Text"}, {"Other": 1}],
        }
    }
    assert parse_error_body(body) == ("PARAMETER_REQUIRED", "missing", ["To", "Text"])


@pytest.mark.parametrize(
    "body",
    [None, "", "Internal Server Error", [], {}, {"ResponseStatus": None}, {"ResponseStatus": "x"}, 42],
)
def test_missing_or_odd_bodies_give_nones(body: object) -> None:
    assert parse_error_body(body) == (None, None, [])


def test_blank_code_and_text_are_none() -> None:
    assert parse_error_body({"ResponseStatus": {"ErrorCode": "", "Message": ""}}) == (None, None, [])


def test_odd_errors_list_still_gives_code_and_text() -> None:
    body = {"ResponseStatus": {"ErrorCode": "E1", "Message": "m", "Errors": "not a list"}}
    assert parse_error_body(body) == ("E1", "m", [])


def test_non_string_code_is_dropped_not_raised() -> None:
    assert parse_error_body({"ResponseStatus": {"ErrorCode": 7, "Message": "m"}}) == (None, "m", [])


def test_response_status_keeps_unknown_fields() -> None:
    status = FoneResponseStatus.model_validate({"ErrorCode": "E1", "StackTrace": "..."})
    assert status.model_extra == {"StackTrace": "..."}


# -- message search query and response -----------------------------------------------------------------------

START = 1_767_225_600  # 2026-01-01T00:00:00Z
END = START + 86_400


def query(**fields: Any) -> FoneMessageListQuery:
    return FoneMessageListQuery.build({"Date_From": START, "Date_To": END, **fields})


def rejected_query(**fields: Any) -> pytest.ExceptionInfo[SmsValidationError]:
    with pytest.raises(SmsValidationError) as exc_info:
        query(**fields)
    return exc_info


def test_minimal_query_params() -> None:
    assert query().to_params() == {"Date_From": str(START), "Date_To": str(END)}


def test_every_param_is_sent_by_wire_name_as_text() -> None:
    params = query(Status="Delivered", Direction="Transmit", Results_Count=50, Results_Skip=100).to_params()
    assert params == {
        "Date_From": str(START),
        "Date_To": str(END),
        "Status": "Delivered",
        "Direction": "Transmit",
        "Results_Count": "50",
        "Results_Skip": "100",
    }


def test_snake_case_names_and_aware_datetimes_are_accepted() -> None:
    built = FoneMessageListQuery.build(
        date_from=datetime(2026, 1, 1, tzinfo=timezone.utc), date_to=datetime(2026, 1, 2, tzinfo=timezone.utc)
    )
    assert (built.date_from, built.date_to) == (START, END)


@pytest.mark.parametrize("field", ["Date_From", "Date_To"])
def test_dates_are_required(field: str) -> None:
    body = {"Date_From": START, "Date_To": END}
    del body[field]
    with pytest.raises(SmsValidationError) as exc_info:
        FoneMessageListQuery.build(body)
    assert field in problems_of(exc_info)


def test_naive_datetime_is_rejected() -> None:
    assert "timezone-aware" in problems_of(rejected_query(Date_From=datetime(2026, 1, 1)))["Date_From"].rule


def test_date_to_one_second_after_date_from_is_accepted() -> None:
    assert query(Date_To=START + 1).date_to == START + 1


@pytest.mark.parametrize("date_to", [START, START - 1])
def test_date_to_must_be_after_date_from(date_to: int) -> None:
    problem = problems_of(rejected_query(Date_To=date_to))["Date_To"]
    assert problem.value == str(date_to)
    assert "exclusive" in problem.rule


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Processing", "Processing"),
        ("submitted", "Submitted"),
        ("DELIVERED", "Delivered"),
        ("Failed", "Failed"),
        ("received", "Received"),
    ],
)
def test_status_is_matched_in_any_case(given: str, sent: str) -> None:
    assert query(Status=given).to_params()["Status"] == sent


@pytest.mark.parametrize("status", ["Queued", "", 3])
def test_unknown_status_is_rejected(status: object) -> None:
    assert "Processing, Submitted" in problems_of(rejected_query(Status=status))["Status"].rule


@pytest.mark.parametrize(("given", "sent"), [("transmit", "Transmit"), ("Receive", "Receive")])
def test_direction_is_matched_in_any_case(given: str, sent: str) -> None:
    assert query(Direction=given).to_params()["Direction"] == sent


def test_unknown_direction_is_rejected() -> None:
    assert "Direction" in problems_of(rejected_query(Direction="Outbound"))


@pytest.mark.parametrize("count", [1, 200])
def test_results_count_from_1_to_200_is_accepted(count: int) -> None:
    assert query(Results_Count=count).results_count == count


@pytest.mark.parametrize("count", [0, -1, 201, 100_000])
def test_results_count_outside_1_to_200_is_refused(count: int) -> None:
    problem = problems_of(rejected_query(Results_Count=count))["Results_Count"]
    assert problem.rule == "must be a page size from 1 to 200 (Fone Dynamics' documented page size)"
    assert problem.value == str(count)


def test_results_skip_must_not_be_negative() -> None:
    assert query(Results_Skip=0).results_skip == 0
    assert problems_of(rejected_query(Results_Skip=-1))["Results_Skip"].rule == "must be 0 or more"


def test_unknown_param_is_rejected() -> None:
    assert "Page" in problems_of(rejected_query(Page=2))


MESSAGES = [{"MessageSid": "MG1", "Status": "Delivered"}, {"MessageSid": "MG2", "Direction": "Receive"}]


@pytest.mark.parametrize("body", [MESSAGES, {"Messages": MESSAGES}])
def test_message_list_parses_bare_or_wrapped(body: object) -> None:
    assert [message.message_sid for message in parse_message_list(body)] == ["MG1", "MG2"]


def test_message_list_keeps_unknown_fields() -> None:
    (message,) = parse_message_list([{"MessageSid": "MG1", "Price": "0.1"}])
    assert message.model_extra == {"Price": "0.1"}


@pytest.mark.parametrize("body", [None, {"messages": []}, {"ResponseStatus": {}}])
def test_other_bodies_are_an_error(body: object) -> None:
    with pytest.raises(ValueError, match="'Messages' array"):
        parse_message_list(body)
