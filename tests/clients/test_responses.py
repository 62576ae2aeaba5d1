from __future__ import annotations

import pytest

from airflow_provider_sms.clients.responses import parse_response
from airflow_provider_sms.exceptions import SmsTransportError
from airflow_provider_sms.models.sinch import SinchBatch


def test_parse_response_returns_the_model() -> None:
    batch = parse_response(SinchBatch.model_validate, {"id": "b1"}, vendor="Sinch", operation="get_batch")
    assert batch.id == "b1"


def test_parse_response_of_a_wrong_shape_names_vendor_and_operation_not_the_body() -> None:
    with pytest.raises(SmsTransportError, match="Sinch get_batch succeeded") as caught:
        parse_response(SinchBatch.model_validate, ["+61488023555"], vendor="Sinch", operation="get_batch")
    assert "61488023555" not in str(caught.value)
