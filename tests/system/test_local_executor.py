"""LocalExecutor: backfills of the example campaign and of the resend (``airflow backfill create``), and a
triggerer restart while sensors are deferred.

Airflow runs as separate processes (``api-server``, ``scheduler``, ``triggerer``, ``dag-processor``) on
PostgreSQL, with the repository's ``dags/`` and the sandbox as the vendor.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from tests.dags.helpers import messages_sent
from tests.system.campaign import (
    CAMPAIGN,
    RESEND,
    Tally,
    audience_by_day,
    count_inboxes,
    deliverable,
    documented_resend_commands,
    resent_numbers,
)
from tests.system.conftest import CONN_ID, report
from tests.system.deployment import AirflowDeployment, RunRow
from tests.system.servers import SandboxProcess, wait_until

pytestmark = pytest.mark.system

VENDORS = ["sinch", "fonedynamics"]
#: Five days: the audience lapsed on the first three, nobody on the last two.
FIRST_DAY, LAST_DAY = "2026-01-05", "2026-01-09"
#: The example DAGs' waits, shortened (see dags/example_sms_campaign.py).
FAST = {
    "SMS_EXAMPLE_RECEIPT_TIMEOUT_S": "20",
    "SMS_EXAMPLE_POLL_INTERVAL_S": "1",
    "SMS_EXAMPLE_RETRY_DELAY_S": "2",
}
#: Every task of a campaign run on a day with nobody due but the summary is skipped.
NOBODY_DUE = "skipped"


def days_between(first: str, last: str) -> list[str]:
    import pendulum

    start, end = pendulum.parse(first), pendulum.parse(last)
    return [d.to_date_string() for d in pendulum.interval(start, end).range("days")]


def use_vendor_here(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxProcess, vendor: str) -> str:
    """Point this process's connection at the sandbox too, to list what the vendor accepted."""
    conn = sinch_connection(sandbox.url) if vendor == "sinch" else fonedynamics_connection(sandbox.url)
    monkeypatch.setenv(*connection_env(CONN_ID[vendor], conn))
    return CONN_ID[vendor]


def start_deployment(
    deploy: Callable[..., AirflowDeployment], sandbox: SandboxProcess, **env: str
) -> AirflowDeployment:
    airflow = deploy("LocalExecutor", sandbox.url, {**FAST, **env})
    started = time.monotonic()
    airflow.start_core()
    airflow.wait_for_dags([CAMPAIGN, RESEND])
    print(f"components up and DAGs parsed: {time.monotonic() - started:.0f} s")
    return airflow


def wait_for_all_runs(airflow: AirflowDeployment, dag_id: str, timeout: float) -> list[RunRow]:
    wait_until(
        lambda: all(run.state in ("success", "failed") for run in airflow.runs(dag_id)),
        timeout,
        f"every run of {dag_id} done",
        interval=2,
    )
    return airflow.runs(dag_id)


def check_campaign_run(airflow: AirflowDeployment, run: RunRow, due: list[str], vendor: str) -> None:
    """A campaign run ended as its day requires: sent and summarised, or nobody due."""
    states = airflow.task_states(CAMPAIGN, run.run_id)
    summary = airflow.xcom(CAMPAIGN, run.run_id, "publish_summary")
    assert run.state == "success", (run, states)
    assert states.pop("publish_summary") == "success", states
    if not due:
        assert set(states.values()) == {NOBODY_DUE}, (run, states)
        assert summary["nobody_due"] is True
        assert summary["recipients"] == 0
        return
    assert summary["nobody_due"] is False
    assert summary["recipients"] == len(due)
    waits = {k: v for k, v in states.items() if k.startswith("wait_for_receipts[")}
    assert len(waits) == 3, states
    if vendor == "sinch":  # the 99 expires at expire_at: every segment's wait ends
        assert set(waits.values()) == {"success"}, states
        assert summary["statuses"] == {"delivered": 13, "expired": 1, "failed": 1}
    else:  # the 99 stays Submitted: its segment's wait gives up (soft_fail)
        assert sorted(waits.values()) == ["skipped", "success", "success"], states
        assert summary["statuses"] == {"delivered": 13, "failed": 1, "sent": 1}
    for task in (
        "load_audience",
        "preview",
        "plan_sends",
        "collect_failures",
        "send[0]",
        "send[1]",
        "send[2]",
    ):
        assert states[task] == "success", (task, states)


@pytest.mark.parametrize("vendor", VENDORS)
def test_backfills_send_once_per_recipient_and_resend_once_per_failure(
    vendor: str,
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Backfill the campaign over five days (two with nobody due), then the resend twice, as documented."""
    sandbox = start_sandbox(delivery_delay=1.0)
    conn_id = use_vendor_here(monkeypatch, sandbox, vendor)
    airflow = start_deployment(deploy, sandbox)
    days = days_between(FIRST_DAY, LAST_DAY)
    audience = audience_by_day()
    due = {day: audience.get(day, []) for day in days}
    assert [len(numbers) for numbers in due.values()] == [15, 15, 15, 0, 0]
    work_dir = workspace / "campaigns"
    # The campaign's own resend is off: the backfill-driven resend is what is tested here.
    conf = {"sms_conn_id": conn_id, "work_dir": str(work_dir), "expire_after_s": 5, "resend": False}

    started = time.monotonic()
    airflow.cli("dags", "unpause", CAMPAIGN)
    campaign = airflow.wait_for_backfill(airflow.backfill(CAMPAIGN, FIRST_DAY, LAST_DAY, conf), timeout=1500)
    campaign_s = time.monotonic() - started
    after_campaign = messages_sent(conn_id)

    started = time.monotonic()
    resend_conf = json.dumps({"sms_conn_id": conn_id, "work_dir": str(work_dir)})
    commands = documented_resend_commands(FIRST_DAY, LAST_DAY, resend_conf)
    assert [c[:2] for c in commands] == [["dags", "unpause"], ["backfill", "create"]]
    outcomes = []
    for _ in range(2):  # the documented commands, twice
        before = airflow.latest_backfill(RESEND)
        for command in commands:
            airflow.cli(*command)
        backfill_id = airflow.latest_backfill(RESEND)
        assert backfill_id != before
        runs = airflow.wait_for_backfill(backfill_id, timeout=600)
        outcomes.append(
            [
                (
                    run,
                    airflow.task_states(RESEND, run.run_id),
                    airflow.xcom(RESEND, run.run_id, "find_failures"),
                )
                for run in runs
            ]
        )
        if len(outcomes) == 1:
            after_first = messages_sent(conn_id)
    after_second = messages_sent(conn_id)
    resend_s = time.monotonic() - started
    scheduled = wait_for_all_runs(airflow, CAMPAIGN, 300)

    everyone = [n for numbers in due.values() for n in numbers]
    resent = {n for numbers in due.values() for n in resent_numbers(numbers, vendor)}
    tally = Tally(
        expected_inbox=dict.fromkeys(deliverable(everyone), 1),
        expected_accepted={n: 1 + (n in resent) for n in everyone},
        inbox=count_inboxes(sandbox, everyone),
        accepted=after_second,
    )
    all_runs = campaign + [run for outcome in outcomes for run, *_ in outcome]
    succeeded = sum(run.state == "success" for run in all_runs)
    report(
        f"LocalExecutor backfills ({vendor})",
        runs=f"campaign {len(campaign)} + resend {len(outcomes[0])} + {len(outcomes[1])}, "
        f"{succeeded} succeeded",
        recipients=len(everyone),
        SMS_received=sum(tally.inbox.values()),
        resends=sum(after_first.values()) - sum(after_campaign.values()),
        duplicates=len(tally.duplicates),
        missing=len(tally.missing),
        seconds=f"campaign backfill {campaign_s:.0f}, resend backfills {resend_s:.0f}",
    )

    # The campaign: one run per day, each succeeded; the days with nobody due skip all but the summary.
    assert [f"{run.logical_date:%Y-%m-%d}" for run in campaign] == days
    for run, day in zip(campaign, days, strict=True):
        check_campaign_run(airflow, run, due[day], vendor)
    for run in scheduled:  # unpausing also ran the latest day (nobody due) on schedule
        assert run.state == "success", (run, airflow.task_states(CAMPAIGN, run.run_id))
    assert dict(after_campaign) == dict.fromkeys(everyone, 1)
    # The first resend backfill: each failure of the days resent once; the second: nothing.
    for (run, states, found), day in zip(outcomes[0], days, strict=True):
        assert run.state == "success", (run, states)
        if resent_numbers(due[day], vendor):
            assert states == {"find_failures": "success", "resend": "success"}, (day, states)
            assert found["recipients"] == len(resent_numbers(due[day], vendor))
        else:
            assert states == {"find_failures": "skipped", "resend": "skipped"}, (day, states)
    assert Counter(after_first) - Counter(after_campaign) == Counter(dict.fromkeys(resent, 1))
    assert len(outcomes[1]) == len(days)
    for run, states, found in outcomes[1]:
        assert run.state == "success", (run, states)
        assert states == {"find_failures": "skipped", "resend": "skipped"}, (run, states)
        assert found is None
    tries = airflow.query(
        "SELECT try_number FROM task_instance WHERE dag_id = %s AND task_id = 'find_failures' "
        "AND run_id = ANY(%s)",
        (RESEND, [run.run_id for run, *_ in outcomes[1]]),
    )
    assert [t for (t,) in tries] == [2] * len(days), "the second backfill did not run find_failures again"
    assert after_second == after_first
    assert tally.duplicates == []
    assert tally.missing == []
    assert sandbox.stats()["inbox_total"] == len(deliverable(everyone)), (
        "someone outside the audience got an SMS"
    )


def deferred_sensors(airflow: AirflowDeployment, task_id: str) -> list[tuple[int, Any]]:
    """Return ``(map_index, triggerer_id)`` of the task's instances that are deferred now."""
    return airflow.query(
        "SELECT ti.map_index, t.triggerer_id FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id "
        "WHERE ti.dag_id = %s AND ti.task_id = %s AND ti.state = 'deferred' ORDER BY ti.map_index",
        (CAMPAIGN, task_id),
    )


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_triggerer_restart_while_sensors_are_deferred_resumes_them_and_sends_nothing_twice(
    vendor: str,
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The triggerer is stopped and started again while every segment's receipt sensor is deferred."""
    sandbox = start_sandbox(delivery_delay=15.0)  # receipts come late: the sensors stay deferred
    conn_id = use_vendor_here(monkeypatch, sandbox, vendor)
    airflow = start_deployment(deploy, sandbox, SMS_EXAMPLE_RECEIPT_TIMEOUT_S="60")
    day = "2026-01-06"
    due = audience_by_day()[day]
    conf = {"sms_conn_id": conn_id, "work_dir": str(workspace / "campaigns"), "expire_after_s": 25}

    airflow.cli("dags", "unpause", CAMPAIGN)
    backfill_id = airflow.backfill(CAMPAIGN, day, day, conf)
    wait_until(
        lambda: [t is not None for _, t in deferred_sensors(airflow, "wait_for_receipts")] == [True] * 3,
        600,
        "three deferred sensors, their triggers running in the triggerer",
        1,
    )
    before = deferred_sensors(airflow, "wait_for_receipts")
    old_triggerers = {triggerer for _, triggerer in before}
    restarted_at = airflow.query("SELECT now()")[0][0]
    airflow.stop("triggerer")
    still_deferred = deferred_sensors(airflow, "wait_for_receipts")
    airflow.start("triggerer", "triggerer")
    wait_until(
        lambda: any(
            t is not None and t not in old_triggerers
            for _, t in deferred_sensors(airflow, "wait_for_receipts")
        ),
        120,
        "the new triggerer taking over the deferred sensors",
        1,
    )
    taken_over = deferred_sensors(airflow, "wait_for_receipts")
    runs = airflow.wait_for_backfill(backfill_id, timeout=900)

    resent = resent_numbers(due, vendor)
    accepted = messages_sent(conn_id)
    tally = Tally(
        expected_inbox=dict.fromkeys(deliverable(due), 1),
        expected_accepted={n: 1 + (n in resent) for n in due},
        inbox=count_inboxes(sandbox, due),
        accepted=accepted,
    )
    states = airflow.task_states(CAMPAIGN, runs[0].run_id)
    ends = airflow.query(
        "SELECT map_index, end_date FROM task_instance WHERE dag_id = %s AND run_id = %s "
        "AND task_id = 'wait_for_receipts'",
        (CAMPAIGN, runs[0].run_id),
    )
    report(
        f"triggerer restart ({vendor})",
        runs=f"{len(runs)} ({', '.join(r.state for r in runs)})",
        recipients=len(due),
        SMS_received=sum(tally.inbox.values()),
        resends=sum(accepted.values()) - len(due),
        duplicates=len(tally.duplicates),
        missing=len(tally.missing),
        sensors_taken_over=len(taken_over),
    )

    assert len(old_triggerers) == 1, before
    assert None not in old_triggerers, before
    assert len(still_deferred) == 3, "the sensors must still be deferred when the triggerer is down"
    assert {t for _, t in taken_over} - old_triggerers, taken_over
    assert [run.state for run in runs] == ["success"]
    assert all(end > restarted_at for _, end in ends), ends
    waits = sorted(v for k, v in states.items() if k.startswith("wait_for_receipts["))
    assert waits == (["success"] * 3 if vendor == "sinch" else ["skipped", "success", "success"]), states
    assert states["publish_summary"] == "success", states
    assert tally.duplicates == []
    assert tally.missing == []
