"""One send, vendor and recipients from the run's conf: the e2e tests' campaign."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator

with DAG(
    "e2e_send_campaign",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
):
    SmsSendOperator(
        task_id="send",
        sms_conn_id="{{ dag_run.conf['conn_id'] }}",
        to="{{ dag_run.conf['to'] }}",
        body="Hi ${name}, your code is ${code}",
        parameters={"code": {"default": "A42"}},
        from_="{{ dag_run.conf.get('from') }}",
        invalid_recipients="skip",
        chunk_size="{{ dag_run.conf.get('chunk_size', 1000) }}",
        retries=3,
        retry_delay=pendulum.duration(seconds=0),
    )
