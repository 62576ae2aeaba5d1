"""Loopback checks, and the callback dispatcher: retries on the sandbox clock, drops, repeats, signing."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from airflow_provider_sms.sandbox.callbacks import (
    CallbackDispatcher,
    is_loopback_client,
    is_loopback_host,
    is_loopback_url,
    query_value,
)
from airflow_provider_sms.sandbox.core import SandboxClock
from tests.sandbox.listener import CallbackListener

# --- loopback checks ----------------------------------------------------------------------------------------

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only checked, never bound


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize("host", [ALL_INTERFACES, "10.0.0.1", "::", "example.com", "", None, "128.0.0.1"])
def test_non_loopback_hosts(host: str | None) -> None:
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/dlr", True),
        ("https://localhost/x", True),
        ("http://[::1]:9/x", True),
        ("http://example.com/x", False),
        ("ftp://127.0.0.1/x", False),
        ("http://10.0.0.1/x", False),
        ("not a url", False),
        ("http://[bad/x", False),
    ],
)
def test_loopback_urls(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_test_client_counts_as_loopback_client() -> None:
    assert is_loopback_client("testclient") is True
    assert is_loopback_client("10.0.0.1") is False


def test_query_value() -> None:
    assert [query_value(v) for v in (None, False, 3, "x")] == ["", "false", "3", "x"]


# --- the dispatcher -----------------------------------------------------------------------------------------


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Dispatch:
    """A dispatcher on its own sandbox clock, with its counters, ticked by the test."""

    def __init__(self) -> None:
        self.clock = SandboxClock()
        self.counts: dict[str, int] = {}
        self.dispatcher = CallbackDispatcher(self._count, self.clock.now)

    def _count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def send(self, url: str, payload: dict[str, Any] | None = None, **options: Any) -> list[int]:
        options.setdefault("vendor", "sinch")
        options.setdefault("kind", "mo")
        return self.dispatcher.enqueue(url, payload or {"n": 1}, **options)

    def advance(self, seconds: float) -> None:
        self.dispatcher.tick(self.clock.advance(seconds))

    def record(self, index: int = 0) -> dict[str, Any]:
        return self.dispatcher.records()[index]

    def wait_state(self, state: str, index: int = 0, attempts: int | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            record = self.record(index)
            if record["state"] == state and (attempts is None or record["attempts"] == attempts):
                return record
            time.sleep(0.01)
        raise AssertionError(f"record {index} never reached {state}: {self.record(index)}")


@pytest.fixture
def dispatch() -> Iterator[Dispatch]:
    created = Dispatch()
    yield created
    created.dispatcher.close()


def test_post_and_get_callbacks_arrive(dispatch: Dispatch) -> None:
    with CallbackListener() as listener:
        dispatch.send(listener.url, {"a": 1, "b": None})
        dispatch.send(listener.url, {"ok": True, "n": None}, method="get")
        received = listener.wait_for(2)
        assert dispatch.dispatcher.wait_idle(5)

    by_method = {r.method: r for r in received}
    assert by_method["POST"].json == {"a": 1, "b": None}
    assert by_method["POST"].headers["content-type"] == "application/json"
    assert by_method["GET"].query == {"ok": "true", "n": ""}
    assert dispatch.counts == {"callbacks_sent": 2}
    assert [
        (r["method"], r["state"], r["attempts"], r["last_status"]) for r in dispatch.dispatcher.records()
    ] == [
        ("POST", "delivered", 1, 200),
        ("GET", "delivered", 1, 200),
    ]


def test_non_loopback_is_refused_without_a_request(dispatch: Dispatch) -> None:
    dispatch.send("http://192.0.2.1/dlr")

    assert dispatch.counts == {"callbacks_refused": 1}
    assert dispatch.record()["state"] == "refused"
    assert dispatch.dispatcher.wait_idle(1)


def test_5xx_and_429_are_retried_after_5_then_10_sandbox_seconds(dispatch: Dispatch) -> None:
    with CallbackListener(statuses=[503, 429]) as listener:
        dispatch.send(listener.url)
        first = dispatch.wait_state("retrying", attempts=1)
        queued_at = dispatch.clock.now()
        dispatch.advance(4.5)
        assert dispatch.dispatcher.wait_idle(5)
        assert listener.attempts == 1
        dispatch.advance(0.6)
        second = dispatch.wait_state("retrying", attempts=2)
        dispatch.advance(10.1)
        received = listener.wait_for(1)
        done = dispatch.wait_state("delivered")

    assert (first["last_status"], second["last_status"], done["last_status"]) == (503, 429, 200)
    assert abs((_parse(first["next_attempt_at"]) - queued_at).total_seconds() - 5) < 1
    assert (
        abs((_parse(second["next_attempt_at"]) - _parse(first["next_attempt_at"])).total_seconds() - 10) < 1
    )
    assert len(received) == 1
    assert dispatch.counts == {"callbacks_retried": 2, "callbacks_sent": 1}


@pytest.mark.parametrize("status", [400, 404, 410, 302])
def test_other_statuses_are_dropped_without_a_retry(dispatch: Dispatch, status: int) -> None:
    with CallbackListener(statuses=[status]) as listener:
        dispatch.send(listener.url)
        record = dispatch.wait_state("dropped")
        dispatch.advance(86400)
        assert dispatch.dispatcher.wait_idle(5)

    assert (record["attempts"], record["last_status"], listener.attempts) == (1, status, 1)
    assert dispatch.counts == {"callbacks_dropped": 1}


def test_gives_up_after_14_retries_doubling_from_5_seconds(dispatch: Dispatch) -> None:
    with CallbackListener() as listener:
        dead_url = listener.url
    dispatch.send(dead_url)
    waits = []
    for attempt in range(1, 15):
        record = dispatch.wait_state("retrying", attempts=attempt)
        wait = (_parse(record["next_attempt_at"]) - dispatch.clock.now()).total_seconds()
        waits.append(round(wait))
        dispatch.advance(wait + 0.01)
    record = dispatch.wait_state("failed", attempts=15)

    assert waits == [5 * 2**n for n in range(14)]
    assert sum(waits) == 81915  # Sinch: the last retry about 81 920 s after the first failure
    assert (record["last_status"], record["last_error"]) == (None, "ConnectionError")
    assert dispatch.counts == {"callbacks_retried": 14, "callbacks_failed": 1}


def test_a_due_retry_keeps_the_dispatcher_busy_until_a_tick_starts_it(dispatch: Dispatch) -> None:
    with CallbackListener(statuses=[500]) as listener:
        dispatch.send(listener.url)
        dispatch.wait_state("retrying")
        assert dispatch.dispatcher.wait_idle(0.5) is True  # the retry is 5 sandbox seconds away
        dispatch.clock.advance(5)
        assert dispatch.dispatcher.wait_idle(0.3) is False  # due, not started
        dispatch.dispatcher.tick(dispatch.clock.now())
        assert dispatch.dispatcher.wait_idle(5) is True
        assert listener.attempts == 2


def test_repeat_sends_each_callback_that_many_times(dispatch: Dispatch) -> None:
    dispatch.dispatcher.set_repeat(3)
    with CallbackListener() as listener:
        ids = dispatch.send(listener.url, {"id": "01ABC"})
        received = listener.wait_for(3)
        assert dispatch.dispatcher.wait_idle(5)

    assert len(ids) == 3
    assert [r.json for r in received] == [{"id": "01ABC"}] * 3
    assert sorted(r["copy"] for r in dispatch.dispatcher.records()) == [1, 2, 3]
    assert dispatch.counts == {"callbacks_sent": 3}


@pytest.mark.parametrize("repeat", [0, 11])
def test_repeat_is_bounded(dispatch: Dispatch, repeat: int) -> None:
    with pytest.raises(ValueError, match="repeat must be between 1 and 10"):
        dispatch.dispatcher.set_repeat(repeat)


def test_the_signer_signs_the_exact_bytes_of_every_attempt(dispatch: Dispatch) -> None:
    signed: list[bytes] = []

    def sign(body: bytes) -> dict[str, str]:
        signed.append(body)
        return {"X-Test-Signature": hashlib.sha256(body + str(len(signed)).encode()).hexdigest()}

    with CallbackListener(statuses=[500]) as listener:
        dispatch.send(listener.url, {"body": "café", "n": 1}, sign=sign)
        dispatch.wait_state("retrying")
        dispatch.advance(5)
        (received,) = listener.wait_for(1)

    assert received.raw == json.dumps({"body": "café", "n": 1}, separators=(",", ":")).encode()
    assert signed == [received.raw, received.raw]
    assert received.headers["x-test-signature"] == hashlib.sha256(received.raw + b"2").hexdigest()
    assert dispatch.record()["signed"] is True


def test_reset_forgets_the_log_and_the_scheduled_retries(dispatch: Dispatch) -> None:
    dispatch.dispatcher.set_repeat(2)
    with CallbackListener(statuses=[503, 503]) as listener:
        dispatch.send(listener.url)
        dispatch.wait_state("retrying", index=1)
        dispatch.dispatcher.reset()
        dispatch.advance(60)
        assert dispatch.dispatcher.wait_idle(5)

        assert listener.attempts == 2
    assert dispatch.dispatcher.records() == []
    assert dispatch.dispatcher.repeat == 1


def test_records_filter_by_vendor_kind_and_state(dispatch: Dispatch) -> None:
    dispatch.send("http://192.0.2.1/x", vendor="fonedynamics", kind="reply")
    with CallbackListener() as listener:
        dispatch.send(listener.url, vendor="sinch", kind="delivery_report")
        listener.wait_for(1)
        assert dispatch.dispatcher.wait_idle(5)

    records = dispatch.dispatcher.records
    assert [r["kind"] for r in records(vendor="fonedynamics")] == ["reply"]
    assert [r["vendor"] for r in records(kind="delivery_report")] == ["sinch"]
    assert [r["kind"] for r in records(state="refused")] == ["reply"]
    assert records(vendor="sinch", state="refused") == []


def test_created_at_is_sandbox_time(dispatch: Dispatch) -> None:
    dispatch.clock.advance(3600)
    dispatch.send("http://192.0.2.1/x")

    created = _parse(dispatch.record()["created_at"])
    assert abs(created - dispatch.clock.now()) < timedelta(seconds=5)
    assert created - _parse(SandboxClock().now().isoformat()) > timedelta(minutes=59)
