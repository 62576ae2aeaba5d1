"""``SmsInboundTrigger`` and ``SmsReplyTrigger`` against the sandbox, with real Variables as the cursor store.

The restart tests stop a trigger between two inbound messages and rebuild it from ``serialize()``, as the
triggerer does after a restart: every message is an event exactly once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from airflow.triggers.base import TriggerEvent

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.models.inbound import InboundSms
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.triggers.batch import NumberDigest
from airflow_provider_sms.triggers.inbound import (
    CURSOR_VARIABLE_PREFIX,
    LOOK_BACK,
    InboundCursor,
    InboundFilter,
    SmsInboundTrigger,
    SmsReplyTrigger,
    find_reply,
    load_cursor,
)
from tests.e2e.harness import migrate_metadata_db

SINCH, FONE = "sms_inbound_sinch", "sms_inbound_fone"
OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
HANDSET, OTHER_HANDSET = "+61400000002", "+61400000003"
FAST = 0.1


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Both vendors' connections to the sandbox (no client retries), and the metadata DB for Variables."""
    migrate_metadata_db()
    for conn_id, connection in (
        (SINCH, sinch_connection(sandbox.url)),
        (FONE, fonedynamics_connection(sandbox.url)),
    ):
        connection["extra"]["max_retries"] = 0
        monkeypatch.setenv(*connection_env(conn_id, connection))
    return sandbox


def conn_of(vendor: str) -> str:
    return SINCH if vendor == "sinch" else FONE


def unique_key() -> str:
    return f"{CURSOR_VARIABLE_PREFIX}test_{time.monotonic_ns()}"


async def next_event(events: AsyncIterator[TriggerEvent], timeout: float = 10) -> dict[str, Any]:
    event = await asyncio.wait_for(anext(events), timeout)
    payload: dict[str, Any] = event.payload
    return payload


async def no_event(events: AsyncIterator[TriggerEvent], wait: float = 1.0) -> None:
    pending = asyncio.ensure_future(anext(events))
    done, _ = await asyncio.wait({pending}, timeout=wait)
    assert not done, f"unexpected event {pending.result().payload if done else None}"
    pending.cancel()
    with pytest.raises((asyncio.CancelledError, StopAsyncIteration)):
        await pending


async def started(trigger: SmsInboundTrigger) -> AsyncIterator[TriggerEvent]:
    """Run the trigger until it has kept its cursor (its first poll is under way); return its events."""
    events = trigger.run()
    first = asyncio.ensure_future(anext(events))
    for _ in range(200):
        if await asyncio.to_thread(load_cursor, trigger.cursor_key) is not None:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the trigger never kept a cursor")

    async def resumed() -> AsyncIterator[TriggerEvent]:
        yield await first
        async for event in events:
            yield event

    return resumed()


def inject(sandbox: SandboxServer, vendor: str, body: str, sender: str = HANDSET) -> dict[str, Any]:
    created: dict[str, Any] = sandbox.inject_inbound(vendor, sender=sender, to=OUR_NUMBER[vendor], body=body)
    return created


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
async def test_a_restart_between_two_messages_loses_none_and_repeats_none(
    connections: SandboxServer, vendor: str
) -> None:
    before = inject(connections, vendor, "sent before the watcher started")
    await asyncio.sleep(1.1)  # the watcher starts from the whole second it first runs in
    first_run = SmsInboundTrigger(
        conn_of(vendor), OUR_NUMBER[vendor], poll_interval=FAST, cursor_key=unique_key()
    )
    events = await started(first_run)
    first = inject(connections, vendor, "STOP")

    got_first = await next_event(events)
    await events.aclose()  # the triggerer stops ...
    second = inject(connections, vendor, "stop ")  # ... a message arrives while it is down ...
    classpath, kwargs = first_run.serialize()  # ... and it rebuilds the trigger from its kwargs.
    again = SmsInboundTrigger(**json.loads(json.dumps(kwargs))).run()
    got_second = await next_event(again)
    third = inject(connections, vendor, "after the restart")
    got_third = await next_event(again)
    await no_event(again)
    await again.aclose()

    assert classpath == "airflow_provider_sms.triggers.inbound.SmsInboundTrigger"
    assert [got_first["id"], got_second["id"], got_third["id"]] == [first["id"], second["id"], third["id"]]
    assert before["id"] not in {got_first["id"], got_second["id"], got_third["id"]}
    assert got_second == {
        "kind": "inbound",
        "vendor": vendor,
        "id": second["id"],
        "from": HANDSET,
        "to": OUR_NUMBER[vendor],
        "body": "stop ",
        "received_at": got_second["received_at"],
        "in_reply_to": None,
    }
    assert datetime.fromisoformat(got_second["received_at"].replace("Z", "+00:00")).tzinfo is not None


@pytest.mark.asyncio
async def test_senders_and_pattern_filter_and_other_numbers_are_left_out(connections: SandboxServer) -> None:
    trigger = SmsInboundTrigger(
        SINCH,
        OUR_NUMBER["sinch"],
        from_numbers=[HANDSET],
        body_pattern=r"(?i)^\s*stop\s*$",
        poll_interval=FAST,
        cursor_key=unique_key(),
    )
    events = await started(trigger)
    inject(connections, "sinch", "STOP", sender=OTHER_HANDSET)
    inject(connections, "sinch", "please stop sending")
    connections.inject_inbound("sinch", sender=HANDSET, to="+61400000200", body="STOP")
    wanted = inject(connections, "sinch", " Stop ")

    got = await next_event(events)
    await no_event(events)
    await events.aclose()

    assert got["id"] == wanted["id"]


@pytest.mark.asyncio
async def test_since_makes_earlier_messages_events_on_the_first_run(connections: SandboxServer) -> None:
    earlier = inject(connections, "fonedynamics", "earlier")
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    trigger = SmsInboundTrigger(FONE, OUR_NUMBER["fonedynamics"], since=since.isoformat(), poll_interval=FAST)

    events = trigger.run()
    got = await next_event(events)
    await events.aclose()

    assert got["id"] == earlier["id"]


@pytest.mark.asyncio
async def test_a_5xx_streak_is_polled_again_and_nothing_is_lost(connections: SandboxServer) -> None:
    trigger = SmsInboundTrigger(SINCH, OUR_NUMBER["sinch"], poll_interval=FAST, cursor_key=unique_key())
    events = await started(trigger)
    faults = f"{connections.url}/_sandbox/faults"
    wanted = inject(connections, "sinch", "STOP")
    requests.post(faults, json={"error_rate": 1.0, "error_status": 503}, timeout=5).raise_for_status()

    async def heal() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(requests.delete, faults, timeout=5)

    healing = asyncio.create_task(heal())
    got = await next_event(events)
    await healing
    await events.aclose()

    assert got["id"] == wanted["id"]


def test_bad_arguments_are_named_with_numbers_masked() -> None:
    with pytest.raises(SmsValidationError) as raised:
        SmsInboundTrigger("sms", "0400 000 100", from_numbers=["61400000002"], body_pattern="(")

    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["number", "from_numbers[0]", "body_pattern"]
    assert "0400 000 100" not in str(raised.value)
    assert "61400000002" not in str(raised.value)
    with pytest.raises(SmsValidationError, match="since='yesterday': must be an ISO-8601 time"):
        SmsInboundTrigger("sms", "+61400000100", since="yesterday")


def test_serialize_round_trips_and_the_cursor_key_names_no_number() -> None:
    trigger = SmsInboundTrigger("sms", "+61400000100", from_numbers=[HANDSET], body_pattern="STOP")
    other = SmsInboundTrigger("sms", "+61400000100", from_numbers=[HANDSET], body_pattern="YES")

    classpath, kwargs = trigger.serialize()

    assert json.loads(json.dumps(kwargs)) == kwargs
    assert SmsInboundTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert kwargs["cursor_key"].startswith(CURSOR_VARIABLE_PREFIX)
    assert "61400000100" not in kwargs["cursor_key"]
    assert kwargs["cursor_key"] != other.serialize()[1]["cursor_key"]


def test_the_cursor_forgets_ids_no_poll_can_list_again() -> None:
    floor = datetime(2026, 11, 27, 10, tzinfo=timezone.utc)

    def message(n: int, minutes: int) -> InboundSms:
        at = floor + timedelta(minutes=minutes)
        return InboundSms("sinch", f"m{n}", HANDSET, "+61400000100", "x", at)

    cursor = InboundCursor(floor)
    for item in (message(1, 1), message(2, 20), message(3, 22)):
        cursor = cursor.handled(item)

    assert set(cursor.seen) == {"m2", "m3"}
    assert cursor.window_start() == floor + timedelta(minutes=22) - LOOK_BACK
    assert [m.id for m in cursor.unseen([message(3, 22), message(4, 21), message(0, -1)])] == ["m4"]
    assert InboundCursor.from_json(cursor.to_json()) == cursor
    with pytest.raises(SmsValidationError, match="cursor"):
        InboundCursor.from_json('{"version": 99}')


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
async def test_the_reply_trigger_yields_the_first_matching_reply_without_numbers(
    connections: SandboxServer, vendor: str
) -> None:
    digest = NumberDigest(SmsHook.for_connection(conn_of(vendor)).secret)
    since = datetime.now(timezone.utc) - timedelta(seconds=5)
    inject(connections, vendor, "maybe")
    inject(connections, vendor, "YES", sender=OTHER_HANDSET)
    wanted = inject(connections, vendor, "yes 4711")
    trigger = SmsReplyTrigger(
        sms_conn_id=conn_of(vendor),
        number=OUR_NUMBER[vendor],
        sender_digests=[digest(HANDSET)],
        digest_key_id=digest.key_id,
        since=since.isoformat(),
        end_time=time.time() + 30,
        body_pattern=r"(?i)^yes\b",
        poll_interval=FAST,
    )

    events = [event.payload async for event in SmsReplyTrigger(**trigger.serialize()[1]).run()]

    assert [event["status"] for event in events] == ["success"]
    assert events[0]["reply"]["id"] == wanted["id"]
    assert events[0]["reply"]["body"] == "yes 4711"
    assert HANDSET not in json.dumps(events)
    assert HANDSET not in json.dumps(trigger.serialize())


@pytest.mark.asyncio
async def test_the_reply_trigger_times_out(connections: SandboxServer) -> None:
    digest = NumberDigest(SmsHook.for_connection(SINCH).secret)
    trigger = SmsReplyTrigger(
        SINCH,
        OUR_NUMBER["sinch"],
        [digest(HANDSET)],
        digest.key_id,
        since=datetime.now(timezone.utc).isoformat(),
        end_time=time.time() + 0.5,
        poll_interval=FAST,
    )

    events = [event.payload async for event in trigger.run()]

    assert [event["status"] for event in events] == ["timeout"]
    assert "+6140****100" in events[0]["message"]


def test_find_reply_counts_whole_seconds_as_fone_dynamics_gives_them(connections: SandboxServer) -> None:
    hook = SmsHook.for_connection(FONE)
    created = inject(connections, "fonedynamics", "YES")
    received = datetime.fromtimestamp(created["inbound"]["Received"], timezone.utc)
    wanted = InboundFilter.build(OUR_NUMBER["fonedynamics"], [HANDSET])

    same_second = find_reply(hook, wanted, received + timedelta(microseconds=999_999))

    assert same_second is not None
    assert same_second.id == created["id"]
    assert find_reply(hook, wanted, received + timedelta(seconds=1)) is None
