"""How provider errors end an Airflow task: errors no retry can fix fail it without retry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from airflow_provider_sms.exceptions import SmsCapabilityError, SmsValidationError
from airflow_provider_sms.version_compat import AirflowFailException


@contextmanager
def failing_without_retry() -> Iterator[None]:
    """Raise bad arguments and missing vendor capabilities as ``AirflowFailException`` (never retried)."""
    try:
        yield
    except (SmsValidationError, SmsCapabilityError) as exc:
        raise AirflowFailException(str(exc)) from exc
