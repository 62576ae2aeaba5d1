from __future__ import annotations

import pytest

from airflow_provider_sms.clients.request_models import build_request
from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.sinch import SinchDeliveryFeedbackRequest


def test_built_model_is_returned_as_is() -> None:
    model = SinchDeliveryFeedbackRequest.build(recipients=[])
    assert build_request(SinchDeliveryFeedbackRequest, model, {}) is model


def test_fields_are_merged_over_the_mapping() -> None:
    model = build_request(
        SinchDeliveryFeedbackRequest, {"recipients": ["x"]}, {"recipients": ["+61488023555"]}
    )
    assert model.recipients == ["+61488023555"]


def test_model_and_fields_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not both"):
        build_request(
            SinchDeliveryFeedbackRequest, SinchDeliveryFeedbackRequest.build(recipients=[]), {"a": 1}
        )


def test_invalid_fields_raise_validation_error() -> None:
    with pytest.raises(SmsValidationError):
        build_request(SinchDeliveryFeedbackRequest, None, {})
