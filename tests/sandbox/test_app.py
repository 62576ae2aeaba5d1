"""The application: faults on vendor paths, and the /_sandbox/ control and inspection endpoints."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests
from fastapi import HTTPException
from starlette.requests import Request

from airflow_provider_sms.sandbox.app import RateLimiter, error_body, is_vendor_path, require_loopback_client
from airflow_provider_sms.sandbox.config import FaultConfig
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, find, send

# --- faults: latency, injected errors, rate limiting, dropped connections -----------------------------------

FAULT_MESSAGE = {"From": "Acme", "To": "+61488023555", "Text": "fault"}
WIDE = {"Date_From": 0, "Date_To": 2**40}


def set_faults(sandbox: SandboxServer, **faults: float) -> None:
    requests.post(f"{sandbox.url}/_sandbox/faults", json=faults, timeout=10).raise_for_status()


def test_latency_delays_vendor_requests_only(sandbox: SandboxServer) -> None:
    set_faults(sandbox, latency_ms=300)

    started = time.monotonic()
    send(sandbox, FAULT_MESSAGE)
    vendor_s = time.monotonic() - started
    started = time.monotonic()
    requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10)
    control_s = time.monotonic() - started

    assert vendor_s >= 0.3
    assert control_s < 0.3


def test_error_rate_one_answers_the_status_and_has_no_effect(sandbox: SandboxServer) -> None:
    set_faults(sandbox, error_rate=1.0, error_status=503)

    response = send(sandbox, FAULT_MESSAGE)

    assert response.status_code == 503
    assert response.json()["ResponseStatus"]["ErrorCode"] == "SANDBOX_FAULT"
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10)
    assert find(sandbox, **WIDE).json() == []


def test_error_rate_zero_point_five_is_seeded_and_mixed(sandbox: SandboxServer) -> None:
    set_faults(sandbox, error_rate=0.5)

    statuses = {send(sandbox, FAULT_MESSAGE).status_code for _ in range(30)}

    assert statuses == {200, 500}


def test_rate_limit_gives_429_with_whole_second_retry_after(sandbox: SandboxServer) -> None:
    set_faults(sandbox, rate_limit_per_s=2)

    responses = [send(sandbox, FAULT_MESSAGE) for _ in range(4)]

    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert limited[0].json()["ResponseStatus"]["ErrorCode"] == "TOO_MANY_REQUESTS"


def test_drop_after_commit_breaks_the_connection_but_the_message_exists(sandbox: SandboxServer) -> None:
    set_faults(sandbox, drop_after_commit_rate=1.0)

    with pytest.raises(requests.exceptions.RequestException) as raised:
        send(sandbox, FAULT_MESSAGE)
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10)

    assert isinstance(raised.value, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError))
    found = find(sandbox, **WIDE).json()
    assert [m["To"] for m in found] == ["+61488023555"]
    sandbox.advance(1)
    assert len(sandbox.inbox("+61488023555")) == 1


def test_faults_never_touch_control_paths(sandbox: SandboxServer) -> None:
    set_faults(sandbox, error_rate=1.0, drop_after_commit_rate=1.0)

    response = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=10)

    assert response.status_code == 200
    assert response.json()["faults"]["error_rate"] == 1.0


@pytest.mark.parametrize(
    ("path", "vendor"),
    [
        ("/xms/v1/x/batches", True),
        ("/v2/Messages/MG", True),
        ("/oauth2/token", True),
        ("/_sandbox/stats", False),
    ],
)
def test_is_vendor_path(path: str, vendor: bool) -> None:
    assert is_vendor_path(path) is vendor


def test_error_body_follows_the_vendor_format() -> None:
    assert error_body("/v2/x", 500, "boom", "t") == {"ResponseStatus": {"ErrorCode": "BOOM", "Message": "t"}}
    assert error_body("/xms/v1/x", 500, "boom", "t") == {"code": "boom", "text": "t"}
    assert error_body("/oauth2/token", 500, "boom", "t") == {"error": "boom", "error_description": "t"}


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter()

    assert limiter.acquire(1.0, now=100.0) is None
    assert limiter.acquire(1.0, now=100.1) == 1
    assert limiter.acquire(1.0, now=101.2) is None


def test_rate_limiter_refills_for_a_new_setting_with_the_same_rate() -> None:
    limiter = RateLimiter()
    first, second = FaultConfig(rate_limit_per_s=1.0), FaultConfig(rate_limit_per_s=1.0)

    assert limiter.acquire(1.0, now=100.0, setting=first) is None
    assert limiter.acquire(1.0, now=100.1, setting=first) == 1
    assert limiter.acquire(1.0, now=100.1, setting=second) is None


def test_rate_limiter_below_one_per_second_waits_longer() -> None:
    limiter = RateLimiter()

    assert limiter.acquire(0.25, now=0.0) is None
    assert limiter.acquire(0.25, now=0.0) == 4


# --- control and inspection endpoints -----------------------------------------------------------------------

INBOX_MESSAGE = {"From": "Acme", "To": "+61488023555", "Text": "inbox"}


@pytest.mark.parametrize("form", ["+61488023555", "%2B61488023555", "61488023555"])
def test_inbox_accepts_the_number_in_every_form(sandbox: SandboxServer, form: str) -> None:
    sid = send(sandbox, INBOX_MESSAGE).json()["Message"]["MessageSid"]
    sandbox.advance(1)

    response = requests.get(f"{sandbox.url}/_sandbox/inbox/{form}", timeout=10)

    body = response.json()
    assert body["msisdn"] == "+61488023555"
    assert body["count"] == 1
    entry = body["messages"][0]
    assert (entry["body"], entry["from"], entry["vendor"], entry["message_id"]) == (
        "inbox",
        "Acme",
        "fonedynamics",
        sid,
    )
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None


def test_inbox_of_an_unknown_number_is_empty(sandbox: SandboxServer) -> None:
    body = requests.get(f"{sandbox.url}/_sandbox/inbox/+61400000000", timeout=10).json()

    assert (body["count"], body["messages"]) == (0, [])


def test_stats_show_counters_inbox_total_and_faults(sandbox: SandboxServer) -> None:
    send(sandbox, INBOX_MESSAGE)
    sandbox.advance(1)

    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

    assert stats["counters"]["fonedynamics.messages_created"] == 1
    assert stats["counters"]["fonedynamics.delivered"] == 1
    assert stats["inbox_total"] == 1
    assert stats["clock_offset_seconds"] == 1
    assert stats["active"] is False


def test_reset_clears_state_inboxes_faults_counters_and_clock(sandbox: SandboxServer) -> None:
    sid = send(sandbox, INBOX_MESSAGE).json()["Message"]["MessageSid"]
    sandbox.advance(3600)
    requests.post(f"{sandbox.url}/_sandbox/faults", json={"latency_ms": 5}, timeout=10)

    reset = requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10)

    assert reset.json()["reset"] is True
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
    assert stats["clock_offset_seconds"] == 0
    assert stats["active"] is False
    assert stats["counters"] == {}
    assert requests.get(f"{sandbox.url}/v2/Messages/{sid}", auth=AUTH, timeout=10).status_code == 404
    assert sandbox.inbox("+61488023555") == []
    assert find(sandbox, Date_From=0, Date_To=2**40).json() == []


def test_clock_advance_returns_the_new_now(sandbox: SandboxServer) -> None:
    before = datetime.fromisoformat(requests.get(f"{sandbox.url}/_sandbox/clock", timeout=10).json()["now"])

    body = requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 86400}, timeout=10).json()

    after = datetime.fromisoformat(body["now"])
    assert 86400 <= (after - before).total_seconds() < 86410
    assert body["offset_seconds"] == 86400


@pytest.mark.parametrize("body", [{"advance_seconds": -1}, {}, {"advance_seconds": "soon"}, {"seconds": 5}])
def test_clock_refuses_bad_bodies(sandbox: SandboxServer, body: dict[str, object]) -> None:
    response = requests.post(f"{sandbox.url}/_sandbox/clock", json=body, timeout=10)

    assert response.status_code == 422


def test_faults_set_read_and_clear(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}/_sandbox/faults"
    settings = {
        "latency_ms": 10,
        "error_rate": 0.25,
        "error_status": 503,
        "rate_limit_per_s": 50.0,
        "drop_after_commit_rate": 0.1,
    }

    set_body = requests.post(url, json=settings, timeout=10).json()
    read_body = requests.get(url, timeout=10).json()
    cleared = requests.delete(url, timeout=10).json()

    assert set_body["faults"] == settings
    assert read_body == set_body
    assert read_body["active"] is True
    assert cleared["active"] is False
    assert cleared["faults"]["error_rate"] == 0


def test_faults_fields_left_out_are_switched_off(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}/_sandbox/faults"
    requests.post(url, json={"error_rate": 1.0}, timeout=10)

    body = requests.post(url, json={"latency_ms": 1}, timeout=10).json()

    assert body["faults"]["error_rate"] == 0


@pytest.mark.parametrize(
    "body",
    [{"error_rate": 1.5}, {"error_status": 200}, {"latency_ms": -1}, {"rate_limit_per_s": -2}, {"typo": 1}],
)
def test_faults_refuse_bad_settings(sandbox: SandboxServer, body: dict[str, object]) -> None:
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=body, timeout=10)

    assert response.status_code == 422


def test_health(sandbox: SandboxServer) -> None:
    assert requests.get(f"{sandbox.url}/_sandbox/health", timeout=10).json()["ok"] is True


def _request_from(host: str) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/_sandbox/stats", "headers": [], "client": (host, 1)}
    return Request(scope)


@pytest.mark.parametrize("client_host", ["10.1.2.3", "192.168.0.7", "2001:db8::1", "example.com"])
def test_control_refuses_non_loopback_clients(client_host: str) -> None:
    with pytest.raises(HTTPException) as raised:
        require_loopback_client(_request_from(client_host))

    assert raised.value.status_code == 403


@pytest.mark.parametrize("client_host", ["127.0.0.1", "127.8.9.10", "::1"])
def test_control_answers_loopback_clients(client_host: str) -> None:
    assert require_loopback_client(_request_from(client_host)) is None


# --- callbacks sent, and injected inbound messages ----------------------------------------------------------


def test_callbacks_log_and_repeat_setting(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}/_sandbox/callbacks"
    sandbox.ctx.callbacks.enqueue("http://192.0.2.1/x", {"a": 1}, vendor="fonedynamics", kind="reply")

    listed = requests.get(url, timeout=10).json()
    repeated = requests.put(url, json={"repeat": 4}, timeout=10).json()

    (record,) = listed["callbacks"]
    assert (listed["count"], listed["repeat"], repeated) == (1, 1, {"repeat": 4})
    assert (record["vendor"], record["kind"], record["state"], record["payload"]) == (
        "fonedynamics",
        "reply",
        "refused",
        {"a": 1},
    )
    assert requests.get(url, params={"state": "delivered"}, timeout=10).json()["count"] == 0
    assert requests.get(url, params={"vendor": "sinch"}, timeout=10).json()["count"] == 0


@pytest.mark.parametrize("body", [{"repeat": 0}, {"repeat": 11}, {"repeat": "twice"}, {"times": 2}])
def test_callback_repeat_is_bounded(sandbox: SandboxServer, body: dict[str, object]) -> None:
    assert requests.put(f"{sandbox.url}/_sandbox/callbacks", json=body, timeout=10).status_code == 422


def test_callbacks_refuse_an_unknown_state_filter(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.url}/_sandbox/callbacks", params={"state": "lost"}, timeout=10)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("state: 'lost' is not one of sending, retrying")


def test_stats_count_callbacks_and_inbound_messages(sandbox: SandboxServer) -> None:
    sandbox.inject_inbound("fonedynamics", sender="+61488023555", to="+61299990000", body="x")
    sandbox.inject_inbound("sinch", sender="+61488023555", to="76543", body="x")

    counters = sandbox.stats()["counters"]

    assert (counters["fonedynamics.received"], counters["sinch.inbounds_received"]) == (1, 1)
