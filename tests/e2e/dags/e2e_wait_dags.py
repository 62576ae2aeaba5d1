"""DAGs that send a batch with the hook, then wait with ``SmsBatchSensor`` or ``SmsDeliveryReportSensor``.

``dag_run.conf``: ``conn_id`` (a ``sinch`` or ``fonedynamics`` connection), ``recipients`` (E.164 numbers),
optionally ``send_in_s`` (schedule the send that many seconds ahead), for Sinch optionally
``expire_in_s`` (seconds until the batch expires), and for the delivery report DAGs
``report_path`` (CSV file for the per-recipient report).
"""

from __future__ import annotations

import uuid
from typing import Any

import pendulum
from airflow.sdk import DAG, get_current_context, task

from airflow_provider_sms.hooks.fonedynamics import FoneBatchRef
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.models.fonedynamics import FoneMessage
from airflow_provider_sms.sensors.batch import SmsBatchSensor
from airflow_provider_sms.sensors.delivery_report import SmsDeliveryReportSensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")
CONN_ID = "{{ dag_run.conf['conn_id'] }}"


@task
def send_batch() -> dict[str, Any]:
    """Send one text to ``conf['recipients']``; return ``{"batch_ids": [...]}`` like the send operator."""
    conf = get_current_context()["dag_run"].conf
    hook = SmsHook.for_connection(conf["conn_id"])
    recipients: list[str] = conf["recipients"]
    if hook.conn_type == "sinch":
        fields: dict[str, Any] = {"to": recipients, "from_": "Alerts", "body": "e2e wait"}
        if "send_in_s" in conf:
            fields["send_at"] = pendulum.now("UTC").add(seconds=conf["send_in_s"])
        if "expire_in_s" in conf:
            fields["expire_at"] = pendulum.now("UTC").add(seconds=conf["expire_in_s"])
        return {"batch_ids": [hook.send_batch(**fields).id]}
    key = f"e2e{uuid.uuid4().hex}"
    messages = [
        {"to": number, "text": "e2e wait", "from_": "Alerts", "external_id": f"{key}.{position}"}
        for position, number in enumerate(recipients)
    ]
    if "send_in_s" in conf:
        schedule = pendulum.now("UTC").add(seconds=conf["send_in_s"]).int_timestamp
        messages = [{**message, "schedule": schedule} for message in messages]
    created = min(m.created for m in hook.send_messages(messages) if isinstance(m, FoneMessage) and m.created)
    return {"batch_ids": [str(FoneBatchRef(key, created))]}


with DAG("e2e_wait_batch_deferred", schedule=None, start_date=START, catchup=False):
    SmsBatchSensor(
        task_id="wait",
        sms_conn_id=CONN_ID,
        batch_id=send_batch(),
        deferrable=True,
        poke_interval=0.2,
        timeout=30,
    )

with DAG("e2e_wait_batch_poke", schedule=None, start_date=START, catchup=False):
    SmsBatchSensor(
        task_id="wait",
        sms_conn_id=CONN_ID,
        batch_id=send_batch(),
        deferrable=False,
        poke_interval=0.2,
        timeout=30,
    )

with DAG("e2e_wait_batch_short_timeout", schedule=None, start_date=START, catchup=False):
    SmsBatchSensor(
        task_id="wait",
        sms_conn_id=CONN_ID,
        batch_id=send_batch(),
        deferrable=True,
        poke_interval=0.2,
        timeout=2,
    )

with DAG("e2e_wait_delivery_deferred", schedule=None, start_date=START, catchup=False):
    SmsDeliveryReportSensor(
        task_id="wait",
        sms_conn_id=CONN_ID,
        batch_id=send_batch(),
        report_path="{{ dag_run.conf['report_path'] }}",
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
    )

with DAG("e2e_wait_delivery_poke", schedule=None, start_date=START, catchup=False):
    SmsDeliveryReportSensor(
        task_id="wait",
        sms_conn_id=CONN_ID,
        batch_id=send_batch(),
        report_path="{{ dag_run.conf['report_path'] }}",
        deferrable=False,
        poke_interval=0.2,
        timeout=60,
    )
