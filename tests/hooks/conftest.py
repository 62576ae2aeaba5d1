"""Connections for hook tests, defined as ``AIRFLOW_CONN_<ID>`` environment variables in JSON form."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
import requests_mock

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

SINCH_PLAN = "plan0001"
SINCH_TOKEN = "sinch-api-token-0001"
SINCH_KEY_ID = "key-id-0001"
SINCH_KEY_SECRET = "sinch-key-secret-0001"
SINCH_PROJECT = "project0001"
FD_ACCOUNT = "AC0001"
FD_TOKEN = "fone-token-0001"
FD_PROPERTY = "PR0001"

SetConnection = Callable[..., str]


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch) -> SetConnection:
    """Return a function that defines a connection through its environment variable and returns its id."""

    def define(conn_id: str, conn_type: str, **fields: Any) -> str:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": conn_type, **fields}))
        return conn_id

    return define


@pytest.fixture
def sinch_token_conn(set_connection: SetConnection) -> str:
    """A Sinch service-plan connection (API token auth) in region eu."""
    return set_connection(
        "sinch_token", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra={"region": "eu"}
    )


@pytest.fixture
def sinch_oauth_conn(set_connection: SetConnection) -> str:
    """A Sinch project connection (OAuth2 auth) in region us."""
    return set_connection(
        "sinch_oauth",
        "sinch",
        login=SINCH_KEY_ID,
        password=SINCH_KEY_SECRET,
        extra={"region": "us", "auth_type": "oauth2", "project_id": SINCH_PROJECT},
    )


@pytest.fixture
def fonedynamics_conn(set_connection: SetConnection) -> str:
    """A Fone Dynamics connection with a default property and sender."""
    return set_connection(
        "fone",
        "fonedynamics",
        login=FD_ACCOUNT,
        password=FD_TOKEN,
        extra={"property_sid": FD_PROPERTY, "default_from": "+61400000001"},
    )


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected request fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def mask_calls() -> Iterator[list[object]]:
    """Record every value the hooks register with Airflow's secret masker."""
    masked: list[object] = []

    def record(secret: object, name: str | None = None) -> None:
        masked.append(secret)

    with (
        mock.patch("airflow_provider_sms.hooks.sinch.mask_secret", side_effect=record),
        mock.patch("airflow_provider_sms.hooks.fonedynamics.mask_secret", side_effect=record),
    ):
        yield masked


@pytest.fixture
def sandbox_hook(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], SmsHook]:
    """Return a function giving the hook of a ``sinch`` or ``fonedynamics`` connection to the sandbox."""

    def connect(conn_type: str) -> SmsHook:
        conn = sinch_connection(sandbox.url) if conn_type == "sinch" else fonedynamics_connection(sandbox.url)
        conn_id = f"sandbox_{conn_type}"
        monkeypatch.setenv(*connection_env(conn_id, conn))
        return SmsHook.for_connection(conn_id)

    return connect
