"""A 2,500-recipient send in real Airflow against the sandbox: each recipient gets exactly one SMS."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, xcom_return
from tests.e2e.send_helpers import DAGS, inbox_counts, numbers, use_vendor, write_csv

RECIPIENTS = 2500


@pytest.mark.parametrize(("vendor", "batches"), [("sinch", 3), ("fonedynamics", 3)])
def test_large_send_arrives_once_per_recipient(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, vendor: str, batches: int
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor, default_from="SmsTest")
    recipients = numbers(RECIPIENTS)
    source = write_csv(tmp_path / "recipients.csv", recipients)

    run = run_dag(
        DAGS / "e2e_send_campaign.py",
        "e2e_send_campaign",
        run_after=pendulum.now("UTC"),
        conf={"conn_id": conn_id, "to": str(source)},
    )
    sandbox.advance(5)

    assert task_states(run) == {"send": "success"}
    result = xcom_return(run, "send")
    assert result["vendor"] == ("Sinch" if vendor == "sinch" else "Fone Dynamics")
    assert len(result["batch_ids"]) == batches
    assert result["recipients"] == RECIPIENTS
    assert result["parts"] == RECIPIENTS
    assert result["skipped"] == 0
    assert "+614" not in str(result)
    assert inbox_counts(sandbox, recipients) == {1: RECIPIENTS}
    body = sandbox.inbox(recipients[7])[0]["body"]
    assert body == "Hi Person 7, your code is A42"


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_rerun_of_the_same_run_sends_nothing_again(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor, default_from="SmsTest")
    recipients = numbers(30, start=5000)
    when = pendulum.now("UTC")
    conf = {"conn_id": conn_id, "to": recipients}

    dag_file = DAGS / "e2e_send_campaign.py"
    first = run_dag(dag_file, "e2e_send_campaign", logical_date=when, run_after=when, conf=conf)
    first_result = xcom_return(first, "send")
    again = run_dag(dag_file, "e2e_send_campaign", logical_date=when, run_after=when, conf=conf)
    sandbox.advance(5)

    assert first.run_id == again.run_id
    assert xcom_return(again, "send")["reused_chunks"] == 1
    assert xcom_return(again, "send")["batch_ids"] == first_result["batch_ids"]
    assert inbox_counts(sandbox, recipients) == {1: len(recipients)}


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_dropped_connections_after_commit_still_deliver_exactly_once(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor, default_from="SmsTest", max_retries=8)
    recipients = numbers(40, start=7000)
    sandbox.set_faults(drop_after_commit_rate=0.4)

    # Twenty chunks of two: at a 40% drop rate, a run without any dropped request (which would prove
    # nothing) has a chance of 0.6**20, about 4 in 100,000.
    run = run_dag(
        DAGS / "e2e_send_campaign.py",
        "e2e_send_campaign",
        run_after=pendulum.now("UTC"),
        conf={"conn_id": conn_id, "to": recipients, "chunk_size": 2},
    )
    sandbox.advance(5)

    assert task_states(run) == {"send": "success"}
    assert sandbox.stats()["counters"]["faults.dropped"] > 0
    assert inbox_counts(sandbox, recipients) == {1: len(recipients)}
