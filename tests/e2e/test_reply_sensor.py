"""``SmsReplySensor`` in real Airflow (``dag.test()``) against the sandbox: a reply releases it either way."""

from __future__ import annotations

import threading
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
from airflow_provider_sms.sensors.reply import SmsReplySensor
from airflow_provider_sms.triggers.inbound import SmsReplyTrigger
from tests.e2e.harness import run_dag, task_states, tries, xcom_return

DAG_FILE = Path(__file__).parent / "dags" / "e2e_reply_sensor.py"
CONN = {"sinch": "e2e_reply_sinch", "fonedynamics": "e2e_reply_fone"}
OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
MANAGER, STRANGER = "+61400000002", "+61400000003"


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    monkeypatch.setenv(*connection_env(CONN["sinch"], sinch_connection(sandbox.url)))
    monkeypatch.setenv(*connection_env(CONN["fonedynamics"], fonedynamics_connection(sandbox.url)))
    return sandbox


@pytest.fixture
def waiting(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Count pokes and trigger runs; ``started`` is set once the sensor is waiting either way."""
    seen: dict[str, Any] = {"poke": 0, "trigger_run": 0, "started": threading.Event()}

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen[name] += 1
            result = original(*args, **kwargs)
            if name == "trigger_run" or getattr(result, "is_done", True) is False:
                seen["started"].set()
            return result

        return wrapper

    monkeypatch.setattr(SmsReplySensor, "poke", counting("poke", SmsReplySensor.poke))
    monkeypatch.setattr(SmsReplyTrigger, "run", counting("trigger_run", SmsReplyTrigger.run))
    return seen


def reply_when_waiting(sandbox: SandboxServer, vendor: str, started: threading.Event) -> threading.Thread:
    """Once the sensor waits: a stranger says YES, the manager says something else, then YES with a code."""

    def reply() -> None:
        if started.wait(timeout=60):
            for sender, body in ((STRANGER, "YES 1"), (MANAGER, "what is this?"), (MANAGER, "yes 4711")):
                sandbox.inject_inbound(vendor, sender=sender, to=OUR_NUMBER[vendor], body=body)

    thread = threading.Thread(target=reply, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
@pytest.mark.parametrize("dag_id", ["e2e_reply_deferred", "e2e_reply_poke"])
def test_a_reply_releases_the_sensor_with_its_text(
    connections: SandboxServer, waiting: dict[str, Any], vendor: str, dag_id: str
) -> None:
    replier = reply_when_waiting(connections, vendor, waiting["started"])

    run = run_dag(
        DAG_FILE,
        dag_id,
        conf={
            "conn_id": CONN[vendor],
            "from_number": MANAGER,
            "to_number": OUR_NUMBER[vendor],
            "pattern": r"(?i)^\s*yes\b",
        },
    )
    replier.join(timeout=10)

    assert task_states(run) == {"wait_for_reply": "success", "approved": "success"}
    assert xcom_return(run, "wait_for_reply") == "yes 4711"
    assert xcom_return(run, "approved") == {"code": "4711"}
    assert tries(run, "wait_for_reply") == 1
    if dag_id == "e2e_reply_deferred":
        assert (waiting["poke"], waiting["trigger_run"]) == (1, 1)
    else:
        assert waiting["poke"] >= 2
        assert waiting["trigger_run"] == 0
