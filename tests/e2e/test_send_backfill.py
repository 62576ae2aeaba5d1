"""A backfill over three past logical dates, send_at from the data interval, under each past_schedule."""

from __future__ import annotations

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.harness import run_dag, task_states, xcom_return
from tests.e2e.send_helpers import DAGS, use_vendor

DATES = [pendulum.datetime(2026, 1, day, tz="UTC") for day in (1, 2, 3)]
SEND_NOW, SKIP, FAIL = "+61400000101", "+61400000102", "+61400000103"


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_backfill_sends_now_skips_or_fails_by_policy_and_never_twice(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    expected = {"send_send_now": "success", "send_skip": "skipped", "send_fail": "failed"}
    for day in DATES:
        run = run_dag(
            DAGS / "e2e_send_backfill.py",
            "e2e_send_backfill",
            logical_date=day,
            run_after=day,
            conf={"conn_id": conn_id},
        )
        assert task_states(run) == expected
    # Running the first date again replaces its run (same run id): nothing is sent twice.
    rerun = run_dag(
        DAGS / "e2e_send_backfill.py",
        "e2e_send_backfill",
        logical_date=DATES[0],
        run_after=DATES[0],
        conf={"conn_id": conn_id},
    )
    sandbox.advance(5)

    assert task_states(rerun) == expected
    assert xcom_return(rerun, "send_send_now")["reused_chunks"] == 1
    received = sorted(message["body"] for message in sandbox.inbox(SEND_NOW))
    assert received == [f"Daily digest for {day.to_date_string()}" for day in DATES]
    assert sandbox.inbox(SKIP) == []
    assert sandbox.inbox(FAIL) == []
    assert sandbox.stats()["counters"].get("faults.errors", 0) == 0
