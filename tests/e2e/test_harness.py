"""The dag.test() harness itself: a real run, a retry within it, XCom read back from the metadata DB."""

from __future__ import annotations

from pathlib import Path

import pendulum

from tests.e2e.harness import run_dag, task_states, xcom_return

DAGS = Path(__file__).parent / "dags"


def test_retry_happens_within_one_run_and_xcom_is_readable() -> None:
    run = run_dag(
        DAGS / "e2e_harness_probe.py",
        "e2e_harness_probe",
        logical_date=pendulum.datetime(2026, 1, 3, tz="UTC"),
    )
    assert str(run.state) == "success"
    assert task_states(run) == {"fail_once": "success"}
    assert xcom_return(run, "fail_once") == {"try_number": 2}
