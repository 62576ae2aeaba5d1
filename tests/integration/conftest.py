"""Integration tests: our clients talk HTTP to a real sandbox server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.sandbox.testing import SandboxServer

pytestmark = pytest.mark.integration


@pytest.fixture
def sinch(sandbox: SandboxServer) -> Iterator[SinchClient]:
    client = SinchClient(
        SinchSettings(
            service_plan_id="sandbox",
            api_token="sandbox-token",
            base_url=sandbox.url,
            timeout=5,
            max_retries=3,
        )
    )
    yield client
    client.close()


@pytest.fixture
def sinch_oauth(sandbox: SandboxServer) -> Iterator[SinchClient]:
    client = SinchClient(
        SinchSettings(
            auth_type="oauth2",
            project_id="sandbox-project",
            key_id="sandbox-key",
            key_secret="sandbox-secret",
            base_url=sandbox.url,
            auth_url=f"{sandbox.url}/oauth2/token",
            timeout=5,
        )
    )
    yield client
    client.close()


@pytest.fixture
def fone(sandbox: SandboxServer) -> Iterator[FoneDynamicsClient]:
    client = FoneDynamicsClient(
        FoneDynamicsSettings(
            account_sid="ACSANDBOX",
            token="sandbox-token",
            property_sid="PRSANDBOX",
            base_url=sandbox.url,
            timeout=5,
        )
    )
    yield client
    client.close()
