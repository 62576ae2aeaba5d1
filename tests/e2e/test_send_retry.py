"""A send whose try fails half-way (rate limited beyond the client's retries) and is retried by Airflow."""

from __future__ import annotations

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, xcom_return
from tests.e2e.send_helpers import DAGS, inbox_counts, numbers, use_vendor


@pytest.mark.parametrize("concurrent", [1, 4])
@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_retry_after_a_failure_mid_campaign_sends_only_the_missing_chunks(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str, concurrent: int
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor, max_retries=0, max_concurrent_requests=concurrent)
    recipients = numbers(10, start=9000)  # chunks of 4: three requests
    # Two requests pass (the listing of the keys, and one chunk's send); the other chunks' sends get a 429
    # that the client, with no retries, raises: the first try fails after one chunk went out (chunk 0
    # when they go one after another; any one of them when they go at once).
    sandbox.set_faults(rate_limit_per_s=2)

    run = run_dag(
        DAGS / "e2e_send_retry.py",
        "e2e_send_retry",
        run_after=pendulum.now("UTC"),
        conf={"conn_id": conn_id, "to": recipients, "sandbox_url": sandbox.url},
    )
    sandbox.advance(5)

    assert task_states(run) == {"send": "success"}
    counters = sandbox.stats()["counters"]
    assert counters["faults.rate_limited"] >= 1
    result = xcom_return(run, "send")
    assert result["recipients"] == len(recipients)
    assert len(result["batch_ids"]) == 3
    assert result["reused_chunks"] == 1
    assert inbox_counts(sandbox, recipients) == {1: len(recipients)}
