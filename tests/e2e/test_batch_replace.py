"""SmsReplaceBatchOperator in real Airflow against the sandbox: only the new text of a batch arrives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, tries, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_replace.py"
TO = ("+61400000301", "+61400000302")


def test_replace_keeps_recipients_sender_and_schedule_and_only_the_new_text_arrives(
    sandbox: SandboxServer, sinch: SinchClient
) -> None:
    send_at = datetime.now(timezone.utc) + timedelta(hours=1)
    batch = sinch.send_batch(to=list(TO), body="Old", from_="Acme", send_at=send_at, client_reference="k-1")

    run = run_dag(DAG_FILE, "e2e_batch_replace", conf={"batch_id": batch.id, "body": "New"})

    assert task_states(run) == {"replace": "success"}
    assert xcom_return(run, "replace") == {
        "batch_ids": [batch.id],
        "outcomes": {batch.id: {"outcome": "replaced", "recipients": 2}},
    }
    replaced = sinch.get_batch(batch.id)
    assert (replaced.body, replaced.from_, replaced.client_reference) == ("New", "Acme", "k-1")
    sandbox.advance(1800)
    assert sandbox.inbox(TO[0]) == []
    sandbox.advance(3600)
    for number in TO:
        assert [(m["body"], m["from"]) for m in sandbox.inbox(number)] == [("New", "Acme")]


def test_replace_of_a_batch_already_sent_fails_without_retry(
    sandbox: SandboxServer, sinch: SinchClient
) -> None:
    batch = sinch.send_batch(to=[TO[0]], body="Old", from_="Acme")

    run = run_dag(DAG_FILE, "e2e_batch_replace", conf={"batch_id": batch.id, "body": "New"})

    assert task_states(run) == {"replace": "failed"}
    assert tries(run, "replace") == 1
    sandbox.advance(60)
    assert [m["body"] for m in sandbox.inbox(TO[0])] == ["Old"]
