"""A scheduled campaign sent in two chunks by SmsSendOperator, then updated as a whole through its XComArg."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.operators.update import SmsUpdateBatchOperator

CONN_ID = "sms_e2e_sinch"

with DAG(
    "e2e_batch_campaign",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"send_at": ""},
):
    send = SmsSendOperator(
        task_id="send",
        sms_conn_id=CONN_ID,
        to=["+61400000501", "+61400000502", "+61400000503"],
        body="Original",
        from_="Acme",
        send_at="{{ params.send_at }}",
        chunk_size=2,
    )
    SmsUpdateBatchOperator(
        task_id="update",
        sms_conn_id=CONN_ID,
        batch_id=send.output,
        to_remove=["+61400000502"],
        body="Changed",
    )
