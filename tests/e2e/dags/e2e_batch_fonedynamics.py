"""Every batch lifecycle operator on a Fone Dynamics connection: each must fail at once, without retry."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.cancel import SmsCancelBatchOperator
from airflow_provider_sms.operators.feedback import SmsDeliveryFeedbackOperator
from airflow_provider_sms.operators.replace import SmsReplaceBatchOperator
from airflow_provider_sms.operators.update import SmsUpdateBatchOperator

CONN_ID = "sms_e2e_fone"
BATCH_ID = "e2e-key@1767225600"

with DAG(
    "e2e_batch_fonedynamics",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "retry_delay": pendulum.duration(seconds=0)},
):
    SmsReplaceBatchOperator(task_id="replace", sms_conn_id=CONN_ID, batch_id=BATCH_ID, body="New")
    SmsUpdateBatchOperator(task_id="update", sms_conn_id=CONN_ID, batch_id=BATCH_ID, body="New")
    SmsCancelBatchOperator(task_id="cancel", sms_conn_id=CONN_ID, batch_id=BATCH_ID)
    SmsDeliveryFeedbackOperator(task_id="feedback", sms_conn_id=CONN_ID, batch_id=BATCH_ID)
