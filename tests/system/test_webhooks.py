"""The webhook receiver in a real deployment: ``airflow api-server`` with two worker processes on PostgreSQL,
the scheduler and the dag processor, and the sandbox as a separate process calling back.

Copies of one callback race each other in two API server processes, so only the database's row lock
(``SELECT ... FOR UPDATE`` on the asset) keeps them to one asset event; the scheduler then makes one
asset-triggered run of the DAG scheduled on the asset.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from airflow_provider_sms.plugins.webhooks import URL_PREFIX
from airflow_provider_sms.sandbox.testing import connection_env, sinch_connection
from tests.system.conftest import report
from tests.system.deployment import AirflowDeployment
from tests.system.servers import SandboxProcess, wait_until

pytestmark = pytest.mark.system

DAGS = Path(__file__).parents[1] / "plugins" / "dags"
CONN_ID = "sms_wh_sinch"
ASSET = "sms://sinch/61400000001/inbound"
HANDSET = "+61488023555"
JSON = {"Content-Type": "application/json"}


def asset_events(deployment: AirflowDeployment) -> list[dict[str, object]]:
    rows = deployment.query(
        "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.uri = %s ORDER BY e.id",
        (ASSET,),
    )
    return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]


def asset_triggered_runs(deployment: AirflowDeployment) -> list[tuple[str, str]]:
    rows = deployment.query(
        "SELECT run_type, state FROM dag_run WHERE dag_id = 'wh_sinch_inbound' ORDER BY id",
    )
    return [(str(run_type), str(state)) for run_type, state in rows]


def assert_waits_for_the_asset_row_lock(
    deployment: AirflowDeployment, post_copy: Callable[[], requests.Response]
) -> None:
    """Hold the asset's row lock for 8 s while a copy is posted: its answer must come after the release."""
    import psycopg2

    def timed_post() -> tuple[requests.Response, float]:
        answer = post_copy()
        return answer, time.monotonic()

    holder = psycopg2.connect(deployment.database_url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM asset WHERE uri = %s FOR UPDATE", (ASSET,))
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(timed_post)
            time.sleep(8)
            released_at = time.monotonic()
            holder.rollback()
            answer, answered_at = pending.result(timeout=60)
    finally:
        holder.close()
    assert answered_at > released_at, "the receiver answered while another transaction held the asset's lock"
    assert (answer.status_code, answer.json()["status"]) == (200, "duplicate")


def test_copies_racing_in_two_api_server_processes_make_one_event_and_one_run(
    deploy: Callable[..., AirflowDeployment], start_sandbox: Callable[..., SandboxProcess]
) -> None:
    sandbox = start_sandbox()
    url_secret = secrets.token_urlsafe(24)
    conn = sinch_connection(sandbox.url)
    conn["extra"]["webhook_secret"] = url_secret
    deployment = deploy(
        "LocalExecutor",
        sandbox.url,
        {
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            **dict([connection_env(CONN_ID, conn)]),
        },
    )
    deployment.start_core()
    deployment.wait_for_dags(["wh_sinch_inbound"])
    target = f"{deployment.api_url}{URL_PREFIX}/sinch/{CONN_ID}/{url_secret}"

    # The sandbox sends its callback five times at once; the test adds eight more copies of the same body.
    requests.put(f"{sandbox.url}/_sandbox/sinch/callbacks", json={"callback_url": target}, timeout=10)
    requests.put(f"{sandbox.url}/_sandbox/callbacks", json={"repeat": 5}, timeout=10).raise_for_status()
    injected = requests.post(
        f"{sandbox.url}/_sandbox/inbound",
        json={"vendor": "sinch", "from": HANDSET, "to": "+61400000001", "body": "STOP"},
        timeout=10,
    )
    injected.raise_for_status()
    body = json.dumps(injected.json()["inbound"]).encode()
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: requests.post(target, data=body, headers=JSON, timeout=60),
                range(8),
            )
        )

    def callbacks_answered() -> bool:
        records = requests.get(f"{sandbox.url}/_sandbox/callbacks", timeout=10).json()["callbacks"]
        return len(records) == 5 and all(r["state"] == "delivered" for r in records)

    wait_until(callbacks_answered, 60, "the sandbox's five callbacks delivered")
    assert [a.status_code for a in answers] == [200] * 8
    (event,) = asset_events(deployment)
    assert event["from_trigger"] is True
    assert event["payload"]["id"] == injected.json()["id"]  # type: ignore[index]

    # The receiver takes the asset's row lock: while another transaction holds it, a copy waits.
    assert_waits_for_the_asset_row_lock(
        deployment, lambda: requests.post(target, data=body, headers=JSON, timeout=60)
    )

    wait_until(lambda: bool(asset_triggered_runs(deployment)), 120, "the scheduler's asset-triggered run")
    runs = asset_triggered_runs(deployment)
    assert [run_type for run_type, _ in runs] == ["asset_triggered"]
    refused = requests.post(target.replace(url_secret, "z" * 32), data=body, timeout=10)
    assert refused.status_code == 403
    api_log = (deployment.home / "api-server.out").read_text(errors="replace")
    assert url_secret not in api_log
    report("webhooks", copies=13, asset_events=1, runs=len(runs))
