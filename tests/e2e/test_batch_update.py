"""SmsUpdateBatchOperator in real Airflow against the sandbox: a scheduled batch changed before it goes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pendulum

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, tries, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_update.py"
FIRST = "+61400000201"
ADDED = "+61400000202"
DAY = 24 * 3600


def test_update_adds_a_recipient_changes_text_and_reschedules_to_the_interval_end(
    sandbox: SandboxServer, sinch: SinchClient
) -> None:
    send_at = datetime.now(timezone.utc) + timedelta(hours=1)
    batch = sinch.send_batch(to=[FIRST], body="Old", from_="Acme", send_at=send_at)
    logical_date = pendulum.today("UTC").add(days=2)
    conf = {"batch_id": batch.id, "add": ADDED, "body": "Updated"}

    run = run_dag(DAG_FILE, "e2e_batch_update", logical_date=logical_date, conf=conf)

    assert task_states(run) == {"update": "success"}
    assert xcom_return(run, "update") == {
        "batch_ids": [batch.id],
        "outcomes": {batch.id: {"outcome": "updated", "recipients": 2}},
    }
    assert sinch.get_batch(batch.id).send_at == run.data_interval_end
    sandbox.advance(2 * 3600)
    assert sandbox.inbox(FIRST) == []
    sandbox.advance(4 * DAY)
    assert [m["body"] for m in sandbox.inbox(FIRST)] == ["Updated"]
    assert [m["body"] for m in sandbox.inbox(ADDED)] == ["Updated"]


def test_update_of_a_batch_already_sent_fails_without_retry(
    sandbox: SandboxServer, sinch: SinchClient
) -> None:
    batch = sinch.send_batch(to=[FIRST], body="Now", from_="Acme")
    conf = {"batch_id": batch.id, "add": ADDED, "body": "Too late"}

    run = run_dag(DAG_FILE, "e2e_batch_update", logical_date=pendulum.today("UTC").add(days=1), conf=conf)

    assert task_states(run) == {"update": "failed"}
    assert tries(run, "update") == 1
    sandbox.advance(60)
    assert [m["body"] for m in sandbox.inbox(FIRST)] == ["Now"]
    assert sandbox.inbox(ADDED) == []
