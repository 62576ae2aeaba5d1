"""Schedule rules: at most 14 days ahead; past by less than 1 hour is sent now; older is refused."""

from __future__ import annotations

import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import get, sandbox_now, send

DAY = 86400
BASE = {"From": "Acme", "To": "+61488023555", "Text": "scheduled"}


@pytest.mark.parametrize("offset", [14 * DAY + 60, -3600 - 60, -2 * DAY])
def test_schedule_out_of_range_is_refused(sandbox: SandboxServer, offset: int) -> None:
    response = send(sandbox, {**BASE, "Schedule": sandbox_now(sandbox) + offset})

    assert response.status_code == 400
    status = response.json()["ResponseStatus"]
    assert status["ErrorCode"] == "INVALID_SCHEDULE"
    assert status["Errors"][0]["FieldName"] == "Schedule"


@pytest.mark.parametrize("value", ["tomorrow", 1.5, True])
def test_schedule_must_be_integer_seconds(sandbox: SandboxServer, value: object) -> None:
    response = send(sandbox, {**BASE, "Schedule": value})

    assert response.status_code == 400
    assert response.json()["ResponseStatus"]["ErrorCode"] == "PARAMETER_INVALID"


def test_schedule_14_days_ahead_waits_until_due(sandbox: SandboxServer) -> None:
    due = sandbox_now(sandbox) + 14 * DAY - 60
    message = send(sandbox, {**BASE, "Schedule": due}).json()["Message"]

    assert message["Scheduled"] == due
    assert get(sandbox, message["MessageSid"])["Status"] == "Processing"
    sandbox.advance(14 * DAY - 120)
    assert get(sandbox, message["MessageSid"])["Status"] == "Processing"
    assert sandbox.inbox("+61488023555") == []

    sandbox.advance(61)
    sent = get(sandbox, message["MessageSid"])
    assert sent["Status"] == "Delivered"
    assert sent["Submitted"] == due
    assert len(sandbox.inbox("+61488023555")) == 1


def test_schedule_less_than_an_hour_past_is_sent_now(sandbox: SandboxServer) -> None:
    past = sandbox_now(sandbox) - 3500
    message = send(sandbox, {**BASE, "Schedule": past}).json()["Message"]

    fetched = get(sandbox, message["MessageSid"])
    assert fetched["Scheduled"] == past
    assert fetched["Status"] == "Submitted"
    assert fetched["Submitted"] >= sandbox_now(sandbox) - 2
