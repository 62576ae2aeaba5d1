"""DAGs that wait for a handset's reply with ``SmsReplySensor``, deferred or poking, then use its text.

``dag_run.conf``: ``conn_id`` (a ``sinch`` or ``fonedynamics`` connection), ``from_number`` (the handset),
``to_number`` (our number) and ``pattern`` (what the reply must match).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_sms.sensors.reply import SmsReplySensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")


@task
def approved(reply: str) -> dict[str, str]:
    """Return what the next task of an approval flow would read: the code in the reply."""
    return {"code": reply.split()[-1]}


for dag_id, deferrable in (("e2e_reply_deferred", True), ("e2e_reply_poke", False)):
    with DAG(dag_id, schedule=None, start_date=START, catchup=False, tags=["e2e"]):
        wait = SmsReplySensor(
            task_id="wait_for_reply",
            sms_conn_id="{{ dag_run.conf['conn_id'] }}",
            from_number="{{ dag_run.conf['from_number'] }}",
            to_number="{{ dag_run.conf['to_number'] }}",
            body_pattern="{{ dag_run.conf['pattern'] }}",
            deferrable=deferrable,
            mode="poke",
            poke_interval=0.2,
            timeout=60,
        )
        approved(wait.output)
