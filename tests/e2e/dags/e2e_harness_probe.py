"""A DAG that fails its first try and succeeds on its retry: proves the harness runs retries and XCom."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, BaseOperator


class FailOnceOperator(BaseOperator):
    """Fail the first try; return the try number on later tries."""

    def execute(self, context: Any) -> dict[str, int]:
        try_number = int(context["ti"].try_number)
        if try_number < 2:
            raise RuntimeError("first try fails on purpose")
        return {"try_number": try_number}


with DAG(
    "e2e_harness_probe",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    FailOnceOperator(task_id="fail_once", retries=1, retry_delay=pendulum.duration(seconds=0))
