"""Fault injection on vendor paths: latency, injected errors, rate limiting, dropped connections."""

from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_sms.sandbox.config import FaultConfig
from airflow_provider_sms.sandbox.faults import RateLimiter, error_body, is_vendor_path
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import find, send

MESSAGE = {"From": "Acme", "To": "+61488023555", "Text": "fault"}
WIDE = {"Date_From": 0, "Date_To": 2**40}


def set_faults(sandbox: SandboxServer, **faults: float) -> None:
    requests.post(f"{sandbox.url}/_sandbox/faults", json=faults, timeout=10).raise_for_status()


def test_latency_delays_vendor_requests_only(sandbox: SandboxServer) -> None:
    set_faults(sandbox, latency_ms=300)

    started = time.monotonic()
    send(sandbox, MESSAGE)
    vendor_s = time.monotonic() - started
    started = time.monotonic()
    requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10)
    control_s = time.monotonic() - started

    assert vendor_s >= 0.3
    assert control_s < 0.3


def test_error_rate_one_answers_the_status_and_has_no_effect(sandbox: SandboxServer) -> None:
    set_faults(sandbox, error_rate=1.0, error_status=503)

    response = send(sandbox, MESSAGE)

    assert response.status_code == 503
    assert response.json()["ResponseStatus"]["ErrorCode"] == "SANDBOX_FAULT"
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10)
    assert find(sandbox, **WIDE).json() == []


def test_error_rate_zero_point_five_is_seeded_and_mixed(sandbox: SandboxServer) -> None:
    set_faults(sandbox, error_rate=0.5)

    statuses = {send(sandbox, MESSAGE).status_code for _ in range(30)}

    assert statuses == {200, 500}


def test_rate_limit_gives_429_with_whole_second_retry_after(sandbox: SandboxServer) -> None:
    set_faults(sandbox, rate_limit_per_s=2)

    responses = [send(sandbox, MESSAGE) for _ in range(4)]

    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert limited[0].json()["ResponseStatus"]["ErrorCode"] == "TOO_MANY_REQUESTS"


def test_drop_after_commit_breaks_the_connection_but_the_message_exists(sandbox: SandboxServer) -> None:
    set_faults(sandbox, drop_after_commit_rate=1.0)

    with pytest.raises(requests.exceptions.RequestException) as raised:
        send(sandbox, MESSAGE)
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
