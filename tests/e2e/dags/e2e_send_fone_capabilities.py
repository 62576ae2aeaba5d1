"""Sends asking Fone Dynamics for what it has no API for: each task fails before any request."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_sms.operators.dry_run import SmsDryRunOperator
from airflow_provider_sms.operators.send import SmsSendOperator

#: Every Sinch-only send option, with a value Sinch would accept (``expire_at`` is an argument of its own).
SINCH_ONLY_OPTIONS = {
    "delivery_report": "full",
    "callback_url": "http://127.0.0.1:9/callback",
    "flash_message": True,
    "max_number_of_message_parts": 3,
    "truncate_concat": True,
    "feedback_enabled": True,
}

with DAG(
    "e2e_send_fone_capabilities",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
):
    for name, value in SINCH_ONLY_OPTIONS.items():
        SmsSendOperator(
            task_id=f"send_{name}",
            sms_conn_id="fonedynamics_default",
            to=["+61400000201"],
            body="never sent",
            retries=1,
            retry_delay=pendulum.duration(seconds=0),
            vendor_options={name: value},
        )
    SmsSendOperator(
        task_id="send_expire_at",
        sms_conn_id="fonedynamics_default",
        to=["+61400000201"],
        body="never sent",
        expire_at="2099-01-01T00:00:00Z",
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
    )
    SmsDryRunOperator(
        task_id="dry_run_flash_message",
        sms_conn_id="fonedynamics_default",
        to=["+61400000201"],
        body="never sent",
        vendor_options={"flash_message": True},
        retries=1,
        retry_delay=pendulum.duration(seconds=0),
    )
