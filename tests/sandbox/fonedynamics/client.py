"""Plain-``requests`` access to the sandbox's Fone Dynamics API for tests (never the provider's client)."""

from __future__ import annotations

from typing import Any

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer

AUTH = ("ACSANDBOX", "sandbox-token")
PROPERTY = "PRSANDBOX"


def send(sandbox: SandboxServer, body: Any, auth: tuple[str, str] = AUTH) -> requests.Response:
    return requests.post(f"{sandbox.url}/v2/Properties/{PROPERTY}/Messages", json=body, auth=auth, timeout=10)


def send_batch(sandbox: SandboxServer, messages: list[Any]) -> requests.Response:
    url = f"{sandbox.url}/v2/Properties/{PROPERTY}/BatchMessages"
    return requests.post(url, json={"Messages": messages}, auth=AUTH, timeout=10)


def get(sandbox: SandboxServer, sid: str) -> dict[str, Any]:
    response = requests.get(f"{sandbox.url}/v2/Messages/{sid}", auth=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["Message"]
    return message


def find(sandbox: SandboxServer, **params: Any) -> requests.Response:
    url = f"{sandbox.url}/v2/Properties/{PROPERTY}/Messages"
    return requests.get(url, params=params, auth=AUTH, timeout=10)


def sandbox_now(sandbox: SandboxServer) -> int:
    return int(sandbox.ctx.clock.now().timestamp())
