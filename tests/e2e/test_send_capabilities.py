"""Every send option Fone Dynamics has no API for fails the task at once, without a request or a retry."""

from __future__ import annotations

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, fonedynamics_connection
from tests.e2e.harness import run_dag, task_states
from tests.e2e.send_helpers import DAGS


def test_fone_dynamics_capability_errors_fail_before_any_request(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(*connection_env("fonedynamics_default", fonedynamics_connection(sandbox.url)))
    before = sandbox.stats()["counters"]

    run = run_dag(
        DAGS / "e2e_send_fone_capabilities.py", "e2e_send_fone_capabilities", run_after=pendulum.now("UTC")
    )

    states = task_states(run)
    assert len(states) == 8
    assert set(states.values()) == {"failed"}
    assert sandbox.stats()["counters"] == before
