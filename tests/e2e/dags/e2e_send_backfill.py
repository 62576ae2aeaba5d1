"""A daily send scheduled at the end of its data interval, under each past_schedule policy."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator

with DAG(
    "e2e_send_backfill",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    for policy, number in (("send_now", "+61400000101"), ("skip", "+61400000102"), ("fail", "+61400000103")):
        SmsSendOperator(
            task_id=f"send_{policy}",
            sms_conn_id="{{ dag_run.conf['conn_id'] }}",
            to=[number],
            body="Daily digest for {{ ds }}",
            from_="SmsTest",
            send_at="{{ data_interval_end }}",
            past_schedule=policy,
            retries=1,
            retry_delay=pendulum.duration(seconds=0),
        )
