"""``example_sms_approval`` in real Airflow (``dag.test()``) against the sandbox, with a manager who answers.

A thread plays the manager: it waits for the ask in the manager's sandbox inbox, reads the code from it and
injects the replies with ``SandboxServer.inject_inbound`` while the DAG's reply sensor waits. Each run has
its own opt-out file (``SMS_OPT_OUT_FILE``), empty unless the test writes numbers to it.
"""

from __future__ import annotations

import csv
import hashlib
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.dags.helpers import VENDORS, fast_examples, messages_sent, use_vendor
from tests.e2e.harness import migrate_metadata_db, run_dag, task_states, xcom_return

DAG_ID = "example_sms_approval"
OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
MANAGER, STRANGER = "+61400000007", "+61400000003"
ASKED = re.compile(r"Reply YES (\d{4}) \(or NO \1 to cancel\)$")
#: The manager's replies, given the run's code.
Replies = Callable[[str], list[tuple[str, str]]]


def expected_code(run_id: str) -> str:
    """The four digits the DAG should ask with: from a hash of its id and the run id."""
    digest = hashlib.sha256(f"{DAG_ID}/{run_id}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}"


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10_000:04d}"


def launch_list(folder: Path) -> list[str]:
    with (folder / "data" / "launch_list.csv").open(newline="") as handle:
        return [row["phone"] for row in csv.DictReader(handle)]


class Manager(threading.Thread):
    """Waits for the ask in the manager's inbox, then sends the replies ``replies(code)`` to our number."""

    def __init__(self, sandbox: SandboxServer, vendor: str, replies: Replies) -> None:
        super().__init__(daemon=True)
        self.sandbox, self.vendor, self.replies = sandbox, vendor, replies
        self.asked: list[dict[str, Any]] = []
        self.replied_at: datetime | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 90
            while not (inbox := self.sandbox.inbox(MANAGER)) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.asked = inbox
            match = ASKED.search(inbox[0]["body"])
            assert match, inbox[0]["body"]
            for sender, body in self.replies(match.group(1)):
                self.sandbox.inject_inbound(self.vendor, sender=sender, to=OUR_NUMBER[self.vendor], body=body)
            self.replied_at = datetime.now(timezone.utc)
        except BaseException as exc:  # reported by the test, which cannot see a thread's exception
            self.error = exc


def run_approval(
    folder: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    vendor: str,
    day: int,
    replies: Replies | None,
    timeout_s: float,
    opted_out: Path,
) -> tuple[Any, Manager | None, float]:
    """Run the DAG for 2026-01-<day> while the manager answers (if ``replies``); return the run, manager and
    seconds taken. ``opted_out`` is the opt-out file (``SMS_OPT_OUT_FILE``)."""
    fast_examples(monkeypatch)
    monkeypatch.setenv("SMS_EXAMPLE_APPROVAL_TIMEOUT_S", str(timeout_s))
    monkeypatch.setenv("SMS_OPT_OUT_FILE", str(opted_out))
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    manager = Manager(sandbox, vendor, replies) if replies is not None else None
    if manager is not None:
        manager.start()
    when = pendulum.datetime(2026, 1, day, tz="UTC")
    started = time.monotonic()
    run = run_dag(
        folder / f"{DAG_ID}.py",
        DAG_ID,
        logical_date=when,
        run_after=when,
        conf={"sms_conn_id": conn_id, "our_number": OUR_NUMBER[vendor], "manager": MANAGER},
    )
    elapsed = time.monotonic() - started
    if manager is not None:
        manager.join(timeout=10)
        assert manager.error is None, manager.error
    return run, manager, elapsed


def inboxes(sandbox: SandboxServer, numbers: list[str], wait_s: float = 5.0) -> dict[str, list[str]]:
    """Return the bodies each number received, once all have something or after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        found = {number: [m["body"] for m in sandbox.inbox(number)] for number in numbers}
        if all(found.values()) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def sensor_finished(run: Any) -> datetime:
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = (
            session.query(TaskInstance)
            .filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id="wait_for_reply")
            .one()
        )
        end = ti.end_date
        assert end is not None
        return end if end.tzinfo else end.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("vendor", VENDORS)
def test_yes_with_the_code_sends_the_campaign_to_every_recipient_once(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str, tmp_path: Path
) -> None:
    recipients = launch_list(example_dags)

    def replies(code: str) -> list[tuple[str, str]]:
        return [(STRANGER, f"NO {code}"), (MANAGER, f"NO {other_code(code)}"), (MANAGER, f" yes {code} ")]

    run, manager, _ = run_approval(
        example_dags, sandbox, monkeypatch, vendor, 5, replies, timeout_s=120, opted_out=tmp_path / "none.txt"
    )
    assert manager is not None

    code = expected_code(run.run_id)
    assert task_states(run) == {
        "prepare_approval": "success",
        "ask_manager": "success",
        "wait_for_reply": "success",
        "approved": "success",
        "send_campaign": "success",
    }
    asked = f"Send the campaign for 2026-01-05 to {len(recipients)} people? "
    asked += f"Reply YES {code} (or NO {code} to cancel)"
    assert [m["body"] for m in manager.asked] == [asked]
    assert xcom_return(run, "prepare_approval")["code"] == code
    assert xcom_return(run, "wait_for_reply") == f" yes {code} "
    assert xcom_return(run, "send_campaign")["recipients"] == len(recipients)
    assert messages_sent(use_vendor(monkeypatch, sandbox, vendor)) == {
        MANAGER: 1,
        **dict.fromkeys(recipients, 1),
    }
    received = inboxes(sandbox, recipients)
    assert received[recipients[0]] == [
        "Hi Ada, ACME's spring range is in store from today. Reply STOP to opt out"
    ]
    assert {number: len(bodies) for number, bodies in received.items()} == dict.fromkeys(recipients, 1)


@pytest.mark.parametrize("vendor", VENDORS)
def test_no_with_the_code_stops_the_campaign_at_once(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str, tmp_path: Path
) -> None:
    recipients = launch_list(example_dags)

    run, _, elapsed = run_approval(
        example_dags,
        sandbox,
        monkeypatch,
        vendor,
        6,
        lambda code: [(MANAGER, f"No {code}")],
        timeout_s=300,
        opted_out=tmp_path / "none.txt",
    )

    assert task_states(run) == {
        "prepare_approval": "success",
        "ask_manager": "success",
        "wait_for_reply": "success",
        "approved": "success",
        "send_campaign": "skipped",
    }
    assert str(run.state) == "success"
    assert xcom_return(run, "wait_for_reply") == f"No {expected_code(run.run_id)}"
    assert elapsed < 60  # released by the NO, not by the 300 s timeout
    assert messages_sent(use_vendor(monkeypatch, sandbox, vendor)) == {MANAGER: 1}
    assert inboxes(sandbox, recipients, wait_s=1) == {number: [] for number in recipients}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_reply_with_the_wrong_code_is_ignored_and_the_campaign_skipped(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str, tmp_path: Path
) -> None:
    recipients = launch_list(example_dags)

    def replies(code: str) -> list[tuple[str, str]]:
        return [(MANAGER, f"YES {other_code(code)}"), (MANAGER, f"YES {code}1"), (STRANGER, f"YES {code}")]

    run, manager, _ = run_approval(
        example_dags, sandbox, monkeypatch, vendor, 7, replies, timeout_s=10, opted_out=tmp_path / "none.txt"
    )
    assert manager is not None

    assert task_states(run) == {
        "prepare_approval": "success",
        "ask_manager": "success",
        "wait_for_reply": "skipped",
        "approved": "skipped",
        "send_campaign": "skipped",
    }
    assert str(run.state) == "success"
    assert manager.replied_at is not None
    assert manager.replied_at < sensor_finished(run)  # the replies were there while the sensor waited
    assert messages_sent(use_vendor(monkeypatch, sandbox, vendor)) == {MANAGER: 1}
    assert inboxes(sandbox, recipients, wait_s=1) == {number: [] for number in recipients}


def test_opted_out_numbers_get_no_campaign(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recipients = launch_list(example_dags)
    stopped = recipients[1]
    opt_out = tmp_path / "opt_out.txt"
    opt_out.write_text(f"# answered STOP\n{stopped}\n+61499999999\n", encoding="utf-8")
    monkeypatch.delenv("AIRFLOW_VAR_SMS_OPT_OUT_FILE", raising=False)

    run, manager, _ = run_approval(
        example_dags,
        sandbox,
        monkeypatch,
        "sinch",
        8,
        lambda code: [(MANAGER, f"YES {code}")],
        timeout_s=120,
        opted_out=opt_out,
    )

    assert manager is not None
    kept = [number for number in recipients if number != stopped]
    assert task_states(run)["send_campaign"] == "success"
    assert manager.asked[0]["body"].startswith(f"Send the campaign for 2026-01-08 to {len(kept)} people? ")
    prepared = xcom_return(run, "prepare_approval")
    assert (prepared["recipients"], prepared["opted_out"]) == (len(kept), 1)
    assert stopped not in str(prepared)
    assert xcom_return(run, "send_campaign")["recipients"] == len(kept)
    assert messages_sent(use_vendor(monkeypatch, sandbox, "sinch")) == {MANAGER: 1, **dict.fromkeys(kept, 1)}
    assert inboxes(sandbox, [stopped], wait_s=1) == {stopped: []}


def test_when_everyone_has_opted_out_nobody_is_asked_and_nothing_is_sent(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opt_out = tmp_path / "opt_out.txt"
    opt_out.write_text("".join(f"{number}\n" for number in launch_list(example_dags)), encoding="utf-8")

    run, _, _ = run_approval(
        example_dags, sandbox, monkeypatch, "sinch", 9, None, timeout_s=120, opted_out=opt_out
    )

    assert task_states(run) == {
        "prepare_approval": "skipped",
        "ask_manager": "skipped",
        "wait_for_reply": "skipped",
        "approved": "skipped",
        "send_campaign": "skipped",
    }
    assert str(run.state) == "success"
    assert messages_sent(use_vendor(monkeypatch, sandbox, "sinch")) == {}


def test_the_variable_in_the_database_names_the_opt_out_file_on_every_airflow_version(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A Variable set in the UI wins over ``SMS_OPT_OUT_FILE``, on Airflow 3.1 too (see ``opt_out.py``)."""
    from airflow.models import Variable

    recipients = launch_list(example_dags)
    in_variable, in_environment = tmp_path / "variable.txt", tmp_path / "environment.txt"
    in_variable.write_text(f"{recipients[0]}\n{recipients[1]}\n", encoding="utf-8")
    in_environment.write_text(f"{recipients[2]}\n", encoding="utf-8")
    monkeypatch.delenv("AIRFLOW_VAR_SMS_OPT_OUT_FILE", raising=False)
    migrate_metadata_db()  # run alone, this test writes to the metadata DB before any DAG is loaded
    Variable.set("sms_opt_out_file", str(in_variable))
    try:
        run, _, _ = run_approval(
            example_dags, sandbox, monkeypatch, "sinch", 10, None, timeout_s=1, opted_out=in_environment
        )
    finally:
        Variable.delete("sms_opt_out_file")

    prepared = xcom_return(run, "prepare_approval")
    assert prepared["opted_out"] == 2
    assert prepared["recipients"] == len(recipients) - prepared["opted_out"]
    assert task_states(run)["wait_for_reply"] == "skipped"  # nobody answered within the second
