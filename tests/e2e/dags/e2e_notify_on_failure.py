"""A DAG whose only task fails; its ``on_failure_callback`` is an ``SmsNotifier``.

``dag_run.conf``: ``conn_id`` (a ``sinch`` or ``fonedynamics`` connection) and ``to`` (an E.164 number).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_sms.notifications.sms import SmsNotifier


@task(retries=0)
def fail_on_purpose() -> None:
    """Fail, so that the failure callback fires."""
    raise RuntimeError("disk full on purpose")


with DAG(
    "e2e_notify_on_failure",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    fail_on_purpose.override(
        on_failure_callback=SmsNotifier(
            sms_conn_id="{{ dag_run.conf['conn_id'] }}",
            to="{{ dag_run.conf['to'] }}",
            from_="Alerts",
            body="{{ dag.dag_id }}.{{ ti.task_id }} failed in {{ run_id }}: {{ exception }}",
        )
    )()
