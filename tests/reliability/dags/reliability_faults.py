"""A send that the fault suite runs under heavy faults; Airflow retries it until every chunk is sent."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator

with DAG(
    "reliability_faults",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
):
    SmsSendOperator(
        task_id="send",
        sms_conn_id="{{ dag_run.conf['conn_id'] }}",
        to="{{ dag_run.conf['to'] }}",
        body="Fault-proof hello",
        from_="Faults",
        chunk_size="{{ dag_run.conf['chunk_size'] }}",
        retries=60,
        retry_delay=pendulum.duration(seconds=0),
    )
