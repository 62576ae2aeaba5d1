"""A DAG that touches every place a secret or a phone number could end up, for the leak scan.

It follows the documented advice: recipients come from a file (``dag_run.conf['recipients_csv']``), so the
rendered ``to`` is a path, and the sensors count every message of their batches. It sends through three
connections (Sinch API token, Sinch OAuth2, Fone Dynamics), previews a send, waits for two batches in
deferred sensors (a row in the ``trigger`` table each), fails one send on a bad number in its file
(exception text), and alerts through an ``SmsNotifier``.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.notifications.sms import SmsNotifier
from airflow_provider_sms.operators.dry_run import SmsDryRunOperator
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sensors.batch import SmsBatchSensor
from airflow_provider_sms.sensors.delivery_report import SmsDeliveryReportSensor

RECIPIENTS = "{{ dag_run.conf['recipients_csv'] }}"
#: Who the failure alert goes to, read when the DAG is parsed (not written in the DAG's code, which Airflow
#: stores); a notifier's arguments are not stored as rendered fields.
ON_CALL = os.environ.get("LEAK_SCAN_ON_CALL", "+61400000007")
BODY = "Hi ${name}, your parcel is on its way"

with DAG(
    "reliability_leak_scan",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    send_sinch = SmsSendOperator(
        task_id="send_sinch", sms_conn_id="leak_sinch", to=RECIPIENTS, body=BODY, from_="Acme"
    )
    send_oauth = SmsSendOperator(
        task_id="send_sinch_oauth2", sms_conn_id="leak_sinch_oauth2", to=RECIPIENTS, body=BODY, from_="Acme"
    )
    send_fone = SmsSendOperator(task_id="send_fone", sms_conn_id="leak_fone", to=RECIPIENTS, body=BODY)
    preview = SmsDryRunOperator(
        task_id="preview_sinch", sms_conn_id="leak_sinch_oauth2", to=RECIPIENTS, body=BODY, from_="Acme"
    )
    wait_sinch = SmsDeliveryReportSensor(
        task_id="wait_sinch",
        sms_conn_id="leak_sinch",
        batch_id=send_sinch.output,
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
    )
    wait_fone = SmsBatchSensor(
        task_id="wait_fone",
        sms_conn_id="leak_fone",
        batch_id=send_fone.output,
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
    )
    # Each wait runs right after its send, so that both sensors find their messages still on their way and
    # defer (dag.test() runs one task at a time, in an order of its own among tasks without upstream).
    wait_sinch >> send_fone
    wait_fone >> [send_oauth, preview]
    send_bad = SmsSendOperator(
        task_id="send_bad_file",
        sms_conn_id="leak_sinch",
        to="{{ dag_run.conf['bad_csv'] }}",
        body=BODY,
        from_="Acme",
        retries=0,
        on_failure_callback=SmsNotifier(
            sms_conn_id="leak_fone",
            to=ON_CALL,
            body="{{ ti.task_id }} failed in {{ run_id }}",
        ),
    )
    wait_fone >> send_bad
