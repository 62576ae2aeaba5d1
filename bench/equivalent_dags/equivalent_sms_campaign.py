"""``example_sms_campaign`` with standard operators in place of the provider's: the parse-time yardstick.

Same tasks, dependencies, mapping, templates, params and helper imports; ``PythonOperator`` stands in for
``SmsDryRunOperator`` and ``SmsSendOperator``, ``PythonSensor`` for ``SmsBatchSensor``. Never run: only
parsed by ``bench/parse_time.py``.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG, Param, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from sms_campaign_support.airflow_compat import AirflowSkipException
from sms_campaign_support.audience import split_audience, write_numbers
from sms_campaign_support.references import resend_reference, send_reference
from sms_campaign_support.summary import build_summary, write_summary

DAG_ID = "equivalent_sms_campaign"
DEFAULT_AUDIENCE = Path(__file__).parent / "data" / "audience.csv"
#: How long to wait for delivery receipts, and how often to look (the demo and tests shorten both).
RECEIPT_TIMEOUT_S = float(os.environ.get("SMS_EXAMPLE_RECEIPT_TIMEOUT_S", 6 * 3600))
POLL_INTERVAL_S = float(os.environ.get("SMS_EXAMPLE_POLL_INTERVAL_S", 60))

BODY = "Hi ${name}, your ACME plan lapsed on {{ data_interval_start | ds }}. Renew at acme.example/renew"
RESEND_BODY = "ACME: your plan lapsed on {{ data_interval_start | ds }}. Renew at acme.example/renew"
CONN_ID = "{{ params.sms_conn_id }}"
SENDER = "{{ params.sender }}"


def stand_in(**kwargs: Any) -> dict[str, Any]:
    """What a provider operator would return; never run."""
    return {"batch_ids": [], **kwargs}


def stand_in_sensor(**kwargs: Any) -> bool:
    """What a provider sensor would poke; never run."""
    return True


def run_dir(params: dict[str, Any], day: str) -> Path:
    """Return the run's directory for recipient files and the summary.

    :param params: The run's params.
    :param day: The day the run covers, ``YYYYMMDD`` (:func:`day_of`).
    """
    base = params["work_dir"] or os.path.join(tempfile.gettempdir(), "sms-campaigns")
    return Path(base) / DAG_ID / day


def day_of(context: Any) -> str:
    """Return the day the run covers, ``YYYYMMDD``: the start of its data interval.

    :param context: The task's context.
    """
    start = context["data_interval_start"]
    assert start is not None, "the campaign needs a data interval"
    return str(start.strftime("%Y%m%d"))


def send_time(interval_end: datetime, local_time: str, tz: str) -> pendulum.DateTime:
    """Return the first ``local_time`` (``HH:MM`` in ``tz``) at or after the end of the interval.

    :param interval_end: The end of the data interval.
    :param local_time: The time of day to send.
    :param tz: The recipients' time zone.
    """
    hour, _, minute = local_time.partition(":")
    end = pendulum.instance(interval_end).in_timezone(tz)
    at = end.set(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    return at if at >= end else at.add(days=1)


@task
def load_audience() -> dict[str, Any]:
    """Split the interval's recipients into one file per segment; skip the run if nobody is due."""
    context = get_current_context()
    params = context["params"]
    source = Path(params["audience_file"]) if params["audience_file"] else DEFAULT_AUDIENCE
    start, end = context["data_interval_start"], context["data_interval_end"]
    assert start is not None
    assert end is not None
    audience = split_audience(source, start.date(), end.date(), run_dir(params, day_of(context)))
    if not audience["recipients"]:
        raise AirflowSkipException(f"Nobody in {source.name} lapsed between {start.date()} and {end.date()}")
    return audience


@task
def plan_sends(audience: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one ``SmsSendOperator`` argument set per segment: its file, key prefix and schedule."""
    context = get_current_context()
    params = context["params"]
    end = context["data_interval_end"]
    assert end is not None
    send_at = send_time(end, params["send_time"], params["timezone"])
    from airflow_provider_sms.hooks.sms import SmsHook

    expires = SmsHook.for_connection(params["sms_conn_id"]).supports("expire_at")
    expire_at = send_at + timedelta(seconds=params["expire_after_s"]) if expires else None
    return [
        {
            "to": segment["path"],
            "client_reference": send_reference(params["campaign"], day_of(context), segment["segment"]),
            "send_at": send_at.isoformat(),
            "expire_at": expire_at.isoformat() if expire_at else None,
        }
        for segment in audience["segments"]
    ]


@task(trigger_rule="none_failed")
def collect_failures(audience: dict[str, Any], sends: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write each segment's failed or expired recipients to a file; return one resend per such segment."""
    context = get_current_context()
    params = context["params"]
    if not params["resend"]:
        return []
    from airflow_provider_sms.hooks.sms import SmsHook

    hook = SmsHook.for_connection(params["sms_conn_id"])
    expires = hook.supports("expire_at")
    resends = []
    for segment, sent in zip(audience["segments"], sends, strict=True):
        numbers = hook.failed_recipients(sent["batch_ids"])
        if not numbers:
            continue
        path = run_dir(params, day_of(context)) / f"resend-{segment['segment']}.csv"
        write_numbers(path, numbers)
        # Sent at once: a send_at of now is past when the resend starts, and past_schedule="send_now" then
        # keeps expire_at the same distance from the actual send.
        now = pendulum.now("UTC")
        expire_at = now.add(seconds=params["expire_after_s"]) if expires else None
        resends.append(
            {
                "to": str(path),
                "client_reference": resend_reference(params["campaign"], day_of(context), segment["segment"]),
                "send_at": now.isoformat(),
                "expire_at": expire_at.isoformat() if expire_at else None,
            }
        )
    return resends


@task(trigger_rule="none_failed")
def publish_summary(
    audience: dict[str, Any], plans: list[dict[str, Any]], sends: list[Any], resends: list[Any]
) -> dict[str, Any]:
    """Count the messages per status, per segment and for the resends; write and return the summary."""
    from airflow_provider_sms.hooks.sms import SmsHook

    context = get_current_context()
    params = context["params"]
    hook = SmsHook.for_connection(params["sms_conn_id"])
    start, end = context["data_interval_start"], context["data_interval_end"]
    assert start is not None
    assert end is not None
    header = {
        "campaign": params["campaign"],
        "vendor": hook.vendor,
        "interval": [start.isoformat(), end.isoformat()],
        "send_at": plans[0]["send_at"] if plans else None,
    }
    summary = build_summary(hook, header, audience["segments"], list(sends), list(resends or []))
    path = write_summary(run_dir(params, day_of(context)), summary)
    return {**summary, "summary_path": str(path)}


with DAG(
    DAG_ID,
    description="Daily renewal offers: dry run with a budget, scheduled send per segment, one resend",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["example", "sms"],
    params={
        "sms_conn_id": Param(
            "sinch_default", type="string", description="A sinch or fonedynamics connection"
        ),
        "sender": Param("ACME", type="string", description="Sender id"),
        "campaign": Param("renewal", type="string", pattern="^[a-z][a-z0-9]{0,11}$"),
        "audience_file": Param("", type="string", description="Audience CSV; empty: dags/data/audience.csv"),
        "work_dir": Param(
            "", type="string", description="Shared directory for recipient files and summaries"
        ),
        "max_parts": Param(500, type="integer", minimum=1, description="Most SMS parts the day may cost"),
        "send_time": Param("09:00", type="string", pattern="^[0-2][0-9]:[0-5][0-9]$"),
        "timezone": Param("Australia/Sydney", type="string"),
        "expire_after_s": Param(4 * 3600, type="integer", minimum=1, description="(Sinch) delivery window"),
        "resend": Param(True, type="boolean", description="Resend once to failed or expired recipients"),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=float(os.environ.get("SMS_EXAMPLE_RETRY_DELAY_S", 30))),
    },
):
    audience = load_audience()
    preview = PythonOperator(
        task_id="preview",
        python_callable=stand_in,
        op_kwargs={
            "sms_conn_id": CONN_ID,
            "to": "{{ ti.xcom_pull(task_ids='load_audience')['audience'] }}",
            "body": BODY,
            "from_": SENDER,
            "max_parts": "{{ params.max_parts }}",
        },
    )
    plans = plan_sends(audience)
    audience >> preview >> plans
    send = PythonOperator.partial(
        task_id="send", python_callable=stand_in, templates_dict={"body": BODY, "from_": SENDER}
    ).expand(op_kwargs=plans)
    wait = PythonSensor.partial(
        task_id="wait_for_receipts",
        python_callable=stand_in_sensor,
        mode="reschedule",
        poke_interval=POLL_INTERVAL_S,
        timeout=RECEIPT_TIMEOUT_S,
        soft_fail=True,
    ).expand(op_kwargs=send.output)
    failures = collect_failures(audience, send.output)
    wait >> failures
    resend = PythonOperator.partial(
        task_id="resend", python_callable=stand_in, templates_dict={"body": RESEND_BODY, "from_": SENDER}
    ).expand(op_kwargs=failures)
    wait_resend = PythonSensor.partial(
        task_id="wait_for_resend_receipts",
        python_callable=stand_in_sensor,
        mode="reschedule",
        poke_interval=POLL_INTERVAL_S,
        timeout=RECEIPT_TIMEOUT_S,
        soft_fail=True,
    ).expand(op_kwargs=resend.output)
    summary = publish_summary(audience, plans, send.output, resend.output)
    wait_resend >> summary
