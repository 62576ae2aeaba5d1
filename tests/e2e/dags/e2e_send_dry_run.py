"""Dry runs of a mixed GSM-7 / UCS-2 send, within and over a parts budget."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.dry_run import SmsDryRunOperator

with DAG(
    "e2e_send_dry_run",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
):
    for task_id, max_parts in (("preview", 10), ("over_budget", 2)):
        SmsDryRunOperator(
            task_id=task_id,
            sms_conn_id="{{ dag_run.conf['conn_id'] }}",
            to=["+61400000301", "+61400000302", "+61400000303"],
            body="Hello ${name}",
            parameters={"name": {"+61400000302": "Zoë 😀", "default": "there"}},
            from_="SmsTest",
            max_parts=max_parts,
            retries=1,
            retry_delay=pendulum.duration(seconds=0),
        )
