"""SmsDeliveryFeedbackOperator in real Airflow against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_feedback.py"
TO = ("+61400000401", "+61400000402")


def counters(sandbox: SandboxServer) -> dict[str, Any]:
    counted: dict[str, Any] = sandbox.stats()["counters"]
    return counted


def test_feedback_for_one_recipient_is_recorded(sandbox: SandboxServer, sinch: SinchClient) -> None:
    batch = sinch.send_batch(to=list(TO), body="Code 1234", from_="Acme", feedback_enabled=True)

    run = run_dag(DAG_FILE, "e2e_batch_feedback", conf={"batch_id": batch.id, "recipient": TO[1]})

    assert task_states(run) == {"feedback": "success"}
    assert xcom_return(run, "feedback") == {
        "batch_ids": [batch.id],
        "outcomes": {batch.id: {"outcome": "reported", "recipients": 1}},
    }
    assert counters(sandbox).get("sinch.delivery_feedback") == 1


def test_feedback_for_a_number_outside_the_batch_fails_before_any_feedback(
    sandbox: SandboxServer, sinch: SinchClient
) -> None:
    batch = sinch.send_batch(to=[TO[0]], body="Code 1234", from_="Acme", feedback_enabled=True)

    run = run_dag(DAG_FILE, "e2e_batch_feedback", conf={"batch_id": batch.id, "recipient": "+61400000499"})

    assert task_states(run) == {"feedback": "failed"}
    assert "sinch.delivery_feedback" not in counters(sandbox)
