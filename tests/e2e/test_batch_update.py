"""SmsUpdateBatchOperator in real Airflow against the sandbox: a scheduled batch changed before it goes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer, connection_env, sinch_connection
from tests.e2e.harness import run_dag, task_states, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_batch_update.py"
FIRST = "+61400000201"
ADDED = "+61400000202"
DAY = 24 * 3600


@pytest.fixture
def sinch(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SinchClient]:
    """A client to set batches up with; the DAG's connection points at the same sandbox."""
    monkeypatch.setenv(*connection_env("sms_e2e_sinch", sinch_connection(sandbox.url)))
    config = SandboxConfig()
    with SinchClient(
        service_plan_id=config.sinch_service_plan_id, api_token=config.sinch_api_token, base_url=sandbox.url
    ) as client:
        yield client


def tries(run: Any, task_id: str) -> int:
    """Return how many times a task of the run was tried."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = (
            session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id).one()
        )
        return int(ti.try_number)


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
