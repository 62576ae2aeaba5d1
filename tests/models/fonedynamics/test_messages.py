from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.fonedynamics.messages import (
    FoneBatchMessagesRequest,
    FoneMessage,
    FoneMessageRequest,
    parse_message_response,
)
from airflow_provider_sms.models.status import NeutralStatus
from tests.models.fonedynamics.helpers import SEED_NOW, load_seed, problems_of

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
