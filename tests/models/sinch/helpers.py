"""Helpers for asserting on validation errors of the Sinch request models."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models._base import RequestModel

#: The fixed "now" every schedule check in these tests runs against.
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
CONTEXT = {"now": NOW}


def problems(model: type[RequestModel], data: dict[str, Any]) -> tuple[Problem, ...]:
    """Build ``model`` from ``data``, expect a validation error and return its problems."""
    with pytest.raises(SmsValidationError) as caught:
        model.build(data, context=CONTEXT)
    return caught.value.problems


def only_problem(model: type[RequestModel], data: dict[str, Any]) -> Problem:
    """Build ``model`` from ``data``, expect exactly one broken rule and return it."""
    found = problems(model, data)
    assert len(found) == 1, found
    return found[0]
