"""Every batch lifecycle operator on a Fone Dynamics connection fails at once: no request, no retry."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.models import TaskInstance
from airflow.utils.session import create_session

from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, fonedynamics_connection
from tests.e2e.harness import run_dag, task_states

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_fonedynamics.py"


def test_replace_update_cancel_and_feedback_fail_without_request_or_retry(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("sms_e2e_fone", fonedynamics_connection(sandbox.url)))

    run = run_dag(DAG_FILE, "e2e_batch_fonedynamics")

    assert task_states(run) == {
        "replace": "failed",
        "update": "failed",
        "cancel": "failed",
        "feedback": "failed",
    }
    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id).all()
        assert {ti.task_id: ti.try_number for ti in tis} == {
            "replace": 1,
            "update": 1,
            "cancel": 1,
            "feedback": 1,
        }
    stats = sandbox.stats()
    assert "fonedynamics.requests" not in stats["counters"]
