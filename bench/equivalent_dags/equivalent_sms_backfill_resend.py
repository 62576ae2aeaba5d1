"""``example_sms_backfill_resend`` with a standard operator in place of the provider's (parse yardstick).

Same tasks, dependencies, templates, params and helper imports; ``PythonOperator`` stands in for
``SmsSendOperator``. Never run: only parsed by ``bench/parse_time.py``.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Param, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from sms_campaign_support.airflow_compat import AirflowSkipException
from sms_campaign_support.audience import write_numbers
from sms_campaign_support.references import RESEND, SEND, day_prefix, kind_of, resend_reference

DAG_ID = "equivalent_sms_backfill_resend"
RESEND_BODY = "ACME: your plan lapsed on {{ data_interval_start | ds }}. Renew at acme.example/renew"
FAILURES = "ti.xcom_pull(task_ids='find_failures')"


@task
def find_failures() -> dict[str, Any]:
    """Write the day's failed or expired recipients not yet resent to a file; skip if there are none."""
    context = get_current_context()
    params = context["params"]
    start = context["data_interval_start"]
    assert start is not None
    day = start.strftime("%Y%m%d")
    from airflow_provider_sms.hooks.sms import SmsHook

    hook = SmsHook.for_connection(params["sms_conn_id"])
    prefix = day_prefix(params["campaign"], day)
    found = hook.find_batches(prefix, since=start)
    sent = [batch.batch_id for batch in found if kind_of(batch.key, prefix) == SEND]
    resent_to = {n for batch in found if kind_of(batch.key, prefix) == RESEND for n in batch.recipients}
    failed = hook.failed_recipients(sent)
    numbers = [n for n in failed if n not in resent_to]
    print(
        f"{day}: {len(sent)} batch(es) sent, {len(failed)} failed or expired, "
        f"{len(failed) - len(numbers)} of them already resent"
    )
    if not numbers:
        raise AirflowSkipException(f"Nothing to resend for {day}")
    base = params["work_dir"] or os.path.join(tempfile.gettempdir(), "sms-campaigns")
    path = Path(base) / DAG_ID / day / "resend.csv"
    write_numbers(path, numbers)
    # Sent at once: this send_at is past when the resend starts, and past_schedule="send_now" then keeps
    # expire_at the same distance from the actual send.
    now = pendulum.now("UTC")
    expire_at = None
    if hook.supports("expire_at"):
        expire_at = now.add(seconds=params["expire_after_s"]).isoformat()
    return {
        "to": str(path),
        "recipients": len(numbers),
        "client_reference": resend_reference(params["campaign"], day, "backfill"),
        "send_at": now.isoformat(),
        "expire_at": expire_at,
    }


with DAG(
    DAG_ID,
    description="Resend once to the failed or expired recipients of each day's campaign",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["example", "sms"],
    params={
        "sms_conn_id": Param(
            "sinch_default", type="string", description="A sinch or fonedynamics connection"
        ),
        "sender": Param("ACME", type="string", description="Sender id"),
        "campaign": Param("renewal", type="string", pattern="^[a-z][a-z0-9]{0,11}$"),
        "work_dir": Param("", type="string", description="Directory for the recipient files"),
        "expire_after_s": Param(4 * 3600, type="integer", minimum=1, description="(Sinch) delivery window"),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=float(os.environ.get("SMS_EXAMPLE_RETRY_DELAY_S", 30))),
    },
):
    failures = find_failures()
    failures >> PythonOperator(
        task_id="resend",
        python_callable=lambda **kwargs: kwargs,
        op_kwargs={
            "sms_conn_id": "{{ params.sms_conn_id }}",
            "to": "{{ " + FAILURES + "['to'] }}",
            "client_reference": "{{ " + FAILURES + "['client_reference'] }}",
            "send_at": "{{ " + FAILURES + "['send_at'] }}",
            "expire_at": "{{ " + FAILURES + "['expire_at'] or '' }}",
            "past_schedule": "send_now",
            "body": RESEND_BODY,
            "from_": "{{ params.sender }}",
        },
    )
