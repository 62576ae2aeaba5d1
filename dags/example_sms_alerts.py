"""Page the on-call engineer by SMS when a critical task fails: ``SmsNotifier`` as a failure callback.

``publish_settlement`` checks that the day's settlement file arrived before it is published. If it is
missing, the task fails and its ``on_failure_callback`` sends one SMS, rendered with the failure's
context, to ``params.oncall``. The notifier validates the number, sender and text before sending, masks
the number in its log and sends each failure's alert once (its idempotency key comes from the task
instance and try).
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, get_current_context, task

from airflow_provider_sms.notifications.sms import SmsNotifier

ALERT = SmsNotifier(
    sms_conn_id="{{ params.sms_conn_id }}",
    to="{{ params.oncall }}",
    from_="Alerts",
    body="{{ dag.dag_id }}.{{ ti.task_id }} failed for {{ ds }} (try {{ ti.try_number }}): {{ exception }}",
)


@task(retries=0, on_failure_callback=ALERT)
def publish_settlement() -> str:
    """Fail if the day's settlement file is missing; return its path otherwise."""
    context = get_current_context()
    path = Path(context["params"]["settlement_dir"]) / f"settlement-{context['ds_nodash']}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"settlement file {path.name} has not arrived")
    return str(path)


with DAG(
    "example_sms_alerts",
    description="SMS the on-call engineer when the daily settlement cannot be published",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "sms"],
    params={
        "sms_conn_id": Param(
            "sinch_default", type="string", description="A sinch or fonedynamics connection"
        ),
        "oncall": Param("+61400000007", type="string", description="On-call number, E.164"),
        "settlement_dir": Param("/srv/settlements", type="string", description="Where settlement files land"),
    },
):
    publish_settlement()
