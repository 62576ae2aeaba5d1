"""``FoneDynamicsHook`` tracking: window listing, ownership, the get_message refresh, pacing and batch ids."""

from __future__ import annotations

import time
from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks import fonedynamics_tracking
from airflow_provider_sms.hooks.base import SmsHook
from airflow_provider_sms.hooks.batch_ids import FoneBatchRef
from airflow_provider_sms.hooks.fonedynamics_tracking import RequestPacer, paced_pages
from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED
from airflow_provider_sms.models.fonedynamics import FoneMessage
from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, fonedynamics_connection


@pytest.fixture
def hook(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SmsHook[Any, Any]:
    monkeypatch.setenv(*connection_env("track_fone", fonedynamics_connection(sandbox.url)))
    return SmsHook.for_connection("track_fone")


def send(hook: SmsHook[Any, Any], key: str, *numbers: str) -> str:
    messages = [
        {"to": number, "text": "x", "from_": "Alerts", "external_id": f"{key}.{position}"}
        for position, number in enumerate(numbers)
    ]
    results = hook.send_messages(messages)
    return str(FoneBatchRef(key, min(m.created for m in results if isinstance(m, FoneMessage) and m.created)))


class CallCounter:
    def __init__(self, hook: SmsHook[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = {"list_messages": 0, "get_message": 0}
        client = hook.get_conn()
        for name in self.calls:
            monkeypatch.setattr(client, name, self._counting(name, getattr(client, name)))

    def _counting(self, name: str, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return wrapper


def test_batch_status_counts_only_the_messages_the_batch_owns(hook: SmsHook[Any, Any]) -> None:
    batch_id = send(hook, "mine", "+61400000001", "+61400000013", "+61400000099")
    send(hook, "other", "+61400000002")
    send(hook, "mine2", "+61400000003")
    time.sleep(0.8)

    status = hook.batch_status(batch_id)

    assert status.total == 3
    assert status.by_status() == {"delivered": 1, "failed": 1, "sent": 1}
    assert not status.complete


def test_recipient_states_keep_the_order_of_positions(hook: SmsHook[Any, Any]) -> None:
    numbers = [f"+614000001{n:02d}" for n in range(12)]
    batch_id = send(hook, "ordered", *numbers)

    assert [s.recipient for s in hook.recipient_states(batch_id)] == numbers
    asked = hook.recipient_states(batch_id, ["+61400000111", "+61400000999"])
    assert [s.recipient for s in asked] == ["+61400000111", "+61400000999"]
    assert asked[0].state.vendor_status in ("Processing", "Submitted", "Delivered")
    assert asked[1].state == NOT_YET_REPORTED


def test_after_the_first_listing_only_unfinished_messages_are_fetched_again(
    hook: SmsHook[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = send(hook, "refresh", "+61400000001", "+61400000002")
    counter = CallCounter(hook, monkeypatch)

    first = hook.batch_status(batch_id)
    time.sleep(0.8)
    second = hook.batch_status(batch_id)
    third = hook.batch_status(batch_id)

    assert first.by_status() == {"sent": 2}
    assert second.by_status() == third.by_status() == {"delivered": 2}
    assert counter.calls == {"list_messages": 1, "get_message": 2}


def test_more_unfinished_messages_than_the_limit_are_listed_again(
    hook: SmsHook[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonedynamics_tracking, "REFRESH_BY_GET_LIMIT", 1)
    batch_id = send(hook, "relist", "+61400000001", "+61400000002")
    counter = CallCounter(hook, monkeypatch)

    hook.batch_status(batch_id)
    hook.batch_status(batch_id)

    assert counter.calls == {"list_messages": 2, "get_message": 0}


def test_a_batch_id_not_of_the_form_key_at_unix_is_rejected_before_any_request(
    hook: SmsHook[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = CallCounter(hook, monkeypatch)

    with pytest.raises(SmsValidationError, match="batch_id='MG123': a Fone Dynamics batch id has the form"):
        hook.check_batch_id("MG123")
    with pytest.raises(SmsValidationError):
        hook.batch_status("MG123")
    hook.check_batch_id("key@1700000000")

    assert counter.calls == {"list_messages": 0, "get_message": 0}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_pacer_spaces_requests_by_its_interval() -> None:
    clock = FakeClock()
    pacer = RequestPacer(4.0, clock=clock.time, sleep=clock.sleep)

    for _ in range(3):
        pacer.wait()
    clock.now += 10
    pacer.wait()

    assert clock.slept == [0.25, 0.25]


def test_paced_pages_waits_once_before_each_page() -> None:
    waits: list[int] = []

    class CountingPacer(RequestPacer):
        def wait(self) -> None:
            waits.append(len(seen))

    seen: list[int] = []
    for item in paced_pages(iter(range(5)), 2, CountingPacer(1.0)):
        seen.append(item)

    assert seen == [0, 1, 2, 3, 4]
    assert waits == [0, 2, 4]
