"""End to end in real Airflow: a failing task's ``SmsNotifier`` callback puts an SMS in the sandbox inbox."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import airflow
import pytest
from packaging.version import Version

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from tests.e2e.harness import run_dag, task_states

AIRFLOW_V_3_2_PLUS = Version(airflow.__version__).release >= (3, 2)

DAG_FILE = Path(__file__).parent / "dags" / "e2e_notify_on_failure.py"
ON_CALL = "+61400000007"


def wait_for_inbox(sandbox: SandboxServer, msisdn: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Return the handset's inbox once a message arrived (the sandbox delivers after a short delay)."""
    deadline = time.monotonic() + timeout
    while not (inbox := sandbox.inbox(msisdn)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return inbox


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_failing_task_sends_the_rendered_sms(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    connection = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    monkeypatch.setenv(*connection_env("e2e_notify", connection))

    run = run_dag(DAG_FILE, "e2e_notify_on_failure", conf={"conn_id": "e2e_notify", "to": ON_CALL})

    assert task_states(run) == {"fail_on_purpose": "failed"}
    inbox = wait_for_inbox(sandbox, ON_CALL)
    assert len(inbox) == 1
    assert inbox[0]["from"] == "Alerts"
    prefix = f"e2e_notify_on_failure.fail_on_purpose failed in {run.run_id}: "
    # dag.test() on 3.1 gives callbacks no exception; the notifier renders it as None.
    assert inbox[0]["body"] == prefix + ("disk full on purpose" if AIRFLOW_V_3_2_PLUS else "None")
