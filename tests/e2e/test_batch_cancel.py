"""SmsCancelBatchOperator in real Airflow against the sandbox: a cancelled scheduled batch never arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection
from tests.e2e.harness import run_dag, task_states, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_cancel.py"
SCHEDULED_TO = "+61400000101"
IMMEDIATE_TO = "+61400000102"


def test_cancel_of_a_campaign_stops_the_scheduled_batch_and_warns_about_the_sent_one(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("sms_e2e_sinch", sinch_connection(sandbox.url)))

    run = run_dag(DAG_FILE, "e2e_batch_cancel")

    assert task_states(run) == {"send": "success", "cancel": "success"}
    scheduled, immediate = xcom_return(run, "send")["batch_ids"]
    result = xcom_return(run, "cancel")
    assert result["batch_ids"] == [scheduled, immediate]
    assert result["outcomes"][scheduled] == {
        "outcome": "cancelled",
        "messages": 1,
        "cancelled": 1,
        "not_cancelled": {},
    }
    assert result["outcomes"][immediate]["outcome"] == "already_final"
    sandbox.advance(2 * 3600)
    assert sandbox.inbox(SCHEDULED_TO) == []
    assert [message["body"] for message in sandbox.inbox(IMMEDIATE_TO)] == ["Now"]
