"""Opt-outs by SMS: a DAG scheduled on inbound messages to our number: STOP opts the sender out.

``SmsInboundTrigger`` watches the number from Airflow's triggerer (an ``AssetWatcher``): each message a
handset sends to it becomes one asset event of ``sms://<vendor>/<number>/inbound``, whose ``extra["payload"]``
holds ``from``, ``to``, ``body``, ``received_at`` and the vendor's ``id``. The webhook receiver makes the same
events, so this DAG does not care which path delivered them. Each run gets the events that triggered it:

* ``record_opt_outs``: every sender whose text is ``STOP`` (any case, blanks trimmed) is appended to the
  opt-out file once (``sms_campaign_support/opt_out.py`` says where it is); ``example_sms_campaign`` leaves
  those numbers out. Only counts go to XCom, never numbers.

Set ``SMS_EXAMPLE_INBOUND_VENDOR`` (``sinch`` or ``fonedynamics``), ``SMS_EXAMPLE_INBOUND_NUMBER`` (our
number, E.164) and ``SMS_EXAMPLE_INBOUND_CONN_ID`` before the DAG is parsed: a watcher's arguments are fixed
when the DAG is parsed, and the trigger keeps its place in an Airflow Variable across triggerer restarts.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, AssetWatcher, get_current_context, task
from sms_campaign_support.opt_out import add_opt_outs, is_stop, opt_out_path

from airflow_provider_sms.models.inbound import inbound_asset_uri
from airflow_provider_sms.triggers.inbound import SmsInboundTrigger

DAG_ID = "example_sms_inbound_stop"
VENDOR = os.environ.get("SMS_EXAMPLE_INBOUND_VENDOR", "sinch")
NUMBER = os.environ.get("SMS_EXAMPLE_INBOUND_NUMBER", "+61400000100")
CONN_ID = os.environ.get("SMS_EXAMPLE_INBOUND_CONN_ID", "sinch_default")
POLL_INTERVAL_S = float(os.environ.get("SMS_EXAMPLE_POLL_INTERVAL_S", 60))

inbound_sms = Asset(
    inbound_asset_uri(VENDOR, NUMBER),
    watchers=[
        AssetWatcher(
            name="sms_inbound_to_our_number",
            trigger=SmsInboundTrigger(sms_conn_id=CONN_ID, number=NUMBER, poll_interval=POLL_INTERVAL_S),
        )
    ],
)


@task
def record_opt_outs() -> dict[str, Any]:
    """Append the sender of each STOP among the triggering messages to the opt-out file; return counts."""
    events = get_current_context()["triggering_asset_events"][inbound_sms]
    payloads = [event.extra.get("payload") or {} for event in events]
    stops = [
        payload["from"]
        for payload in payloads
        if payload.get("kind") == "inbound" and is_stop(payload.get("body"))
    ]
    added = add_opt_outs(opt_out_path(), stops)
    return {"messages": len(payloads), "stops": len(stops), "opted_out": len(added)}


with DAG(
    DAG_ID,
    description="Inbound SMS to our number: STOP opts the sender out of the example campaign",
    schedule=[inbound_sms],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["example", "sms"],
):
    record_opt_outs()
