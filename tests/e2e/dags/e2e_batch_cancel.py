"""Send a scheduled and an immediate batch with the hook, then cancel both through the send task's XComArg."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.operators.cancel import SmsCancelBatchOperator

CONN_ID = "sms_e2e_sinch"
SCHEDULED_TO = "+61400000101"
IMMEDIATE_TO = "+61400000102"

with DAG(
    "e2e_batch_cancel",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):

    @task
    def send() -> dict[str, Any]:
        """Send one batch scheduled an hour ahead and one at once; return them as a send result."""
        hook = SmsHook.for_connection(CONN_ID)
        send_at = datetime.now(timezone.utc) + timedelta(hours=1)
        scheduled = hook.send_batch(to=[SCHEDULED_TO], body="Later", from_="Acme", send_at=send_at)
        immediate = hook.send_batch(to=[IMMEDIATE_TO], body="Now", from_="Acme")
        return {"batch_ids": [scheduled.id, immediate.id], "messages": 2}

    SmsCancelBatchOperator(task_id="cancel", sms_conn_id=CONN_ID, batch_id=send(), retries=0)
