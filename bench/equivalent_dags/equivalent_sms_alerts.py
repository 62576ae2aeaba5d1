"""``example_sms_alerts`` with a plain failure callback in place of ``SmsNotifier``: the parse-time yardstick.

Same task, params and templated text; never run, only parsed by ``bench/parse_time.py``.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, BaseNotifier, Param, get_current_context, task


class Alert(BaseNotifier):
    """A notifier with the same templated fields as ``SmsNotifier``; never run."""

    template_fields = ("sms_conn_id", "to", "from_", "body")

    def __init__(self, *, sms_conn_id: str, to: str, from_: str, body: str) -> None:
        super().__init__()
        self.sms_conn_id, self.to, self.from_, self.body = sms_conn_id, to, from_, body

    def notify(self, context: object) -> None:
        """Send nothing."""


ALERT = Alert(
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
    "equivalent_sms_alerts",
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
