"""Fixtures shared by the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection


@pytest.fixture
def sinch(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SinchClient]:
    """A client to set batches up with; the DAG's connection points at the same sandbox."""
    monkeypatch.setenv(*connection_env("sms_e2e_sinch", sinch_connection(sandbox.url)))
    config = SandboxConfig()
    with SinchClient(
        SinchSettings(
            service_plan_id=config.sinch_service_plan_id,
            api_token=config.sinch_api_token,
            base_url=sandbox.url,
        )
    ) as client:
        yield client
