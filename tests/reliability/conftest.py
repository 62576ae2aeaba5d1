"""What the reliability suites share: connections to the session's sandbox, for both vendors."""

from __future__ import annotations

import pytest

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)

#: Connection ids of the reliability suites, by vendor.
CONN = {"sinch": "rel_sinch", "fonedynamics": "rel_fone"}
VENDORS = tuple(CONN)


@pytest.fixture
def connections(sms_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Point ``rel_sinch`` and ``rel_fone`` at the session's sandbox (not reset: tests compare counters)."""
    sinch = sinch_connection(sms_sandbox.url)
    sinch["extra"]["default_from"] = "Reliable"
    monkeypatch.setenv(*connection_env(CONN["sinch"], sinch))
    monkeypatch.setenv(*connection_env(CONN["fonedynamics"], fonedynamics_connection(sms_sandbox.url)))
    return sms_sandbox
