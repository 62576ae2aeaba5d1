"""A reply releases the deferred ``SmsReplySensor`` in a real deployment: ``example_sms_approval`` end to end.

The scheduler runs the example DAG (LocalExecutor, PostgreSQL, Sinch); its ``ask_manager`` texts the
manager, whose sandbox inbox gives the test the run's code. ``wait_for_reply`` defers to
``SmsReplyTrigger``, which runs in the separate ``airflow triggerer`` process. Replies that must not count
(another sender with the right code, the manager with another code) reach our number while the trigger
polls, and the sensor stays deferred; the manager's ``Yes <code>`` releases it, and the campaign goes to
every recipient of ``dags/data/launch_list.csv`` but the one in the opt-out file, once each.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.system.conftest import CONN_ID, report
from tests.system.deployment import DAGS_FOLDER, RUN_DONE, AirflowDeployment
from tests.system.servers import SandboxProcess, wait_until

pytestmark = pytest.mark.system

DAG_ID = "example_sms_approval"
SENSOR = "wait_for_reply"
VENDOR = "sinch"
OUR_NUMBER, MANAGER, STRANGER = "+61400000100", "+61400000007", "+61400000003"
ASKED = re.compile(r"to (\d+) people\? Reply YES (\d{4}) \(or NO \2 to cancel\)$")
CAMPAIGN = "Hi {name}, ACME's spring range is in store from today. Reply STOP to opt out"
#: Seconds between the trigger's polls.
POLL_INTERVAL_S = 1
#: Polls the trigger makes after the replies that must not count, before the one that does.
POLLS_WHILE_IGNORING = 3


def launch_list() -> dict[str, str]:
    """Return ``{phone: name}`` of the example's recipients file."""
    with (DAGS_FOLDER / "data" / "launch_list.csv").open(newline="", encoding="utf-8") as handle:
        return {row["phone"]: row["name"] for row in csv.DictReader(handle)}


def inbox(sandbox: SandboxProcess, number: str) -> list[str]:
    """Return the texts a handset received (``GET /_sandbox/inbox/{msisdn}``)."""
    answer = requests.get(f"{sandbox.url}/_sandbox/inbox/{number.lstrip('+')}", timeout=10)
    answer.raise_for_status()
    return [str(message["body"]) for message in answer.json()["messages"]]


def vendor_requests(sandbox: SandboxProcess) -> int:
    """Return how many vendor API requests the sandbox has answered (each poll of the trigger is one)."""
    return int(sandbox.stats()["counters"].get("vendor_requests", 0))


def sensor_row(airflow: AirflowDeployment) -> dict[str, Any] | None:
    """Return the sensor's task instance: state, try, and its trigger row (id, class, kwargs, triggerer)."""
    rows = airflow.query(
        "SELECT ti.state, ti.try_number, t.id, t.classpath, t.kwargs, t.triggerer_id FROM task_instance ti "
        "LEFT JOIN trigger t ON t.id = ti.trigger_id WHERE ti.dag_id = %s AND ti.task_id = %s",
        (DAG_ID, SENSOR),
    )
    if not rows:
        return None
    state, try_number, trigger_id, classpath, kwargs, triggerer_id = rows[0]
    return {
        "state": state,
        "try_number": try_number,
        "trigger_id": trigger_id,
        "classpath": classpath,
        "kwargs": kwargs,
        "triggerer_id": triggerer_id,
    }


def decrypt_kwargs(airflow: AirflowDeployment, stored: str) -> str:
    """Return a trigger row's kwargs as stored before Fernet encryption (JSON text)."""
    from cryptography.fernet import Fernet

    if stored.startswith("{"):  # Airflow keeps a row it could not encrypt as plain JSON
        return stored
    return Fernet(airflow.env["AIRFLOW__CORE__FERNET_KEY"].encode()).decrypt(stored.encode()).decode()


def number_forms(number: str) -> list[str]:
    """Return the ways an Australian E.164 number may be written: ``+61...``, ``61...``, ``0...``."""
    digits = number.lstrip("+")
    return [number, digits, "0" + digits.removeprefix("61")]


def sensor_logs(airflow: AirflowDeployment) -> str:
    """Return every log file of the sensor's task instance (the task's and the trigger's), joined."""
    folder = airflow.home / "logs" / f"dag_id={DAG_ID}"
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.glob(f"run_id=*/task_id={SENSOR}/**/*.log"))
    )


def test_a_reply_releases_the_deferred_reply_sensor_and_the_approved_campaign_goes_out(
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    workspace: Path,
) -> None:
    started = time.monotonic()
    recipients = launch_list()
    stopped = sorted(recipients)[2]
    kept = {number: name for number, name in recipients.items() if number != stopped}
    opt_out = workspace / "opt_out.txt"
    opt_out.write_text(f"{stopped}\n", encoding="utf-8")
    sandbox = start_sandbox()
    airflow = deploy(
        "LocalExecutor",
        sandbox.url,
        {
            "SMS_EXAMPLE_APPROVAL_CONN_ID": CONN_ID[VENDOR],
            "SMS_EXAMPLE_APPROVAL_NUMBER": OUR_NUMBER,
            "SMS_EXAMPLE_MANAGER": MANAGER,
            "SMS_EXAMPLE_POLL_INTERVAL_S": str(POLL_INTERVAL_S),
            "SMS_EXAMPLE_APPROVAL_TIMEOUT_S": "900",
            "SMS_EXAMPLE_RETRY_DELAY_S": "2",
            "SMS_OPT_OUT_FILE": str(opt_out),
        },
    )
    airflow.start_core()
    airflow.wait_for_dags([DAG_ID])
    airflow.cli("dags", "unpause", DAG_ID)

    # 1. The manager is asked; the sensor defers and its trigger runs in the triggerer.
    wait_until(lambda: bool(inbox(sandbox, MANAGER)), 180, "the ask in the manager's inbox", interval=1)
    asked = inbox(sandbox, MANAGER)
    match = ASKED.search(asked[0])
    assert match, asked
    people, code = int(match.group(1)), match.group(2)
    wrong_code = f"{(int(code) + 1) % 10_000:04d}"

    def deferred_in_triggerer() -> bool:
        airflow.check_running()
        row = sensor_row(airflow)
        return bool(row and row["state"] == "deferred" and row["triggerer_id"] is not None)

    wait_until(deferred_in_triggerer, 120, "the sensor deferred, its trigger in the triggerer", interval=0.5)
    deferred = sensor_row(airflow)
    assert deferred is not None
    deferred_at = time.monotonic()
    trigger_kwargs = decrypt_kwargs(airflow, deferred["kwargs"])

    # 2. Replies that must not count: the sensor stays deferred on the same trigger while it polls.
    polls_before = vendor_requests(sandbox)
    ignored = [
        sandbox.inject(VENDOR, OUR_NUMBER, STRANGER, f"YES {code}"),
        sandbox.inject(VENDOR, OUR_NUMBER, MANAGER, f"YES {wrong_code}"),
    ]
    wait_until(
        lambda: vendor_requests(sandbox) >= polls_before + POLLS_WHILE_IGNORING,
        60,
        f"{POLLS_WHILE_IGNORING} polls of the trigger after the replies that must not count",
        interval=0.5,
    )
    while_ignoring = sensor_row(airflow)
    campaign_while_ignoring = {number: inbox(sandbox, number) for number in recipients}

    # 3. The manager's answer releases it; the campaign goes out.
    reply = f"Yes {code}"
    reply_id = sandbox.inject(VENDOR, OUR_NUMBER, MANAGER, reply)
    replied_at = time.monotonic()

    def run_done() -> bool:
        airflow.check_running()
        runs = airflow.runs(DAG_ID)
        return bool(runs) and runs[0].state in RUN_DONE

    wait_until(run_done, 240, "the approval run done", interval=1)
    run_id = airflow.runs(DAG_ID)[0].run_id
    done_after_reply = time.monotonic() - replied_at
    wait_until(
        lambda: all(inbox(sandbox, number) for number in kept), 30, "the campaign delivered", interval=0.5
    )
    time.sleep(2)  # a second SMS to anyone would have arrived by now (delivery delay 1 s)
    received = {number: inbox(sandbox, number) for number in recipients}
    states = airflow.task_states(DAG_ID, run_id)
    logs = sensor_logs(airflow)
    report(
        "reply releases SmsReplySensor (example_sms_approval, sinch)",
        replies_ignored=len(ignored),
        polls_while_ignoring=vendor_requests(sandbox) - polls_before,
        run_done_after_the_reply=f"{done_after_reply:.0f} s",
        recipients=len(kept),
        sms_received=sum(len(texts) for texts in received.values()),
        seconds=f"{time.monotonic() - started:.0f} (deferred after {deferred_at - started:.0f})",
    )

    # Deferred to SmsReplyTrigger, whose row holds the manager only as a digest.
    assert deferred["classpath"] == "airflow_provider_sms.triggers.inbound.SmsReplyTrigger"
    assert deferred["try_number"] == 1
    kwargs = json.loads(trigger_kwargs)
    assert kwargs["number"] == OUR_NUMBER  # our own number, which the trigger polls, as documented
    assert len(kwargs["sender_digests"]) == 1
    assert kwargs["body_pattern"] == rf"(?i)^\s*(yes|no)\s+{code}\b"  # rendered with this run's code
    leaked = [form for form in number_forms(MANAGER) if form in trigger_kwargs]
    assert not leaked, f"the trigger row's kwargs hold the manager's number: {leaked}"

    # The replies that must not count did not release it; the manager's did.
    assert while_ignoring is not None
    assert (while_ignoring["state"], while_ignoring["trigger_id"]) == ("deferred", deferred["trigger_id"])
    assert campaign_while_ignoring == {number: [] for number in recipients}
    assert states == dict.fromkeys(
        ["prepare_approval", "ask_manager", SENSOR, "approved", "send_campaign"], "success"
    )
    assert airflow.xcom(DAG_ID, run_id, SENSOR) == reply
    assert re.search(rf"Reply {re.escape(reply_id)} to \S+, received at", logs), "not resumed by the trigger"
    assert (sensor_row(airflow) or {}).get("try_number") == 1, "the sensor was retried"
    assert not [form for form in number_forms(MANAGER) if form in logs], "the sensor's logs name the manager"

    # The campaign: once to everyone on the list but the opted-out number; the manager got only the ask.
    prepared = airflow.xcom(DAG_ID, run_id, "prepare_approval")
    assert (prepared["code"], prepared["recipients"], prepared["opted_out"]) == (code, len(kept), 1)
    assert people == len(kept)
    assert airflow.xcom(DAG_ID, run_id, "send_campaign")["recipients"] == len(kept)
    assert received == {
        **{number: [CAMPAIGN.format(name=name)] for number, name in kept.items()},
        stopped: [],
    }
    assert len(inbox(sandbox, MANAGER)) == 1
