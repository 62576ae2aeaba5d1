"""Test-session set-up shared by every test package, and the sandbox fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer

# Must run before any test module imports Airflow (Airflow reads its configuration at import time).
from tests import airflow_env

TEST_DELIVERY_DELAY_S = 0.5


@pytest.fixture(scope="session", autouse=True)
def _temporary_airflow_home() -> Iterator[None]:
    yield
    airflow_env.remove_airflow_home()


@pytest.fixture(scope="session")
def sms_sandbox() -> Iterator[SandboxServer]:
    """One sandbox for the session, on a free loopback port, with a short delivery delay."""
    server = SandboxServer(SandboxConfig(port=0, delivery_delay=TEST_DELIVERY_DELAY_S, seed=20_250_101))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sms_sandbox: SandboxServer) -> SandboxServer:
    """The session's sandbox, reset to a clean state for this test."""
    sms_sandbox.reset()
    return sms_sandbox
