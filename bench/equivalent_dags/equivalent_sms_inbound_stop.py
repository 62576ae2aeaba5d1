"""``example_sms_inbound_stop`` with a standard event trigger for ``SmsInboundTrigger``: the yardstick.

Same asset (its URI built by hand), watcher, task, schedule and helper imports; ``FileDeleteTrigger`` (the
standard provider's event trigger) stands in for ``SmsInboundTrigger``. Never run: only parsed by
``bench/parse_time.py``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pendulum
from airflow.providers.standard.triggers.file import FileDeleteTrigger
from airflow.sdk import DAG, Asset, AssetWatcher, get_current_context, task
from sms_campaign_support.opt_out import add_opt_outs, is_stop, opt_out_path

DAG_ID = "equivalent_sms_inbound_stop"
VENDOR = os.environ.get("SMS_EXAMPLE_INBOUND_VENDOR", "sinch")
NUMBER = os.environ.get("SMS_EXAMPLE_INBOUND_NUMBER", "+61400000100")
CONN_ID = os.environ.get("SMS_EXAMPLE_INBOUND_CONN_ID", "sinch_default")
POLL_INTERVAL_S = float(os.environ.get("SMS_EXAMPLE_POLL_INTERVAL_S", 60))

inbound_sms = Asset(
    f"sms://{VENDOR}/{NUMBER.lstrip('+')}/inbound",
    watchers=[
        AssetWatcher(
            name="sms_inbound_to_our_number",
            trigger=FileDeleteTrigger(
                filepath=os.path.join(tempfile.gettempdir(), f"{CONN_ID}-inbound"),
                poke_interval=POLL_INTERVAL_S,
            ),
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
