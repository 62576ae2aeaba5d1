"""``SmsReplySensor`` outside a DAG run, against the sandbox: argument checks, pokes, deferral, events."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from airflow_provider_sms.sensors.reply import SmsReplySensor
from airflow_provider_sms.triggers.inbound import SmsReplyTrigger
from airflow_provider_sms.version_compat import AirflowException, AirflowFailException, AirflowSensorTimeout

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
MANAGER, STRANGER = "+61400000002", "+61400000003"


@pytest.fixture
def conn(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    sinch = sinch_connection(sandbox.url)
    sinch["extra"]["default_from"] = OUR_NUMBER["sinch"]
    monkeypatch.setenv(*connection_env("reply_sinch", sinch))
    monkeypatch.setenv(*connection_env("reply_fone", fonedynamics_connection(sandbox.url)))
    return sandbox


def run_context(started: datetime) -> dict[str, Any]:
    return {"ti": mock.Mock(), "dag_run": mock.Mock(start_date=started)}


def sensor(vendor: str = "sinch", **kwargs: Any) -> SmsReplySensor:
    conn_id = "reply_sinch" if vendor == "sinch" else "reply_fone"
    to = {} if vendor == "sinch" else {"to_number": OUR_NUMBER[vendor]}
    return SmsReplySensor(task_id="wait", sms_conn_id=conn_id, **{"from_number": MANAGER, **to, **kwargs})


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_a_poke_returns_the_first_matching_reply_since_the_run_started(
    conn: SandboxServer, vendor: str
) -> None:
    conn.inject_inbound(vendor, sender=MANAGER, to=OUR_NUMBER[vendor], body="YES 1 (an earlier run)")
    started = datetime.now(timezone.utc) + timedelta(seconds=1)
    conn.advance(2)
    conn.inject_inbound(vendor, sender=MANAGER, to=OUR_NUMBER[vendor], body="later")
    conn.inject_inbound(vendor, sender=STRANGER, to=OUR_NUMBER[vendor], body="YES 2")
    conn.inject_inbound(vendor, sender=MANAGER, to=OUR_NUMBER[vendor], body="yes 4711")

    result = sensor(vendor, body_pattern=r"(?i)^yes\b").poke(run_context(started))

    assert (result.is_done, result.xcom_value) == (True, "yes 4711")


def test_no_reply_yet_waits_and_a_deferrable_sensor_defers_without_the_number(conn: SandboxServer) -> None:
    started = datetime.now(timezone.utc)

    waiting = sensor().poke(run_context(started))
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True, timeout=600, poke_interval=5).poke(run_context(started))

    trigger = deferred.value.trigger
    assert waiting.is_done is False
    assert isinstance(trigger, SmsReplyTrigger)
    assert deferred.value.method_name == "execute_complete"
    kwargs = trigger.serialize()[1]
    assert (kwargs["number"], kwargs["since"], kwargs["poll_interval"]) == (
        OUR_NUMBER["sinch"],
        started.isoformat(),
        5.0,
    )
    assert MANAGER not in json.dumps(kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"from_number": "0400 000 002"}, "from_number=0400 ****002: must be an E.164 number"),
        ({"to_number": "Acme Co"}, "to_number=*****Co: must be one of our numbers"),
        ({"body_pattern": "("}, "body_pattern='(': must be a valid regular expression"),
        ({"since": "yesterday"}, "since='yesterday': must be an ISO-8601 time"),
    ],
)
def test_bad_arguments_fail_without_retry_and_without_a_request(
    conn: SandboxServer, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(message)) as raised:
        sensor(**kwargs).execute(run_context(datetime.now(timezone.utc)))

    assert "0400 000 002" not in str(raised.value)
    assert ", no request was made: " in str(raised.value)
    assert conn.stats()["counters"].get("sinch.inbounds.listed", 0) == 0


def test_without_to_number_the_connection_needs_a_default_from(conn: SandboxServer) -> None:
    with pytest.raises(AirflowFailException, match="to_number=\\(missing\\): is required"):
        sensor("fonedynamics", to_number=None).execute(run_context(datetime.now(timezone.utc)))


def test_events_become_the_text_a_timeout_or_an_error() -> None:
    reply = {"id": "m1", "body": "YES", "received_at": "2026-11-27T10:00:00Z", "in_reply_to": None}
    wait = SmsReplySensor(task_id="wait", sms_conn_id="any", from_number=MANAGER)

    assert wait.execute_complete({}, {"status": "success", "message": "Reply m1", "reply": reply}) == "YES"
    with pytest.raises(AirflowSensorTimeout, match="No reply"):
        wait.execute_complete({}, {"status": "timeout", "message": "No reply"})
    with pytest.raises(AirflowFailException, match="bad"):
        wait.execute_complete({}, {"status": "error", "message": "bad", "fatal": True})
    with pytest.raises(AirflowException, match="flaky"):
        wait.execute_complete({}, {"status": "error", "message": "flaky", "fatal": False})
