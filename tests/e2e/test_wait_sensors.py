"""End to end in real Airflow (``dag.test()``) against the sandbox: send with the hook, wait with a sensor."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.sensors.batch import BatchWaitSensor
from airflow_provider_sms.triggers.batch import SmsBatchTrigger
from tests.e2e.harness import run_dag, task_states, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_wait_dags.py"
SINCH, FONE = "e2e_wait_sinch", "e2e_wait_fone"
DELIVERED = ["+61400000001", "+61400000002"]
FAILS = "+61400000013"
NO_RECEIPT = "+61400000099"


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Both vendors' connections pointing at the sandbox."""
    monkeypatch.setenv(*connection_env(SINCH, sinch_connection(sandbox.url)))
    monkeypatch.setenv(*connection_env(FONE, fonedynamics_connection(sandbox.url)))
    return sandbox


@pytest.fixture
def trigger_started() -> threading.Event:
    """Set when a trigger starts running."""
    return threading.Event()


def advance_when(event: threading.Event, sandbox: SandboxServer, seconds: float) -> None:
    """Move the sandbox clock forward once ``event`` is set."""
    if event.wait(timeout=60):
        sandbox.advance(seconds)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, trigger_started: threading.Event) -> dict[str, int]:
    """Count sensor pokes and trigger runs (the DAG runs in this process, on these very classes)."""
    counted = {"poke": 0, "trigger_run": 0, "execute_complete": 0}

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            if name == "trigger_run":
                trigger_started.set()
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(BatchWaitSensor, "poke", counting("poke", BatchWaitSensor.poke))
    monkeypatch.setattr(SmsBatchTrigger, "run", counting("trigger_run", SmsBatchTrigger.run))
    monkeypatch.setattr(
        BatchWaitSensor, "execute_complete", counting("execute_complete", BatchWaitSensor.execute_complete)
    )
    return counted


def task_events(run: Any, task_id: str) -> list[str]:
    """Return the audit-log events (running, deferred, success ...) of a task in a run, in order.

    ``dag.test()`` writes them on Airflow 3.2 and later; on 3.1 the list is empty.
    """
    from airflow.models import Log
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(Log).filter_by(run_id=run.run_id, task_id=task_id).order_by(Log.id).all()
        return [str(row.event) for row in rows]


def run_wait(dag_id: str, **conf: Any) -> Any:
    return run_dag(DAG_FILE, dag_id, conf=conf)


@pytest.mark.parametrize("conn_id", [SINCH, FONE])
def test_batch_sensor_deferred_waits_in_the_trigger_not_a_worker(
    connections: SandboxServer, calls: dict[str, int], trigger_started: threading.Event, conn_id: str
) -> None:
    # Scheduled an hour ahead, so the sensor's check before deferring finds it unfinished; the sandbox
    # clock jumps to the send time once the trigger runs.
    advancer = threading.Thread(target=advance_when, args=(trigger_started, connections, 3600), daemon=True)
    advancer.start()
    run = run_wait("e2e_wait_batch_deferred", conn_id=conn_id, recipients=[*DELIVERED, FAILS], send_in_s=3600)
    advancer.join(timeout=10)

    assert task_states(run) == {"send_batch": "success", "wait": "success"}
    # One poke, the check before deferring; then the worker is released until the trigger's event.
    assert calls == {"poke": 1, "trigger_run": 1, "execute_complete": 1}
    events = task_events(run, "wait")
    assert events == [] or events.index("running") < events.index("deferred") < events.index("success")
    summary = xcom_return(run, "wait")
    assert summary["total"] == 3
    assert summary["completed"] is True
    assert summary["expired"] is False
    assert summary["statuses"] == {"delivered": 2, "failed": 1}
    assert sum(summary["vendor_statuses"].values()) == 3


@pytest.mark.parametrize("conn_id", [SINCH, FONE])
def test_batch_sensor_poke_mode_pokes_and_never_defers(
    connections: SandboxServer, calls: dict[str, int], conn_id: str
) -> None:
    run = run_wait("e2e_wait_batch_poke", conn_id=conn_id, recipients=DELIVERED)

    assert task_states(run) == {"send_batch": "success", "wait": "success"}
    assert "deferred" not in task_events(run, "wait")
    assert calls["poke"] >= 1
    assert calls["trigger_run"] == calls["execute_complete"] == 0
    assert xcom_return(run, "wait")["statuses"] == {"delivered": 2}


def test_sinch_batch_with_a_number_that_never_gets_a_receipt_ends_expired(connections: SandboxServer) -> None:
    run = run_wait(
        "e2e_wait_batch_deferred", conn_id=SINCH, recipients=[DELIVERED[0], NO_RECEIPT], expire_in_s=2
    )

    assert task_states(run)["wait"] == "success"
    summary = xcom_return(run, "wait")
    assert summary["completed"] is True
    assert summary["expired"] is True
    assert summary["statuses"] == {"delivered": 1, "expired": 1}
    assert summary["vendor_statuses"] == {"Delivered": 1, "Expired": 1}


def test_fone_batch_with_a_number_that_never_gets_a_receipt_times_out_with_the_counts(
    connections: SandboxServer, capfd: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    run = run_wait("e2e_wait_batch_short_timeout", conn_id=FONE, recipients=[DELIVERED[0], NO_RECEIPT])

    assert task_states(run) == {"send_batch": "success", "wait": "failed"}
    assert time.monotonic() - started < 30
    logged = "".join(capfd.readouterr())
    assert "Timed out waiting for batch e2e" in logged
    assert "1 of 2 messages of batch e2e" in logged
    assert "delivered 1, sent 1" in logged


def test_delivery_report_sensor_succeeds_and_writes_the_report(
    connections: SandboxServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    run = run_wait("e2e_wait_delivery_deferred", conn_id=SINCH, recipients=DELIVERED, report_path=str(report))

    assert task_states(run) == {"send_batch": "success", "wait": "success"}
    result = xcom_return(run, "wait")
    assert result["succeeded"] == result["required"] == 2
    assert result["failed_recipients"] == []
    assert result["report_path"] == str(report)
    with report.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(row["recipient"] for row in rows) == DELIVERED
    assert {row["status"] for row in rows} == {"delivered"}


@pytest.mark.parametrize(
    ("dag_id", "conn_id"), [("e2e_wait_delivery_deferred", FONE), ("e2e_wait_delivery_poke", SINCH)]
)
def test_delivery_report_sensor_fails_fast_when_the_ratio_cannot_be_met(
    connections: SandboxServer, capfd: pytest.CaptureFixture[str], tmp_path: Path, dag_id: str, conn_id: str
) -> None:
    started = time.monotonic()
    run = run_wait(
        dag_id, conn_id=conn_id, recipients=[*DELIVERED, FAILS], report_path=str(tmp_path / "r.csv")
    )

    assert task_states(run) == {"send_batch": "success", "wait": "failed"}
    assert time.monotonic() - started < 30, "the sensor has a 60 s timeout: it must fail long before"
    logged = "".join(capfd.readouterr())
    assert "Delivery condition can no longer be met" in logged
    assert "1 of 3 messages ended without reaching delivered" in logged
    assert FAILS not in logged
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel).filter_by(run_id=run.run_id, task_id="wait", key="delivery_report").one()
        )
        result = XComModel.deserialize_value(row)
    assert result["failed_recipients_total"] == 1
    assert result["failed_recipients"][0]["recipient"] == "+6140****013"
    assert result["failed_recipients"][0]["status"] == "failed"
