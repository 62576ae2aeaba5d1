"""A daily SMS campaign: a renewal offer to the customers whose plan lapsed on the day, with either vendor.

Each run covers one data interval (a day):

1. ``load_audience``: the rows of ``data/audience.csv`` (or ``params.audience_file``) lapsed in the interval,
   but for numbers in the opt-out file (those that answered STOP: ``example_sms_inbound_stop``), split
   into one file per segment; only paths and counts go to XCom. On a day with nobody due it skips,
   and so does every task after it but ``publish_summary``, whose summary says so: the run succeeds.
2. ``preview``: a dry run of the whole day's send; over ``params.max_parts`` SMS parts the run stops
   here, before anything is sent.
3. ``plan_sends``: one send per segment, scheduled at the next ``params.send_time`` (in
   ``params.timezone``) after the interval ends; a backfilled day, whose time has passed, sends at once.
4. ``send``: ``SmsSendOperator`` mapped over the segments, so a large campaign spreads across workers.
   Keys are ``<campaign>-<yyyymmdd>-s-<segment>-...``: retries and re-runs send nothing twice, and the
   backfill-driven resend DAG finds the day's batches by them.
5. ``wait_for_receipts``: the deferrable ``SmsBatchSensor`` per segment waits, off the workers, until every
   message is final, for at most ``SMS_EXAMPLE_RECEIPT_TIMEOUT_S`` seconds; a segment still waiting then
   is skipped (``soft_fail``) and its unfinished messages are reported as pending.
6. ``collect_failures`` and ``resend``: recipients whose message failed or expired get one more try.
7. ``wait_for_resend_receipts`` and ``publish_summary``: counts per status, per segment and for the
   resends, written to ``<work_dir>/example_sms_campaign/<yyyymmdd>/summary.json`` and returned;
   ``nobody_due`` is true (and ``note`` says so) on a day with nobody due.

``work_dir`` holds recipient files between tasks: with several workers it must be shared storage. A task
that finds the file an earlier task wrote missing fails at once, saying so (``sms_campaign_support/storage``).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable
from sms_campaign_support.airflow_compat import AirflowSkipException
from sms_campaign_support.audience import split_audience, write_numbers
from sms_campaign_support.opt_out import opt_out_path, read_opt_outs
from sms_campaign_support.references import resend_reference, send_reference
from sms_campaign_support.storage import require_recipients_file
from sms_campaign_support.summary import build_summary, write_summary

from airflow_provider_sms.operators.dry_run import SmsDryRunOperator
from airflow_provider_sms.operators.send import SmsSendOperator
from airflow_provider_sms.sensors.batch import SmsBatchSensor

DAG_ID = "example_sms_campaign"
DEFAULT_AUDIENCE = Path(__file__).parent / "data" / "audience.csv"
#: How long to wait for delivery receipts, and how often to look (the demo and tests shorten both).
RECEIPT_TIMEOUT_S = float(os.environ.get("SMS_EXAMPLE_RECEIPT_TIMEOUT_S", 6 * 3600))
POLL_INTERVAL_S = float(os.environ.get("SMS_EXAMPLE_POLL_INTERVAL_S", 60))

BODY = "Hi ${name}, your ACME plan lapsed on {{ data_interval_start | ds }}. Renew at acme.example/renew"
RESEND_BODY = "ACME: your plan lapsed on {{ data_interval_start | ds }}. Renew at acme.example/renew"
CONN_ID = "{{ params.sms_conn_id }}"
SENDER = "{{ params.sender }}"


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
    opted_out = read_opt_outs(opt_out_path())
    audience = split_audience(source, start.date(), end.date(), run_dir(params, day_of(context)), opted_out)
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
    if audience is None:  # load_audience skipped: nobody was due, so nothing was sent
        raise AirflowSkipException("Nobody was due: nothing was sent, so nothing failed")
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
    audience: dict[str, Any] | None,
    plans: list[dict[str, Any]] | None,
    sends: list[Any] | None,
    resends: list[Any] | None,
) -> dict[str, Any]:
    """Count the messages per status, per segment and for the resends; write and return the summary.

    On a day with nobody due (``load_audience`` skipped) the summary has no recipients, ``nobody_due`` is
    true and ``note`` says so.
    """
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
    if audience is None:
        summary = build_summary(hook, header, [], [], [])
        summary["note"] = f"Nobody was due between {start.date()} and {end.date()}; nothing was sent"
    else:
        summary = build_summary(hook, header, audience["segments"], list(sends or []), list(resends or []))
    summary["nobody_due"] = audience is None
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
    preview = SmsDryRunOperator(
        task_id="preview",
        sms_conn_id=CONN_ID,
        to="{{ ti.xcom_pull(task_ids='load_audience')['audience'] }}",
        body=BODY,
        from_=SENDER,
        max_parts="{{ params.max_parts }}",
        pre_execute=require_recipients_file,
    )
    plans = plan_sends(audience)
    audience >> preview >> plans
    send = SmsSendOperator.partial(
        task_id="send",
        sms_conn_id=CONN_ID,
        body=BODY,
        from_=SENDER,
        past_schedule="send_now",
        pre_execute=require_recipients_file,
    ).expand_kwargs(plans)
    wait = SmsBatchSensor.partial(
        task_id="wait_for_receipts",
        sms_conn_id=CONN_ID,
        deferrable=True,
        poke_interval=POLL_INTERVAL_S,
        timeout=RECEIPT_TIMEOUT_S,
        soft_fail=True,
    ).expand(batch_id=send.output)
    failures = collect_failures(audience, send.output)
    wait >> failures
    resend = SmsSendOperator.partial(
        task_id="resend",
        sms_conn_id=CONN_ID,
        body=RESEND_BODY,
        from_=SENDER,
        past_schedule="send_now",
        pre_execute=require_recipients_file,
    ).expand_kwargs(failures)
    wait_resend = SmsBatchSensor.partial(
        task_id="wait_for_resend_receipts",
        sms_conn_id=CONN_ID,
        deferrable=True,
        poke_interval=POLL_INTERVAL_S,
        timeout=RECEIPT_TIMEOUT_S,
        soft_fail=True,
    ).expand(batch_id=resend.output)
    summary = publish_summary(audience, plans, send.output, resend.output)
    wait_resend >> summary
