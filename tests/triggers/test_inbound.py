"""``SmsInboundTrigger`` and ``SmsReplyTrigger`` against the sandbox, with real Variables as the cursor store.

The restart tests stop a trigger between two inbound messages and rebuild it from ``serialize()``, as the
triggerer does after a restart: once a message's event is stored, every message is an event exactly once;
a stop before that makes it an event again, never loses it. Two watchers of one number run on the path
the installed Airflow gives them: on 3.3 through Airflow's own ``SharedStreamManager``, as the triggerer's
runner does, confirming stored events as its supervisor does; on 3.1 and 3.2 each through its own ``run()``.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from airflow_provider_sms.triggers import inbound
from airflow_provider_sms.triggers.batch import NumberDigest
from airflow_provider_sms.triggers.inbound import (
    CURSOR_VARIABLE_PREFIX,
    LOOK_BACK,
    SHARES_POLLS,
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
#: The standalone trigger's wait before its cursor takes what it yielded (3 s in a triggerer).
COMMIT_DELAY = 0.3


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Both vendors' connections to the sandbox (no client retries), and the metadata DB for Variables."""
    migrate_metadata_db()
    monkeypatch.setattr(inbound, "COMMIT_DELAY_S", COMMIT_DELAY)
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


def kept_ids(key: str) -> set[str]:
    """Return the ids the cursor in Variable ``key`` has taken."""
    text = load_cursor(key)
    return set() if text is None else set(InboundCursor.from_json(text).seen)


async def stop_once_kept(events: AsyncIterator[TriggerEvent], key: str, message_id: str) -> None:
    """Go on running the trigger, as the triggerer does after taking an event, until the cursor has taken
    the message (its event is believed stored); then stop it as the triggerer does (cancel)."""
    pending = asyncio.ensure_future(anext(events))
    deadline = time.monotonic() + 10
    while message_id not in await asyncio.to_thread(kept_ids, key):
        assert time.monotonic() < deadline, f"the cursor never took {message_id}"
        assert not pending.done(), f"unexpected event {pending.result().payload}"
        await asyncio.sleep(0.05)
    pending.cancel()
    with pytest.raises((asyncio.CancelledError, StopAsyncIteration)):
        await pending
    await events.aclose()


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
    await stop_once_kept(
        events, first_run.cursor_key, first["id"]
    )  # the event is stored; the triggerer stops ...
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
async def test_a_stop_before_the_cursor_took_a_message_makes_it_an_event_again(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A triggerer stopped (or killed) right after a yield may not have stored the event: never lose it."""
    monkeypatch.setattr(inbound, "COMMIT_DELAY_S", 30.0)
    trigger = SmsInboundTrigger(SINCH, OUR_NUMBER["sinch"], poll_interval=FAST, cursor_key=unique_key())
    events = await started(trigger)
    first = inject(connections, "sinch", "STOP")

    got = await next_event(events)
    kept_right_after = await asyncio.to_thread(kept_ids, trigger.cursor_key)
    await events.aclose()
    again = SmsInboundTrigger(**trigger.serialize()[1]).run()
    got_again = await next_event(again)
    await again.aclose()

    assert got["id"] == got_again["id"] == first["id"]
    assert kept_right_after == set(), "the cursor took the message before its event could be stored"


@pytest.mark.asyncio
async def test_senders_and_pattern_filter_and_other_numbers_are_left_out(connections: SandboxServer) -> None:
    as_written = SmsInboundTrigger(
        SINCH,
        OUR_NUMBER["sinch"],
        from_numbers=[HANDSET],
        body_pattern=r"(?i)^\s*stop\s*$",
        poll_interval=FAST,
        cursor_key=unique_key(),
    )
    trigger = SmsInboundTrigger(**as_written.serialize()[1])  # from_numbers as digests, as in the row
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
    with pytest.raises(SmsValidationError, match="sender_digests=<1 digests>: must come with digest_key_id"):
        SmsInboundTrigger("sms", "+61400000100", sender_digests=["ab" * 16])
    with pytest.raises(SmsValidationError) as raised:
        SmsInboundTrigger("sms", "0400 000 100", from_numbers=["61400000002"], body_pattern="(")

    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["number", "from_numbers[0]", "body_pattern"]
    assert "0400 000 100" not in str(raised.value)
    assert "61400000002" not in str(raised.value)
    with pytest.raises(SmsValidationError, match="since='yesterday': must be an ISO-8601 time"):
        SmsInboundTrigger("sms", "+61400000100", since="yesterday")


def test_serialize_stores_senders_as_digests_and_keeps_the_cursor_key(connections: SandboxServer) -> None:
    trigger = SmsInboundTrigger(SINCH, "+61400000100", from_numbers=[HANDSET], body_pattern="STOP")
    other = SmsInboundTrigger(SINCH, "+61400000100", from_numbers=[HANDSET], body_pattern="YES")
    # The key of the same watcher before its senders were stored as digests.
    identity = [SINCH, "+61400000100", [HANDSET], "STOP"]
    key_before = CURSOR_VARIABLE_PREFIX + hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:24]
    digest = NumberDigest(SmsHook.for_connection(SINCH).secret)

    classpath, kwargs = trigger.serialize()

    assert json.loads(json.dumps(kwargs)) == kwargs
    assert SmsInboundTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert HANDSET.lstrip("+") not in json.dumps(kwargs)
    assert kwargs["sender_digests"] == [digest(HANDSET)]
    assert kwargs["digest_key_id"] == digest.key_id
    assert kwargs["cursor_key"] == key_before
    assert "61400000100" not in kwargs["cursor_key"]
    assert kwargs["cursor_key"] != other.serialize()[1]["cursor_key"]
    # A watcher without senders keeps the keyword arguments it had, so the same trigger row.
    assert list(SmsInboundTrigger(SINCH, "+61400000100").serialize()[1]) == [
        "sms_conn_id", "number", "from_numbers", "body_pattern", "since", "poll_interval", "max_backoff",
        "cursor_key",
    ]  # fmt: skip
    with pytest.raises(SmsValidationError, match="from_numbers=<1 numbers>: needs connection 'missing'"):
        SmsInboundTrigger("missing", "+61400000100", from_numbers=[HANDSET]).serialize()


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


# -- two watchers of one number: one shared poll on Airflow 3.3, each its own run() before -------------------
async def run_shared(
    manager: Any, triggers: list[SmsInboundTrigger], outbox: list[tuple[int, dict[str, Any], int | None]]
) -> list[asyncio.Task[None]]:
    """Run watchers as the triggerer's runner does on 3.3 (``run_trigger``): subscribe each to its shared
    stream, feed it to ``filter_shared_stream`` and bind each event for the store confirmation."""

    async def consume(trigger_id: int, trigger: SmsInboundTrigger) -> None:
        key = trigger.shared_stream_key()
        stream = manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key)
        try:
            async for event in trigger.filter_shared_stream(stream):
                seq = manager.bind_pending_event(trigger_id=trigger_id, key=key)
                outbox.append((trigger_id, event.payload, seq))
        finally:
            await manager.unsubscribe(trigger_id, key)

    return [asyncio.create_task(consume(n, trigger)) for n, trigger in enumerate(triggers)]


async def stop_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def until(condition: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def vendor_requests(sandbox: SandboxServer) -> int:
    return int(sandbox.stats()["counters"].get("vendor_requests", 0))


def test_watchers_share_a_poll_exactly_where_airflow_can() -> None:
    trigger = SmsInboundTrigger("sms", "+61400000100", poll_interval=30)
    same_poll = SmsInboundTrigger("sms", "+61400000100", body_pattern="STOP", poll_interval=30)
    other_number = SmsInboundTrigger("sms", "+61400000200", poll_interval=30)

    if SHARES_POLLS:
        assert trigger.shared_stream_key() == same_poll.shared_stream_key() is not None
        assert trigger.shared_stream_key() != other_number.shared_stream_key()
    else:
        assert trigger.shared_stream_key() is None


@pytest.mark.asyncio
async def test_two_watchers_of_one_number_keep_their_cursors_once_events_are_stored(
    connections: SandboxServer,
) -> None:
    """Two watchers of one number, one for STOP from a sender, one for everything, on the path this Airflow
    gives them: one shared poll with cursors written on the store confirmation (3.3), or each its own
    ``run()`` loop with its cursor written ``COMMIT_DELAY_S`` after its yield (3.1 and 3.2)."""
    since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    number = OUR_NUMBER["sinch"]
    as_written = SmsInboundTrigger(
        SINCH, number, from_numbers=[HANDSET], body_pattern="(?i)stop", since=since, poll_interval=30
    )
    stops = SmsInboundTrigger(**{**as_written.serialize()[1], "cursor_key": unique_key()})
    everything = SmsInboundTrigger(SINCH, number, since=since, poll_interval=30, cursor_key=unique_key())
    stop = inject(connections, "sinch", "STOP")
    hello = inject(connections, "sinch", "hello", sender=OTHER_HANDSET)

    if SHARES_POLLS:
        await share_one_poll_and_keep_cursors_once_confirmed(connections, stops, everything, stop, hello)
    else:
        await poll_on_their_own_and_keep_cursors_after_the_delay(connections, stops, everything, stop, hello)


async def share_one_poll_and_keep_cursors_once_confirmed(
    sandbox: SandboxServer,
    stops: SmsInboundTrigger,
    everything: SmsInboundTrigger,
    stop: dict[str, Any],
    hello: dict[str, Any],
) -> None:
    """Airflow 3.3: one vendor request per poll for both; cursors move once the supervisor confirms."""
    from airflow.triggers.shared_stream import SharedStreamManager

    requests_before = vendor_requests(sandbox)
    outbox: list[tuple[int, dict[str, Any], int | None]] = []

    # 1. Both watchers run; the supervisor has not confirmed their events stored yet.
    manager = SharedStreamManager()
    tasks = await run_shared(manager, [stops, everything], outbox)
    await until(lambda: len(outbox) == 3, "three events")
    await asyncio.sleep(0.5)
    kept_before_stored = (kept_ids(stops.cursor_key), kept_ids(everything.cursor_key))
    polls = vendor_requests(sandbox) - requests_before
    # 2. The supervisor stores them and confirms: the producer writes both cursors.
    manager.confirm_persisted([seq for _, _, seq in outbox if seq is not None])
    both = {stop["id"], hello["id"]}
    await until(lambda: kept_ids(stops.cursor_key) == kept_ids(everything.cursor_key) == both, "cursors")
    await stop_all(tasks)

    assert polls == 1, f"{polls} polls of the vendor for two watchers of one number"
    assert sorted((n, payload["id"]) for n, payload, _ in outbox) == sorted(
        [(0, stop["id"]), (1, stop["id"]), (1, hello["id"])]
    )
    assert all(seq is not None for _, _, seq in outbox), "events not bound to the ack mode's poll"
    assert kept_before_stored == (set(), set()), "a cursor moved before Airflow stored the events"

    # 3. A restart: a new message; the triggerer stops before storing it; the next run delivers it again.
    third = inject(sandbox, "sinch", "stop")
    for confirm in (False, True):
        outbox.clear()
        manager = SharedStreamManager()
        again = [SmsInboundTrigger(**trigger.serialize()[1]) for trigger in (stops, everything)]
        tasks = await run_shared(manager, again, outbox)
        await until(lambda: len(outbox) == 2, "two events after the restart")
        if confirm:
            manager.confirm_persisted([seq for _, _, seq in outbox if seq is not None])
            await until(lambda: third["id"] in kept_ids(everything.cursor_key), "the cursor after restart")
        await asyncio.sleep(0.3)
        await stop_all(tasks)

        assert sorted((n, payload["id"]) for n, payload, _ in outbox) == [(0, third["id"]), (1, third["id"])]
    # 4. Stored and confirmed: a further restart repeats nothing.
    outbox.clear()
    manager = SharedStreamManager()
    tasks = await run_shared(manager, [SmsInboundTrigger(**stops.serialize()[1])], outbox)
    await asyncio.sleep(1.0)
    await stop_all(tasks)
    assert outbox == []


async def run_own(
    triggers: list[SmsInboundTrigger], outbox: list[tuple[int, dict[str, Any], float]]
) -> list[asyncio.Task[None]]:
    """Run each watcher's own ``run()`` as the triggerer does before 3.3, noting when each event came."""

    async def consume(trigger_id: int, trigger: SmsInboundTrigger) -> None:
        async for event in trigger.run():
            outbox.append((trigger_id, event.payload, time.monotonic()))

    return [asyncio.create_task(consume(n, trigger)) for n, trigger in enumerate(triggers)]


async def poll_on_their_own_and_keep_cursors_after_the_delay(
    sandbox: SandboxServer,
    stops: SmsInboundTrigger,
    everything: SmsInboundTrigger,
    stop: dict[str, Any],
    hello: dict[str, Any],
) -> None:
    """Airflow 3.1 and 3.2: a vendor request per watcher and poll; each cursor moves ``COMMIT_DELAY_S``
    after the watcher's last yield of the poll, never before it."""
    requests_before = vendor_requests(sandbox)
    outbox: list[tuple[int, dict[str, Any], float]] = []
    keys = (stops.cursor_key, everything.cursor_key)
    first_kept: dict[int, tuple[float, set[str]]] = {}  # when each cursor first took ids, and which

    # 1. Both watchers run; note when each cursor first takes what its watcher yielded.
    tasks = await run_own([stops, everything], outbox)
    deadline = time.monotonic() + 10
    while len(first_kept) < len(keys):
        assert time.monotonic() < deadline, f"cursors never moved: {first_kept}, events {outbox}"
        for n, key in enumerate(keys):
            if n not in first_kept and (ids := await asyncio.to_thread(kept_ids, key)):
                first_kept[n] = (time.monotonic(), ids)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    polls = vendor_requests(sandbox) - requests_before
    await stop_all(tasks)

    assert polls == 2, f"{polls} polls of the vendor for one poll round of two watchers on their own"
    assert sorted((n, payload["id"]) for n, payload, _ in outbox) == sorted(
        [(0, stop["id"]), (1, stop["id"]), (1, hello["id"])]
    )
    both = {stop["id"], hello["id"]}
    for n, key in enumerate(keys):
        last_yield = max(at for trigger_id, _, at in outbox if trigger_id == n)
        kept_at, ids = first_kept[n]
        assert ids == kept_ids(key) == both, f"watcher {n} kept {ids}, then {kept_ids(key)}"
        assert kept_at - last_yield >= COMMIT_DELAY, (
            f"watcher {n}'s cursor moved {kept_at - last_yield:.3f} s after its yield, before COMMIT_DELAY_S"
        )

    # 2. A restart from the stored keyword arguments: each watcher yields the new message and no old one.
    third = inject(sandbox, "sinch", "stop")
    outbox.clear()
    tasks = await run_own(
        [SmsInboundTrigger(**trigger.serialize()[1]) for trigger in (stops, everything)], outbox
    )
    await until(lambda: len(outbox) == 2, "two events after the restart")
    await asyncio.sleep(COMMIT_DELAY + 0.5)
    await stop_all(tasks)

    assert sorted((n, payload["id"]) for n, payload, _ in outbox) == [(0, third["id"]), (1, third["id"])]
    assert kept_ids(stops.cursor_key) == kept_ids(everything.cursor_key) == both | {third["id"]}


@pytest.mark.asyncio
async def test_a_watcher_whose_digests_the_credential_no_longer_makes_takes_nothing(
    connections: SandboxServer,
) -> None:
    as_written = SmsInboundTrigger(SINCH, OUR_NUMBER["sinch"], from_numbers=[HANDSET], poll_interval=FAST)
    kwargs = {**as_written.serialize()[1], "digest_key_id": "0" * 16, "cursor_key": unique_key()}
    inject(connections, "sinch", "STOP")

    events = SmsInboundTrigger(**kwargs).run()
    await no_event(events)
    await events.aclose()

    assert load_cursor(kwargs["cursor_key"]) is None, "the cursor moved past messages it could not judge"


def reply_trigger(conn_id: str, **overrides: Any) -> SmsReplyTrigger:
    digest = NumberDigest(SmsHook.for_connection(SINCH).secret)
    arguments: dict[str, Any] = {
        "sms_conn_id": conn_id,
        "number": OUR_NUMBER["sinch"],
        "sender_digests": [digest(HANDSET)],
        "digest_key_id": digest.key_id,
        "since": datetime.now(timezone.utc).isoformat(),
        "end_time": time.time() + 10,
        "poll_interval": FAST,
    }
    return SmsReplyTrigger(**{**arguments, **overrides})


@pytest.mark.asyncio
async def test_the_reply_trigger_ends_with_the_batch_triggers_error_events(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_plan = sinch_connection(connections.url)
    other_plan["login"] = "unknown-service-plan"
    monkeypatch.setenv(*connection_env("sms_other_plan", other_plan))

    refused = [e.payload async for e in reply_trigger("sms_other_plan").run()]
    missing = [e.payload async for e in reply_trigger("sms_does_not_exist").run()]
    bad = [e.payload async for e in reply_trigger(SINCH, body_pattern="(unclosed").run()]

    assert [(e["status"], e["fatal"]) for e in refused + missing + bad] == [
        ("error", False),
        ("error", False),
        ("error", True),
    ]
    assert refused[0]["error_type"] == "SmsAuthenticationError"  # a fixed connection, then a retry, may help
    assert missing[0]["error_type"] == "AirflowNotFoundException"
    assert missing[0]["message"].startswith("Could not open SMS connection 'sms_does_not_exist'")
    assert bad[0]["error_type"] == "SmsValidationError"
    assert "body_pattern" in bad[0]["message"]
