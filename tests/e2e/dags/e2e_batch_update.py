"""Update the batch named in the params: add a recipient, change the text, send at the interval end."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.update import SmsUpdateBatchOperator

with DAG(
    "e2e_batch_update",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"batch_id": "", "add": "", "body": ""},
):
    SmsUpdateBatchOperator(
        task_id="update",
        sms_conn_id="sms_e2e_sinch",
        batch_id="{{ params.batch_id }}",
        to_add="{{ params.add }}",
        body="{{ params.body }}",
        send_at="{{ data_interval_end }}",
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
    )
