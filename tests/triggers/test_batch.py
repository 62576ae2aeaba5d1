"""``SmsBatchTrigger``: its serialized form, and ``run()`` against the sandbox for each kind of ending."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import requests
from airflow.triggers.base import TriggerEvent

from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.batch_ids import FoneBatchRef
from airflow_provider_sms.models.fonedynamics import FoneMessage
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.triggers import batch as batch_module
from airflow_provider_sms.triggers.batch import SmsBatchTrigger
from airflow_provider_sms.triggers.conditions import WaitCondition

SINCH, FONE = "trigger_sinch", "trigger_fone"
ALL_FINAL = WaitCondition.build().to_json()
ALL_DELIVERED = WaitCondition.build("delivery").to_json()


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Both vendors' connections to the sandbox, without client retries so faults reach the trigger."""
    for conn_id, connection in (
        (SINCH, sinch_connection(sandbox.url)),
        (FONE, fonedynamics_connection(sandbox.url)),
    ):
        connection["extra"]["max_retries"] = 0
        monkeypatch.setenv(*connection_env(conn_id, connection))
    return sandbox


def send_sinch(*numbers: str) -> str:
    return str(SmsHook.for_connection(SINCH).send_batch(to=list(numbers), from_="Alerts", body="trigger").id)


def send_fone(*numbers: str) -> str:
    key = f"trg{time.time_ns()}"
    messages = [
        {"to": number, "text": "trigger", "from_": "Alerts", "external_id": f"{key}.{position}"}
        for position, number in enumerate(numbers)
    ]
    results = SmsHook.for_connection(FONE).send_messages(messages)
    return str(FoneBatchRef(key, min(m.created for m in results if isinstance(m, FoneMessage) and m.created)))


def make_trigger(
    conn_id: str, batch_id: str, condition: dict[str, Any], timeout: float = 20
) -> SmsBatchTrigger:
    return SmsBatchTrigger(
        sms_conn_id=conn_id,
        batch_ids=[batch_id],
        condition=condition,
        end_time=time.time() + timeout,
        poll_interval=0.1,
        max_backoff=0.2,
    )


async def all_events(trigger: SmsBatchTrigger) -> list[dict[str, Any]]:
    events: AsyncIterator[TriggerEvent] = trigger.run()
    return [event.payload async for event in events]


def test_serialize_round_trips_as_plain_json() -> None:
    trigger = SmsBatchTrigger(
        sms_conn_id="sms",
        batch_ids=("b1", "k@1"),
        condition=ALL_DELIVERED,
        end_time=1_800_000_000,
        poll_interval=5,
    )

    classpath, kwargs = trigger.serialize()

    assert classpath == "airflow_provider_sms.triggers.batch.SmsBatchTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs == {
        "sms_conn_id": "sms",
        "batch_ids": ["b1", "k@1"],
        "condition": ALL_DELIVERED,
        "end_time": 1_800_000_000.0,
        "poll_interval": 5.0,
        "max_backoff": batch_module.DEFAULT_MAX_BACKOFF_S,
    }
    assert SmsBatchTrigger(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", ["sinch", "fone"])
async def test_run_yields_one_success_event_once_every_message_is_final(
    connections: SandboxServer, vendor: str
) -> None:
    batch_id = send_sinch("+61400000001", "+61400000013") if vendor == "sinch" else send_fone("+61400000001")
    conn_id = SINCH if vendor == "sinch" else FONE

    events = await all_events(make_trigger(conn_id, batch_id, ALL_FINAL))

    assert len(events) == 1
    assert events[0]["status"] == "success"
    expected = {"delivered": 1, "failed": 1} if vendor == "sinch" else {"delivered": 1}
    assert events[0]["summary"]["statuses"] == expected
    assert events[0]["summary"]["batch_ids"] == [batch_id]


@pytest.mark.asyncio
async def test_run_fails_with_the_numbers_when_the_condition_can_no_longer_be_met(
    connections: SandboxServer,
) -> None:
    batch_id = send_fone("+61400000001", "+61400000013", "+61400000113")

    events = await all_events(make_trigger(FONE, batch_id, ALL_DELIVERED))

    assert [e["status"] for e in events] == ["failure"]
    assert "2 of 3 messages ended without reaching delivered" in events[0]["message"]
    assert "3 are needed" in events[0]["message"]
    assert events[0]["summary"]["failed"] == 2


@pytest.mark.asyncio
async def test_run_times_out_at_the_absolute_deadline_with_the_last_counts(
    connections: SandboxServer,
) -> None:
    batch_id = send_fone("+61400000001", "+61400000099")
    started = time.monotonic()

    events = await all_events(make_trigger(FONE, batch_id, ALL_FINAL, timeout=1.5))

    assert 1.0 < time.monotonic() - started < 10
    assert [e["status"] for e in events] == ["timeout"]
    assert events[0]["message"].startswith(f"Timed out waiting for batch {batch_id}; last poll: 1 of 2")
    assert events[0]["summary"]["statuses"] == {"delivered": 1, "sent": 1}


@pytest.mark.asyncio
async def test_run_survives_a_streak_of_5xx_with_backoff(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = send_sinch("+61400000001")
    polls: list[str] = []
    real_check = batch_module.check_batches

    def counting_check(*args: Any) -> Any:
        try:
            verdict = real_check(*args)
        except Exception as exc:
            polls.append(type(exc).__name__)
            raise
        polls.append(verdict.outcome)
        return verdict

    monkeypatch.setattr(batch_module, "check_batches", counting_check)
    faults = f"{connections.url}/_sandbox/faults"
    requests.post(faults, json={"error_rate": 1.0, "error_status": 503}, timeout=5).raise_for_status()

    async def heal() -> None:
        await asyncio.sleep(1.0)
        await asyncio.to_thread(requests.delete, faults, timeout=5)

    healing = asyncio.create_task(heal())
    events = await all_events(make_trigger(SINCH, batch_id, ALL_FINAL))
    await healing

    assert [e["status"] for e in events] == ["success"]
    assert polls.count("SmsServerError") >= 3
    assert polls[-1] == "success"


@pytest.mark.asyncio
async def test_run_ends_with_an_error_event_when_the_api_refuses_the_poll(connections: SandboxServer) -> None:
    events = await all_events(make_trigger(SINCH, "01UNKNOWNBATCH", ALL_FINAL))

    assert len(events) == 1
    assert events[0]["status"] == "error"
    assert events[0]["error_type"] == "SmsNotFoundError"
    assert events[0]["fatal"] is False


@pytest.mark.asyncio
async def test_run_reports_a_bad_condition_as_a_fatal_error_before_any_request(
    connections: SandboxServer,
) -> None:
    bad = {**ALL_DELIVERED, "min_success_ratio": 1.5}

    events = await all_events(make_trigger(SINCH, "01ANY", bad))

    assert events == [
        {
            "status": "error",
            "message": "Invalid sensor arguments, nothing was sent: min_success_ratio=1.5: "
            "must be a number greater than 0 and at most 1",
            "fatal": True,
            "error_type": "SmsValidationError",
        }
    ]
