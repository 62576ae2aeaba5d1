"""The /_sandbox/ control and inspection endpoints."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests
from fastapi import HTTPException
from starlette.requests import Request

from airflow_provider_sms.sandbox.control import require_loopback_client
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, find, send

MESSAGE = {"From": "Acme", "To": "+61488023555", "Text": "inbox"}


@pytest.mark.parametrize("form", ["+61488023555", "%2B61488023555", "61488023555"])
def test_inbox_accepts_the_number_in_every_form(sandbox: SandboxServer, form: str) -> None:
    sid = send(sandbox, MESSAGE).json()["Message"]["MessageSid"]
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
    send(sandbox, MESSAGE)
    sandbox.advance(1)

    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

    assert stats["counters"]["fonedynamics.messages_created"] == 1
    assert stats["counters"]["fonedynamics.delivered"] == 1
    assert stats["inbox_total"] == 1
    assert stats["clock_offset_seconds"] == 1
    assert stats["active"] is False


def test_reset_clears_state_inboxes_faults_counters_and_clock(sandbox: SandboxServer) -> None:
    sid = send(sandbox, MESSAGE).json()["Message"]["MessageSid"]
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
