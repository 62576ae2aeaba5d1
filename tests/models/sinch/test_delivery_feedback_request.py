"""SinchDeliveryFeedbackRequest: recipients list, kept on the wire even when empty."""

from __future__ import annotations

from airflow_provider_sms.models.sinch import SinchDeliveryFeedbackRequest
from tests.models.sinch import samples
from tests.models.sinch.helpers import only_problem


def test_seed_feedback_sample_round_trips() -> None:
    assert SinchDeliveryFeedbackRequest.build(samples.FEEDBACK_REQUEST).to_wire() == samples.FEEDBACK_REQUEST


def test_empty_recipients_are_sent_as_an_empty_list() -> None:
    assert SinchDeliveryFeedbackRequest.build(recipients=[]).to_wire() == {"recipients": []}


def test_recipients_key_is_required() -> None:
    assert only_problem(SinchDeliveryFeedbackRequest, {}).field == "recipients"


def test_bad_recipient_is_named_by_position_and_masked() -> None:
    problem = only_problem(SinchDeliveryFeedbackRequest, {"recipients": ["+15551231234", "15551256344"]})
    assert (problem.field, problem.value) == ("recipients[1]", "15551***344")
    assert "E.164" in problem.rule
