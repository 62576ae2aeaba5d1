"""``SinchHook.batch_status`` / ``recipient_states`` against the sandbox's delivery reports."""

from __future__ import annotations

import time
from typing import Any

import pytest
from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED

from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.models.sms import NeutralStatus
from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection


@pytest.fixture
def hook(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SmsHook[Any, Any]:
    monkeypatch.setenv(*connection_env("track_sinch", sinch_connection(sandbox.url)))
    return SmsHook.for_connection("track_sinch")


def settle(hook: SmsHook[Any, Any], batch_id: str) -> None:
    deadline = time.monotonic() + 10
    while not hook.batch_status(batch_id).complete and time.monotonic() < deadline:
        time.sleep(0.1)


def test_batch_status_counts_each_state_and_is_complete_once_all_final(hook: SmsHook[Any, Any]) -> None:
    batch_id = hook.send_batch(
        to=["+61400000001", "+61400000002", "+61400000013"], from_="Alerts", body="x"
    ).id

    settle(hook, batch_id)
    status = hook.batch_status(batch_id)

    assert status.complete
    assert (status.total, status.final) == (3, 3)
    assert status.by_status() == {"delivered": 2, "failed": 1}
    assert status.by_vendor_status() == {"Delivered": 2, "Failed": 1}


def test_a_scheduled_batch_is_pending_and_not_complete(hook: SmsHook[Any, Any]) -> None:
    batch_id = hook.send_batch(to=["+61400000001"], from_="Alerts", body="x", send_at=_in_hours(2)).id

    status = hook.batch_status(batch_id)

    assert not status.complete
    assert status.by_status() == {"pending": 1}


def test_recipient_states_lists_every_reported_recipient_and_pads_asked_ones(hook: SmsHook[Any, Any]) -> None:
    batch_id = hook.send_batch(to=["+61400000001", "+61400000013"], from_="Alerts", body="x").id
    settle(hook, batch_id)

    every = {s.recipient: s.state.status for s in hook.recipient_states(batch_id)}
    asked = hook.recipient_states(batch_id, ["+61400000013", "+61400000077"])

    assert every == {"+61400000001": NeutralStatus.DELIVERED, "+61400000013": NeutralStatus.FAILED}
    assert [(s.recipient, s.state.status) for s in asked] == [
        ("+61400000013", NeutralStatus.FAILED),
        ("+61400000077", NeutralStatus.PENDING),
    ]
    assert asked[1].state == NOT_YET_REPORTED
    assert "+61400000013" not in repr(asked[0])


def _in_hours(hours: int) -> str:
    from datetime import datetime, timedelta, timezone

    return (datetime.now(timezone.utc) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
