"""Integration tests: our clients talk HTTP to a real sandbox server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient
from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.sandbox.testing import SandboxServer

pytestmark = pytest.mark.integration


def set_faults(sandbox: SandboxServer, **settings: Any) -> None:
    """Turn on sandbox fault injection (``latency_ms``, ``error_rate``, ``rate_limit_per_s`` ...)."""
    requests.post(f"{sandbox.url}/_sandbox/faults", json=settings, timeout=5).raise_for_status()


def clear_faults(sandbox: SandboxServer) -> None:
    """Turn fault injection off."""
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5).raise_for_status()


@pytest.fixture
def sinch(sandbox: SandboxServer) -> Iterator[SinchClient]:
    client = SinchClient(
        service_plan_id="sandbox", api_token="sandbox-token", base_url=sandbox.url, timeout=5, max_retries=3
    )
    yield client
    client.close()


@pytest.fixture
def sinch_oauth(sandbox: SandboxServer) -> Iterator[SinchClient]:
    client = SinchClient(
        auth_type="oauth2",
        project_id="sandbox-project",
        key_id="sandbox-key",
        key_secret="sandbox-secret",
        base_url=sandbox.url,
        auth_url=f"{sandbox.url}/oauth2/token",
        timeout=5,
    )
    yield client
    client.close()


@pytest.fixture
def fone(sandbox: SandboxServer) -> Iterator[FoneDynamicsClient]:
    client = FoneDynamicsClient(
        account_sid="ACSANDBOX",
        token="sandbox-token",
        property_sid="PRSANDBOX",
        base_url=sandbox.url,
        timeout=5,
    )
    yield client
    client.close()
