"""Leak scan: a DAG run at INFO leaves no secret and no full phone number anywhere Airflow keeps things.

The scanned run (``dags/reliability_leak_scan.py``) sends through a Sinch API-token, a Sinch OAuth2 and a
Fone Dynamics connection, previews a send, waits in two deferred sensors, fails one send on a bad number
and sends a failure alert. It runs in a child process with the worker log level at INFO. Then everything
it printed, every log file, and every row of the metadata DB (XCom, rendered template fields, the
``trigger`` table, task instances with their trigger events, the run, the audit log ...) is searched for
every secret (API token, OAuth access key secret, Fone Dynamics token, every OAuth access token the
sandbox issued) and for the subscriber digits of every recipient number.

A second test stores a deferred sensor that counts given recipients in the real ``trigger`` table and
scans the row; a third pins the documented limit: a list of numbers in ``to`` is stored as a rendered
template field.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.sandbox import sinch as sandbox_sinch
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.sensors.delivery_report import SmsDeliveryReportSensor
from airflow_provider_sms.triggers.batch import SmsBatchTrigger
from tests.airflow_env import AIRFLOW_HOME
from tests.e2e.harness import load_dag, run_dag
from tests.e2e.send_helpers import numbers, write_csv

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

HERE = Path(__file__).parent
DAG_FILE = HERE / "dags" / "reliability_leak_scan.py"
ROOT = HERE.parent.parent
#: Distinctive credentials, so that a hit can only be a leak.
CONFIG = SandboxConfig(
    port=0,
    delivery_delay=5.0,
    seed=11,
    sinch_api_token="leakscan-sinch-api-token-5e1f0c",
    sinch_key_secret="leakscan-oauth-key-secret-a93c77",
    fone_token="leakscan-fone-token-27bd41",
)
RECIPIENTS = numbers(6, start=58_293_000)
BAD_FILE_NUMBER = "+61458293105"
ON_CALL = "+61458293177"
#: Tables that hold the DAG's own source code, which is the author's and not written by the provider.
AUTHOR_TABLES = frozenset({"dag_code"})


@pytest.fixture(scope="module")
def leak_sandbox() -> Iterator[SandboxServer]:
    """A sandbox of its own, with the distinctive credentials."""
    with SandboxServer(CONFIG) as server:
        yield server


@pytest.fixture
def access_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every OAuth2 access token the sandbox issues during the test (the sandbox runs in this process)."""
    issued: list[str] = []
    real = sandbox_sinch.issue_access_token

    def recording(*args: Any, **kwargs: Any) -> dict[str, object]:
        token = real(*args, **kwargs)
        issued.append(str(token["access_token"]))
        return token

    monkeypatch.setattr(sandbox_sinch, "issue_access_token", recording)
    return issued


def use_connections(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(*connection_env("leak_sinch", sinch_connection(url, config=CONFIG)))
    oauth2 = sinch_connection(url, auth_type="oauth2", config=CONFIG)
    monkeypatch.setenv(*connection_env("leak_sinch_oauth2", oauth2))
    monkeypatch.setenv(*connection_env("leak_fone", fonedynamics_connection(url, config=CONFIG)))


def needles(tokens: list[str], phone_numbers: list[str]) -> dict[str, str]:
    """Return what must appear nowhere, by a label that does not reveal it.

    A number is searched by its subscriber digits (the last 9), which every form of it holds (``+61…``,
    ``61…`` as Sinch returns it, ``0…``) and no masked form does.
    """
    found = {
        "Sinch API token": CONFIG.sinch_api_token,
        "Sinch OAuth2 key secret": CONFIG.sinch_key_secret,
        "Fone Dynamics token": CONFIG.fone_token,
    }
    found.update({f"OAuth2 access token #{i}": token for i, token in enumerate(tokens)})
    found.update({f"number #{i} (…{n[-3:]})": n[-9:] for i, n in enumerate(phone_numbers)})
    return found


def hits(sources: dict[str, str], wanted: dict[str, str]) -> list[str]:
    return [
        f"{label} in {where}"
        for where, text in sources.items()
        for label, value in wanted.items()
        if value in text
    ]


def metadata_rows() -> dict[str, str]:
    """Return every table of the metadata DB as text, but the DAG authors' own source code."""
    database = AIRFLOW_HOME / "airflow.db"
    tables: dict[str, str] = {}
    with sqlite3.connect(database) as db:
        names = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
        for name in names:
            if name in AUTHOR_TABLES:
                continue
            rows = db.execute(f'select * from "{name}"').fetchall()  # noqa: S608 - names come from the DB
            tables[f"table {name}"] = "\n".join(
                repr(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
                for row in rows
                for value in row
            )
    return tables


def log_files() -> dict[str, str]:
    logs = AIRFLOW_HOME / "logs"
    return {f"log file {p}": p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file()}


def run_at_info(conf: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run the scan DAG in a child process whose worker logs at INFO; return its result and its output."""
    load_dag(DAG_FILE, "reliability_leak_scan")  # copies it to the dags folder; migrates the DB once
    env = {
        **os.environ,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "LEAK_SCAN_ON_CALL": ON_CALL,
        "PYTHONPATH": str(ROOT),
    }
    dag_file = str(Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]) / DAG_FILE.name)
    child = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tests.reliability.run_dag",
            dag_file,
            "reliability_leak_scan",
            json.dumps(conf),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = child.stdout + child.stderr
    assert child.returncode == 0, output[-4000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    return result, output


def task_states(run_id: str) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(AIRFLOW_HOME / "airflow.db") as db:
        rows = db.execute(
            "select task_id, state, try_number from task_instance where run_id = ?", (run_id,)
        ).fetchall()
    return {task_id: (state, tries) for task_id, state, tries in rows}


def test_a_dag_run_at_info_leaves_no_secret_and_no_full_number_anywhere(
    leak_sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    access_tokens: list[str],
) -> None:
    use_connections(monkeypatch, leak_sandbox.url)
    good = write_csv(tmp_path / "recipients.csv", RECIPIENTS)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"phone,name\n{RECIPIENTS[0]},Ada\n0{BAD_FILE_NUMBER[3:]},Bob\n")

    result, output = run_at_info({"recipients_csv": str(good), "bad_csv": str(bad)})

    states = task_states(result["run_id"])
    assert {task: state for task, (state, _) in states.items()} == {
        "send_sinch": "success",
        "send_sinch_oauth2": "success",
        "send_fone": "success",
        "preview_sinch": "success",
        "wait_sinch": "success",
        "wait_fone": "success",
        "send_bad_file": "failed",
    }
    sources = {"the run's output": output, **log_files(), **metadata_rows()}
    # The scan reads real data: INFO lines, the masked number of the failed send, both deferrals, results.
    assert "Sending through Sinch" in output
    assert "04582**105" in output
    triggers = sources["table trigger"]  # the session's other tests store triggers in the same DB
    assert (
        triggers.count('"sms_conn_id": "leak_sinch"'),
        triggers.count('"sms_conn_id": "leak_fone", "batch_ids": ["sms-send_fone-'),
    ) == (1, 1)
    assert str(good) in sources["table rendered_task_instance_fields"]
    assert '"recipients": 6' in sources["table xcom"] or "'recipients': 6" in sources["table xcom"]
    assert access_tokens, "the OAuth2 connection fetched no token"
    leak_sandbox.advance(600)  # the last sends (the alert among them) reach the handsets
    assert len(leak_sandbox.inbox(ON_CALL)) == 1
    assert [len(leak_sandbox.inbox(number)) for number in RECIPIENTS] == [3] * len(RECIPIENTS)

    assert hits(sources, needles(access_tokens, [*RECIPIENTS, BAD_FILE_NUMBER, ON_CALL])) == []


def test_a_deferred_sensor_counting_given_recipients_keeps_them_out_of_the_trigger_table(
    leak_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    load_dag(DAG_FILE, "reliability_leak_scan")  # the metadata DB exists
    use_connections(monkeypatch, leak_sandbox.url)
    sensor = SmsDeliveryReportSensor(
        task_id="wait",
        sms_conn_id="leak_fone",
        batch_id=send_fone_batch(RECIPIENTS),
        recipients=RECIPIENTS[:3],
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({"ti": mock.Mock()})  # type: ignore[arg-type]
    with create_session() as session:
        row = Trigger.from_object(deferred.value.trigger)
        session.add(row)
        session.flush()
        trigger_id = row.id
    with sqlite3.connect(AIRFLOW_HOME / "airflow.db") as db:
        (stored,) = db.execute("select kwargs from trigger where id = ?", (trigger_id,)).fetchone()

    assert hits({"the trigger row": stored}, needles([], RECIPIENTS)) == []
    assert "recipient_digests" in stored

    with create_session() as session:
        kwargs = session.get(Trigger, trigger_id).kwargs
    events = run_trigger(SmsBatchTrigger(**kwargs))
    assert [(e["status"], e["summary"]["succeeded"]) for e in events] == [("success", 3)]


def send_fone_batch(recipients: list[str]) -> str:
    from airflow_provider_sms.hooks.sms import SmsHook

    from_operator = SmsHook.for_connection("leak_fone")
    key = f"leak{time.time_ns()}"
    messages = [{"to": n, "text": "hi", "external_id": f"{key}.{i}"} for i, n in enumerate(recipients)]
    created = [m.created for m in from_operator.send_messages(messages) if getattr(m, "created", None)]
    return f"{key}@{min(created)}"


def run_trigger(trigger: SmsBatchTrigger) -> list[dict[str, Any]]:
    import asyncio

    async def collect() -> list[dict[str, Any]]:
        events: AsyncIterator[Any] = trigger.run()
        return [event.payload async for event in events]

    return asyncio.run(collect())


DOCUMENTED_LIMIT_DAG = HERE / "dags" / "reliability_numbers_in_to.py"


def test_numbers_given_as_a_list_in_to_are_stored_as_rendered_fields_as_documented(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env("leak_list", fonedynamics_connection(sandbox.url)))

    run = run_dag(DOCUMENTED_LIMIT_DAG, "reliability_numbers_in_to", conf={"to": RECIPIENTS[:2]})

    with sqlite3.connect(AIRFLOW_HOME / "airflow.db") as db:
        (rendered,) = db.execute(
            "select rendered_fields from rendered_task_instance_fields where run_id = ?", (run.run_id,)
        ).fetchone()
    # docs/security.md says so and advises a recipients file; this test notices when Airflow changes.
    assert RECIPIENTS[0] in rendered
