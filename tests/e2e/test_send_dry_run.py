"""Dry runs in real Airflow: Sinch's dry-run endpoint and Fone Dynamics' local count agree; budgets fail."""

from __future__ import annotations

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, xcom_return
from tests.e2e.send_helpers import DAGS, use_vendor


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_dry_run_counts_parts_and_encodings_and_enforces_the_budget(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)

    run = run_dag(
        DAGS / "e2e_send_dry_run.py",
        "e2e_send_dry_run",
        run_after=pendulum.now("UTC"),
        conf={"conn_id": conn_id},
    )

    assert task_states(run) == {"preview": "success", "over_budget": "failed"}
    preview = xcom_return(run, "preview")
    assert preview["recipients"] == 3
    assert preview["parts"] == 3
    assert preview["encodings"] == {"GSM": 2, "UNICODE": 1}
    assert {m["to"] for m in preview["messages"]} == {"+6140****301", "+6140****302", "+6140****303"}
    assert sandbox.stats()["counters"].get("sinch.batches_created", 0) == 0
    assert sandbox.stats()["counters"].get("fonedynamics.messages_created", 0) == 0
