"""A send whose first try fails half-way (the test sets a rate limit); the retry clears it and resumes."""

from __future__ import annotations

from typing import Any

import pendulum
import requests
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator


def clear_sandbox_faults(context: Any) -> None:
    """Lift the fault that failed the first try, as an operator fixing an outage would."""
    requests.delete(
        f"{context['dag_run'].conf['sandbox_url']}/_sandbox/faults", timeout=10
    ).raise_for_status()


with DAG(
    "e2e_send_retry",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
):
    SmsSendOperator(
        task_id="send",
        sms_conn_id="{{ dag_run.conf['conn_id'] }}",
        to="{{ dag_run.conf['to'] }}",
        body="Retry-safe hello",
        from_="SmsTest",
        chunk_size=4,
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
        on_retry_callback=clear_sandbox_faults,
    )
