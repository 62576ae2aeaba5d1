"""A send whose ``to`` is a list of numbers from the run's conf: they are stored as a rendered field."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.send import SmsSendOperator

with DAG(
    "reliability_numbers_in_to",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
):
    SmsSendOperator(task_id="send", sms_conn_id="leak_list", to="{{ dag_run.conf['to'] }}", body="Hello")
