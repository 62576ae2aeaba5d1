"""Which errors a retry can cure: the one definition every layer asks (``SmsError.retryable``)."""

from __future__ import annotations

import pytest

from airflow_provider_sms.exceptions import (
    SmsAmbiguousResultError,
    SmsCapabilityError,
    SmsError,
    SmsTransportError,
    SmsValidationError,
    api_error_class,
)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (SmsValidationError([], "send"), False),
        (SmsCapabilityError("Fone Dynamics", "cancel a batch"), False),
        (SmsTransportError("reset"), True),
        (SmsAmbiguousResultError("lost answer"), True),
        (api_error_class(429)(vendor="Sinch", status=429), True),
        (api_error_class(503)(vendor="Sinch", status=503), True),
        (api_error_class(400)(vendor="Sinch", status=400), False),
        (api_error_class(403)(vendor="Sinch", status=403, code="batch_already_dispatched"), False),
        (api_error_class(404)(vendor="Sinch", status=404), False),
    ],
)
def test_every_error_says_whether_a_retry_can_cure_it(error: SmsError, retryable: bool) -> None:
    assert error.retryable is retryable
