"""Replace the batch named in the run's params with a new text."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.replace import SmsReplaceBatchOperator

with DAG(
    "e2e_batch_replace",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"batch_id": "", "body": ""},
):
    SmsReplaceBatchOperator(
        task_id="replace",
        sms_conn_id="sms_e2e_sinch",
        batch_id="{{ params.batch_id }}",
        body="{{ params.body }}",
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
    )
