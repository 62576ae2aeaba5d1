"""The trigger module: wait conditions, one poll judged into a verdict, and ``SmsBatchTrigger`` itself."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import time
from collections.abc import AsyncIterator, Collection
from typing import Any

import pytest
import requests
from airflow.triggers.base import TriggerEvent
from pytest_mock import MockerFixture

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.exceptions import SmsError, SmsValidationError
from airflow_provider_sms.hooks.fonedynamics import FoneBatchRef
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.hooks.tracking import BatchStatus, RecipientState, StatusCount, best_states
from airflow_provider_sms.models.fonedynamics import FoneMessage
from airflow_provider_sms.models.sms import E164_RULE, MessageState, from_fonedynamics, from_sinch
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.triggers import batch as batch_module
from airflow_provider_sms.triggers.batch import (
    NumberDigest,
    SmsBatchTrigger,
    Verdict,
    WaitCondition,
    check_batches,
    describe_batches,
)


def problems_of(**kwargs: Any) -> list[str]:
    with pytest.raises(SmsValidationError) as caught:
        WaitCondition.build("delivery", **kwargs)
    return [str(p) for p in caught.value.problems]


def test_defaults_wait_for_every_message_delivered() -> None:
    condition = WaitCondition.build("delivery")

    assert condition.recipients is None
    assert condition.success_statuses == ("delivered",)
    assert condition.min_success_ratio == 1.0


def test_kind_must_be_known() -> None:
    with pytest.raises(SmsValidationError, match="kind='sometimes': must be 'all_final' or 'delivery'"):
        WaitCondition.build("sometimes")  # type: ignore[arg-type]


def test_recipients_accept_e164_numbers_once_each() -> None:
    condition = WaitCondition.build("delivery", recipients=["+61400000001", "+61400000002", "+61400000001"])

    assert condition.recipients == ("+61400000001", "+61400000002")


def test_a_single_recipient_string_is_one_number() -> None:
    assert WaitCondition.build("delivery", recipients="+61400000001").recipients == ("+61400000001",)


def test_recipients_reject_numbers_that_are_not_e164_with_position_and_mask() -> None:
    problems = problems_of(recipients=["+61400000001", "0488023555", 12345, None])

    assert problems == [
        f"recipients[1]=04880**555: {E164_RULE}",
        f"recipients[2]=****45: {E164_RULE}",
        f"recipients[3]=<NoneType>: {E164_RULE}",
    ]


def test_recipients_rendered_as_ints_get_their_plus_back() -> None:
    condition = WaitCondition.build("delivery", recipients=[61488023555, " +61400000001 "])
    assert condition.recipients == ("+61488023555", "+61400000001")
    assert WaitCondition.build("delivery", recipients=61488023555).recipients == ("+61488023555",)


def test_recipients_must_not_be_empty() -> None:
    assert problems_of(recipients=[]) == ["recipients=[]: must name at least one number, or be None for all"]


def test_success_statuses_accept_neutral_statuses() -> None:
    condition = WaitCondition.build("delivery", success_statuses=["delivered", "sent"])

    assert condition.success_statuses == ("delivered", "sent")


def test_success_statuses_reject_vendor_spellings_and_emptiness() -> None:
    assert problems_of(success_statuses=["Delivered"]) == [
        "success_statuses[0]='Delivered': "
        "must be one of pending, sent, delivered, failed, expired, cancelled, unknown"
    ]
    assert problems_of(success_statuses=[]) == ["success_statuses=[]: must name at least one status"]


@pytest.mark.parametrize("ratio", [0.01, 0.5, 1, 1.0])
def test_min_success_ratio_accepts_numbers_in_zero_to_one(ratio: float) -> None:
    assert WaitCondition.build("delivery", min_success_ratio=ratio).min_success_ratio == float(ratio)


@pytest.mark.parametrize("ratio", [0, -0.5, 1.01, True, "0.5", None])
def test_min_success_ratio_rejects_anything_else(ratio: Any) -> None:
    assert problems_of(min_success_ratio=ratio) == [
        f"min_success_ratio={ratio!r}: must be a number greater than 0 and at most 1"
    ]


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems_of(recipients=["x"], success_statuses=["nope"], min_success_ratio=2)) == 3


@pytest.mark.parametrize(
    ("ratio", "total", "required"), [(1.0, 4, 4), (0.5, 3, 2), (0.9, 10, 9), (0.01, 1, 1)]
)
def test_required_rounds_up(ratio: float, total: int, required: int) -> None:
    assert WaitCondition.build("delivery", min_success_ratio=ratio).required(total) == required


DIGEST = NumberDigest("connection-secret-0001")


def test_json_round_trip_and_repr_without_numbers() -> None:
    condition = WaitCondition.build("delivery", recipients=["+61400000001"], min_success_ratio=0.5)

    rebuilt = WaitCondition.from_json(condition.to_json(DIGEST))

    assert rebuilt.recipients is None
    assert rebuilt.recipient_digests == (DIGEST("+61400000001"),)
    assert (rebuilt.kind, rebuilt.min_success_ratio, rebuilt.digest_key_id) == (
        "delivery",
        0.5,
        DIGEST.key_id,
    )
    assert "+61400000001" not in repr(condition) + repr(rebuilt)
    assert "<1 recipients>" in repr(condition)
    assert "<1 recipients>" in repr(rebuilt)


def test_trigger_kwargs_hold_keyed_digests_of_the_recipients_never_the_numbers() -> None:
    numbers = ["+61400200005", "+61400200006"]
    condition = WaitCondition.build("delivery", recipients=numbers)

    stored = json.dumps(condition.to_json(DIGEST))

    assert not any(number in stored or number.lstrip("+") in stored for number in numbers)
    assert not any(number[-9:] in stored for number in numbers)
    assert DIGEST("+61400200005") in stored


def test_digests_depend_on_the_connection_secret_and_name_their_key() -> None:
    other = NumberDigest("another-secret")

    assert DIGEST("+61400200005") != other("+61400200005")
    assert DIGEST("+61400200005") == NumberDigest("connection-secret-0001")("+61400200005")
    assert DIGEST.key_id != other.key_id
    assert "connection-secret" not in repr(DIGEST)
    assert len(DIGEST("+61400200005")) == 32


def test_kwargs_of_an_earlier_release_with_numbers_are_still_read() -> None:
    legacy = {"kind": "delivery", "recipients": ["+61400000001"], "success_statuses": ["delivered"]}

    assert WaitCondition.from_json(legacy).recipients == ("+61400000001",)


@pytest.mark.parametrize(
    "digests", [[], ["+61400000001"], ["ABC"], "0" * 32, [1]], ids=["empty", "number", "short", "text", "int"]
)
def test_bad_digests_in_kwargs_are_refused_without_showing_them(digests: Any) -> None:
    with pytest.raises(SmsValidationError, match="recipient_digests=\\(hidden\\)") as caught:
        WaitCondition.from_json({"kind": "delivery", "recipient_digests": digests, "digest_key_id": "k"})
    assert "+61400000001" not in str(caught.value)


DELIVERED = from_sinch("Delivered", 0)
FAILED = from_sinch("Failed", 1)
DISPATCHED = from_sinch("Dispatched", 401)
EXPIRED = from_sinch("Expired", 0)


class StubTracking:
    """Canned counts and recipient states per batch."""

    def __init__(self, counts: dict[str, tuple[int, list[tuple[MessageState, int]]]] | None = None) -> None:
        self.counts = counts or {}
        self.states: dict[str, list[RecipientState]] = {}

    def batch_status(self, batch_id: str) -> BatchStatus:
        total, counts = self.counts[batch_id]
        return BatchStatus(batch_id, total, tuple(StatusCount(state, n) for state, n in counts))

    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        return self.states.get(batch_id, [])


def test_all_final_waits_while_a_message_is_open_and_counts_unreported_as_pending() -> None:
    hook = StubTracking({"b1": (4, [(DELIVERED, 2), (DISPATCHED, 1)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build())

    assert verdict.outcome == "waiting"
    assert verdict.summary["statuses"] == {"delivered": 2, "pending": 1, "sent": 1}
    assert verdict.summary["vendor_statuses"] == {"(not reported yet)": 1, "Delivered": 2, "Dispatched": 1}
    assert verdict.message == "2 of 4 messages of batch b1 final: delivered 2, pending 1, sent 1"


def test_all_final_succeeds_across_batches_and_says_when_some_expired() -> None:
    hook = StubTracking({"b1": (2, [(DELIVERED, 2)]), "b2": (2, [(FAILED, 1), (EXPIRED, 1)])})

    verdict = check_batches(hook, ["b1", "b2"], WaitCondition.build())

    assert verdict.outcome == "success"
    assert verdict.summary == {
        "batch_ids": ["b1", "b2"],
        "total": 4,
        "final": 4,
        "completed": True,
        "expired": True,
        "statuses": {"delivered": 2, "expired": 1, "failed": 1},
        "vendor_statuses": {"Delivered": 2, "Expired": 1, "Failed": 1},
    }
    assert "(some expired without a delivery receipt)" in verdict.message


def test_a_batch_with_no_messages_found_keeps_waiting() -> None:
    verdict = check_batches(StubTracking({"k@1": (0, [])}), ["k@1"], WaitCondition.build())

    assert verdict.outcome == "waiting"
    assert verdict.message == "No messages found yet for batch k@1"


def test_delivery_succeeds_as_soon_as_the_ratio_is_met_even_with_messages_open() -> None:
    hook = StubTracking({"b1": (4, [(DELIVERED, 3), (DISPATCHED, 1)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.75))

    assert verdict.outcome == "success"
    assert (verdict.summary["succeeded"], verdict.summary["failed"], verdict.summary["required"]) == (3, 0, 3)


def test_delivery_fails_fast_once_too_many_ended_otherwise() -> None:
    hook = StubTracking({"b1": (10, [(DELIVERED, 1), (FAILED, 2), (DISPATCHED, 7)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.9))

    assert verdict.outcome == "failure"
    assert verdict.message.startswith(
        "Delivery condition can no longer be met for batch b1: 2 of 10 messages ended without reaching "
        "delivered, so at most 8 can, but 9 are needed (min_success_ratio=0.9)"
    )


def test_delivery_waits_while_the_ratio_is_still_reachable() -> None:
    hook = StubTracking({"b1": (10, [(DELIVERED, 1), (FAILED, 1), (DISPATCHED, 8)])})

    assert (
        check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.9)).outcome
        == "waiting"
    )


def test_delivery_counts_other_success_statuses() -> None:
    submitted = from_fonedynamics("Submitted", delivery_receipt=True)
    hook = StubTracking({"k@1": (2, [(submitted, 2)])})

    verdict = check_batches(
        hook, ["k@1"], WaitCondition.build("delivery", success_statuses=["delivered", "sent"])
    )

    assert verdict.outcome == "success"


def test_delivery_for_given_recipients_counts_only_them_across_batches() -> None:
    hook = StubTracking()
    hook.states = {
        "b1": [RecipientState("b1", "+61400000001", DELIVERED), RecipientState("b1", "+61400000013", FAILED)],
        "b2": [RecipientState("b2", "+61400000002", DISPATCHED)],
    }
    condition = WaitCondition.build("delivery", recipients=["+61400000001", "+61400000002", "+61400000003"])

    verdict = check_batches(hook, ["b1", "b2"], condition)

    assert verdict.outcome == "waiting"
    assert verdict.summary["total"] == 3
    assert verdict.summary["statuses"] == {"delivered": 1, "pending": 1, "sent": 1}
    assert "+61400000001" not in str(verdict.summary) + verdict.message


class StubTrackingWithSecret(StubTracking):
    secret = "connection-secret-0001"


def test_delivery_for_recipients_given_as_digests_counts_them_like_numbers() -> None:
    hook = StubTrackingWithSecret()
    hook.states = {
        "b1": [RecipientState("b1", "+61400000001", DELIVERED), RecipientState("b1", "+61400000013", FAILED)],
        "b2": [RecipientState("b2", "+61400000002", DISPATCHED)],
    }
    numbers = ["+61400000001", "+61400000002", "+61400000003"]
    by_number = WaitCondition.build("delivery", recipients=numbers)
    by_digest = WaitCondition.from_json(by_number.to_json(DIGEST))

    assert check_batches(hook, ["b1", "b2"], by_digest) == check_batches(hook, ["b1", "b2"], by_number)


def test_digests_made_with_another_secret_are_not_matched_but_reported() -> None:
    hook = StubTrackingWithSecret()
    condition = WaitCondition.from_json(
        WaitCondition.build("delivery", recipients=["+61400000001"]).to_json(NumberDigest("rotated"))
    )

    with pytest.raises(SmsError, match="credential changed since the sensor deferred") as caught:
        check_batches(hook, ["b1"], condition)
    assert not isinstance(caught.value, SmsValidationError)  # a retry of the task can help


def test_best_states_prefers_a_final_state() -> None:
    states = [RecipientState("b1", "+61400000001", DISPATCHED), RecipientState("b2", "+61400000001", FAILED)]

    assert best_states(states)["+61400000001"].batch_id == "b2"
    assert best_states(reversed(states))["+61400000001"].batch_id == "b2"


def test_describe_batches_is_bounded() -> None:
    assert describe_batches(["a"]) == "batch a"
    assert describe_batches(["a", "b", "c", "d", "e"]) == "batches a, b, c and 2 more"


SINCH, FONE = "trigger_sinch", "trigger_fone"
ALL_FINAL = WaitCondition.build().to_json(DIGEST)
ALL_DELIVERED = WaitCondition.build("delivery").to_json(DIGEST)


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
@pytest.mark.parametrize("conn_id", [SINCH, FONE])
async def test_run_counts_recipients_given_as_digests_of_the_connection(
    connections: SandboxServer, conn_id: str
) -> None:
    numbers = ("+61400000001", "+61400000013", "+61400000002")
    batch_id = send_sinch(*numbers) if conn_id == SINCH else send_fone(*numbers)
    counted = WaitCondition.build("delivery", recipients=["+61400000001", "+61400000002"])
    condition = counted.to_json(NumberDigest(SmsHook.for_connection(conn_id).secret))

    events = await all_events(make_trigger(conn_id, batch_id, condition))

    assert [e["status"] for e in events] == ["success"]
    assert (events[0]["summary"]["total"], events[0]["summary"]["succeeded"]) == (2, 2)
    assert not any(number in json.dumps(events[0]) for number in numbers)


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
            "message": "Invalid sensor arguments, no request was made: min_success_ratio=1.5: "
            "must be a number greater than 0 and at most 1",
            "fatal": True,
            "error_type": "SmsValidationError",
        }
    ]


@pytest.mark.asyncio
async def test_hooks_open_off_the_event_loop_several_at_once(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = send_sinch("+61400000001")
    opened_in: list[int] = []
    # Passes only while HOOK_OPENERS hooks are being opened at the same time, each in its own thread.
    together = threading.Barrier(batch_module.HOOK_OPENERS, timeout=5)
    open_hook = SmsHook.for_connection

    def opening(conn_id: str) -> SmsHook:
        opened_in.append(threading.get_ident())
        together.wait()
        return open_hook(conn_id)

    monkeypatch.setattr(SmsHook, "for_connection", opening)
    triggers = [make_trigger(SINCH, batch_id, ALL_FINAL) for _ in range(2 * batch_module.HOOK_OPENERS)]

    events = await asyncio.gather(*(all_events(trigger) for trigger in triggers))

    assert [found[0]["status"] for found in events] == ["success"] * len(triggers)
    assert threading.get_ident() not in opened_in  # never on the event loop's thread
    assert len(set(opened_in)) == batch_module.HOOK_OPENERS


@pytest.mark.asyncio
async def test_at_most_hook_openers_hooks_are_opened_at_once(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = send_sinch("+61400000001")
    lock = threading.Lock()
    opening_now, most = [0], [0]
    open_hook = SmsHook.for_connection

    def opening(conn_id: str) -> SmsHook:
        with lock:
            opening_now[0] += 1
            most[0] = max(most[0], opening_now[0])
        time.sleep(0.02)
        with lock:
            opening_now[0] -= 1
        return open_hook(conn_id)

    monkeypatch.setattr(SmsHook, "for_connection", opening)
    triggers = [make_trigger(SINCH, batch_id, ALL_FINAL) for _ in range(3 * batch_module.HOOK_OPENERS)]

    events = await asyncio.gather(*(all_events(trigger) for trigger in triggers))

    assert [found[0]["status"] for found in events] == ["success"] * len(triggers)
    assert 1 <= most[0] <= batch_module.HOOK_OPENERS


def test_takers_of_one_connection_share_its_hook_and_the_last_release_closes_the_client(
    connections: SandboxServer, mocker: MockerFixture
) -> None:
    hooks = batch_module.SharedHooks()
    closed = mocker.spy(SinchClient, "close")
    taken: list[SmsHook] = []
    together = threading.Barrier(8, timeout=5)

    def take() -> None:
        together.wait()
        taken.append(hooks.take(SINCH))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(hook) for hook in taken}) == 1
    assert len(hooks) == 1
    for hook in taken[:-1]:
        hooks.release(hook)
    assert closed.call_count == 0
    assert taken[-1].get_batch(send_sinch("+61400000001")).id  # still usable by the last taker
    hooks.release(taken[-1])
    assert closed.call_count == 1
    assert len(hooks) == 0


def test_a_changed_connection_gets_a_hook_of_its_own(
    connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = batch_module.SharedHooks()
    first = hooks.take(SINCH)
    changed = sinch_connection(connections.url)
    changed["extra"]["max_retries"] = 1
    monkeypatch.setenv(*connection_env(SINCH, changed))

    second = hooks.take(SINCH)

    assert second is not first
    assert len(hooks) == 2
    hooks.release(first)
    hooks.release(second)
    assert len(hooks) == 0


@pytest.mark.asyncio
async def test_triggers_of_one_connection_poll_through_one_client(
    connections: SandboxServer, mocker: MockerFixture
) -> None:
    batch_id = send_sinch("+61400000001")
    built = mocker.spy(SinchClient, "__init__")
    closed = mocker.spy(SinchClient, "close")
    triggers = [make_trigger(SINCH, batch_id, ALL_FINAL) for _ in range(12)]

    events = await asyncio.gather(*(all_events(trigger) for trigger in triggers))

    assert [found[0]["status"] for found in events] == ["success"] * len(triggers)
    assert built.call_count == 1
    deadline = time.monotonic() + 5
    while closed.call_count == 0 and time.monotonic() < deadline:  # closed in an opener thread
        await asyncio.sleep(0.01)
    assert closed.call_count == 1
    assert len(batch_module.shared_hooks) == 0


@pytest.mark.asyncio
async def test_a_worker_pool_starts_only_its_first_thread_on_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started_from: list[int] = []
    start_thread = threading.Thread.start

    def recording_start(thread: threading.Thread) -> None:
        started_from.append(threading.get_ident())
        start_thread(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    workers = batch_module.Workers(4, "test-workers")
    # Passes only while four calls run at the same time, each in a thread of its own.
    together = threading.Barrier(4, timeout=5)
    loop = asyncio.get_running_loop()

    await asyncio.gather(*(loop.run_in_executor(workers, together.wait) for _ in range(4)))

    assert workers.threads == 4
    assert len(started_from) == 4
    assert started_from.count(threading.get_ident()) == 1  # the first; each later one by a worker


@pytest.mark.asyncio
async def test_a_worker_pool_stays_within_its_threads_and_hands_back_results_and_errors() -> None:
    workers = batch_module.Workers(3, "test-workers")
    lock = threading.Lock()
    running, most = [0], [0]

    def work(number: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        if number == 7:
            raise ValueError("seven")
        return number * 2

    loop = asyncio.get_running_loop()
    results = await asyncio.gather(
        *(loop.run_in_executor(workers, work, n) for n in range(12)), return_exceptions=True
    )

    assert [r for r in results if not isinstance(r, BaseException)] == [n * 2 for n in range(12) if n != 7]
    assert [str(r) for r in results if isinstance(r, BaseException)] == ["seven"]
    assert most[0] <= 3
    assert workers.threads <= 3


@pytest.mark.asyncio
async def test_a_waiting_poll_logs_in_a_poll_thread_within_the_triggers_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A waiting poll's log line is written off the loop, and the triggerer still routes it (by context)."""
    trigger_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("trigger_id", default=None)
    logged: list[tuple[str, int, int | None]] = []
    verdicts = iter(
        [Verdict("waiting", "1 of 2 messages final", {}), Verdict("success", "All 2 messages final", {})]
    )

    class RecordingLog:
        def info(self, message: str, *args: object) -> None:
            logged.append((message % args, threading.get_ident(), trigger_id.get()))

    monkeypatch.setattr(batch_module, "_open_hook", lambda conn_id, condition: (condition, FakeHook()))
    monkeypatch.setattr(batch_module, "check_batches", lambda hook, batch_ids, condition: next(verdicts))
    monkeypatch.setattr(SmsBatchTrigger, "log", property(lambda self: RecordingLog()))
    trigger = make_trigger(SINCH, "01BATCH", ALL_FINAL)

    async def run_as_trigger_7() -> list[dict[str, Any]]:
        trigger_id.set(7)
        return await all_events(trigger)

    events = await asyncio.create_task(run_as_trigger_7())

    assert [e["status"] for e in events] == ["success"]
    assert [(message, context) for message, _, context in logged] == [("1 of 2 messages final", 7)]
    assert logged[0][1] != threading.get_ident()


class FakeHook:
    """Stands in for an opened hook where the poll itself is replaced."""

    def get_conn(self) -> FakeHook:
        return self

    def close(self) -> None:
        """Nothing to close."""
