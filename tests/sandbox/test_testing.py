"""The threaded server, the suite's sandbox fixtures (tests/conftest.py), and connection helpers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)


def test_fixture_serves_on_a_loopback_port(sms_sandbox: SandboxServer) -> None:
    assert sms_sandbox.url.startswith("http://127.0.0.1:")
    assert sms_sandbox.port != 0
    assert requests.get(f"{sms_sandbox.url}/_sandbox/health", timeout=10).json()["ok"] is True
    assert sms_sandbox.config.delivery_delay == 0.5


def test_sandbox_fixture_starts_clean(sandbox: SandboxServer) -> None:
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

    assert (stats["counters"], stats["inbox_total"], stats["clock_offset_seconds"]) == ({}, 0, 0)


def test_server_stops_and_releases_its_port() -> None:
    server = SandboxServer(SandboxConfig(port=0)).start()
    url = server.url
    server.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_sandbox/health", timeout=2)


def test_sinch_api_token_connection() -> None:
    assert sinch_connection("http://127.0.0.1:1") == {
        "conn_type": "sinch",
        "login": "sandbox",
        "password": "sandbox-token",
        "host": "http://127.0.0.1:1",
        "extra": {"region": "us"},
    }


def test_sinch_oauth2_connection() -> None:
    conn = sinch_connection("http://127.0.0.1:1", auth_type="oauth2")

    assert (conn["login"], conn["password"]) == ("sandbox-key", "sandbox-secret")
    assert conn["extra"] == {
        "region": "us",
        "auth_type": "oauth2",
        "project_id": "sandbox-project",
        "auth_url": "http://127.0.0.1:1/oauth2/token",
    }


def test_sinch_connection_refuses_unknown_auth_type() -> None:
    with pytest.raises(ValueError, match="auth_type"):
        sinch_connection("http://127.0.0.1:1", auth_type="basic")


def test_fonedynamics_connection_uses_the_config_credentials() -> None:
    config = SandboxConfig(fone_account_sid="AC9", fone_token="t9", fone_property_sid="PR9")

    assert fonedynamics_connection("http://127.0.0.1:1", config=config) == {
        "conn_type": "fonedynamics",
        "login": "AC9",
        "password": "t9",
        "host": "http://127.0.0.1:1",
        "extra": {"property_sid": "PR9"},
    }


def test_connection_env_is_parsed_by_airflow() -> None:
    from airflow.models.connection import Connection

    name, value = connection_env("fone_sandbox", fonedynamics_connection("http://127.0.0.1:8025"))
    conn = Connection.from_json(value, conn_id="fone_sandbox")

    assert name == "AIRFLOW_CONN_FONE_SANDBOX"
    assert json.loads(value)["conn_type"] == "fonedynamics"
    assert (conn.conn_type, conn.login, conn.password) == ("fonedynamics", "ACSANDBOX", "sandbox-token")
    assert conn.extra_dejson == {"property_sid": "PRSANDBOX"}
    assert conn.host == "http://127.0.0.1:8025"


def test_server_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # what importlib reports for a module not installed
    server = SandboxServer(SandboxConfig(port=0))

    with pytest.raises(ModuleNotFoundError, match=r"pip install 'airflow-provider-sms\[sandbox\]'"):
        server.start()


def test_connection_helpers_need_no_server_dependencies() -> None:
    program = (
        "import sys\n"
        "sys.modules.update(fastapi=None, starlette=None, uvicorn=None, pytest=None)\n"
        "from airflow_provider_sms.sandbox.testing import connection_env, sinch_connection\n"
        "print(connection_env('sinch_default', sinch_connection('http://127.0.0.1:1'))[0])\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )

    assert (done.returncode, done.stdout.strip()) == (0, "AIRFLOW_CONN_SINCH_DEFAULT"), done.stderr


def test_inject_inbound_raises_with_the_sandbox_reason(sandbox: SandboxServer) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        sandbox.inject_inbound("sinch", sender="+61400000001", body="no number to send to")

    assert raised.value.response.status_code == 400
    assert "to: is required" in raised.value.response.json()["detail"]


def test_wait_for_callbacks_times_out_when_too_few_are_answered(sandbox: SandboxServer) -> None:
    sandbox.ctx.callbacks.enqueue("http://192.0.2.1/x", {}, vendor="sinch", kind="mo")

    assert len(sandbox.wait_for_callbacks(1, timeout=1)) == 1
    with pytest.raises(TimeoutError, match="1 of 2 callbacks answered"):
        sandbox.wait_for_callbacks(2, timeout=0.2)


def test_set_sinch_callback_and_repeat(sandbox: SandboxServer) -> None:
    sandbox.set_sinch_callback("http://localhost:9/mo", secret="s", repeat=2)
    settings = requests.get(f"{sandbox.url}/_sandbox/sinch/callbacks", timeout=10).json()
    sandbox.set_callback_repeat(1)

    assert settings == {"callback_url": "http://localhost:9/mo", "signed": True}
    assert sandbox.ctx.callbacks.repeat == 1
    with pytest.raises(requests.HTTPError):
        sandbox.set_sinch_callback("http://example.com/mo")
