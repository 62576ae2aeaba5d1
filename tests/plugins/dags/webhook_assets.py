"""One DAG per SMS asset the webhook tests fill; each runs when an event of its asset arrives."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset, task

#: dag_id -> asset URI; kept in step with tests/plugins/conftest.py.
ASSETS = {
    "wh_sinch_inbound": "sms://sinch/61400000001/inbound",
    "wh_fone_inbound": "sms://fonedynamics/61480000001/inbound",
    "wh_sinch_deliveries": "sms://sinch/sms_wh_sinch/deliveries",
    "wh_signed_deliveries": "sms://sinch/sms_wh_signed/deliveries",
    "wh_fone_deliveries": "sms://fonedynamics/sms_wh_fone/deliveries",
}

for dag_id, uri in ASSETS.items():
    with DAG(dag_id, schedule=[Asset(uri)], start_date=datetime(2026, 1, 1), catchup=False):

        @task
        def read_events() -> None:
            """Nothing to do: the tests look at the queued runs."""

        read_events()
