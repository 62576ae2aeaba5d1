"""Fixtures for the Sinch sandbox HTTP tests: a running sandbox, a plain ``requests`` helper, a listener."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import CONFIG, CallbackListener, SinchApi


@pytest.fixture(scope="session")
def sinch_server() -> Iterator[SandboxServer]:
    with SandboxServer(CONFIG) as server:
        yield server


@pytest.fixture
def server(sinch_server: SandboxServer) -> SandboxServer:
    sinch_server.reset()
    return sinch_server


@pytest.fixture
def api(server: SandboxServer) -> SinchApi:
    return SinchApi(server.url, CONFIG.sinch_service_plan_id, CONFIG.sinch_api_token)


@pytest.fixture
def listener() -> Iterator[CallbackListener]:
    callback_listener = CallbackListener()
    yield callback_listener
    callback_listener.close()
