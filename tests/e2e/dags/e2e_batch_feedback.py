"""Report delivery feedback for one recipient of the batch named in the run's params."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.feedback import SmsDeliveryFeedbackOperator

with DAG(
    "e2e_batch_feedback",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"batch_id": "", "recipient": ""},
):
    SmsDeliveryFeedbackOperator(
        task_id="feedback",
        sms_conn_id="sms_e2e_sinch",
        batch_id="{{ params.batch_id }}",
        recipients="{{ params.recipient }}",
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
    )
