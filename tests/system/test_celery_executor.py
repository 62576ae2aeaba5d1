"""CeleryExecutor with Redis and two workers: a 20,000-recipient campaign survives a worker killed mid-send.

One worker is killed with SIGKILL (with every process it started, as when its machine dies) while a
mapped ``send`` of the campaign is between chunks. The scheduler finds the task's heartbeat gone, and its
retry runs on the other worker, looks the chunks up first and sends only the rest: every recipient gets
exactly one SMS, and the retry's log names the chunks it found already sent.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from airflow_provider_sms.models.sms import DEFAULT_MAX_CONCURRENT_REQUESTS
from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from tests.dags.helpers import messages_sent
from tests.system.campaign import CAMPAIGN, RESEND, Tally, count_inboxes
from tests.system.conftest import CONN_ID, report
from tests.system.deployment import AirflowDeployment
from tests.system.servers import RedisServer, SandboxProcess, wait_until

pytestmark = pytest.mark.system

DAY = "2026-01-06"
SEGMENTS = ("north", "south", "east", "west")
PER_SEGMENT = 5_000
CHUNK = 1_000  # SmsSendOperator's default chunk_size
#: Each vendor request waits this long while the sends run, so a send is caught between two chunks. Fone
#: Dynamics' look-ups list the property's messages 200 a page, so it gets less.
LATENCY_MS = {"sinch": 1_500, "fonedynamics": 400}
SENT = re.compile(r"Chunk (\d+) \(key [^)]+\): sent as batch")
FOUND = re.compile(r"Chunk (\d+) \(key [^)]+\): found already sent as batch")


def write_audience(path: Path) -> list[str]:
    """Write a 20,000-recipient audience lapsed on ``DAY`` across four segments; return the numbers.

    Every number is deliverable in the sandbox (none ends in 13 or 99), so each must get exactly one SMS.
    """
    numbers: list[str] = []
    candidate = 45_000_000
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "name", "segment", "lapsed_on"])
        for segment in SEGMENTS:
            for _ in range(PER_SEGMENT):
                candidate += 1
                while f"{candidate}".endswith(("13", "99")):
                    candidate += 1
                number = f"+614{candidate:08d}"
                numbers.append(number)
                writer.writerow([number, f"Customer{len(numbers)}", segment, DAY])
    return numbers


def chunks(pattern: re.Pattern[str], log: str) -> set[int]:
    return {int(number) for number in pattern.findall(log)}


def alive(pid: int) -> bool:
    """Return whether a process exists and is not a zombie (a killed orphan nobody has reaped yet)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def worker_of(pid: int, workers: dict[str, int]) -> str | None:
    """Return the name of the worker whose process tree holds ``pid``."""
    for name, root in workers.items():
        try:
            tree = {root, *(child.pid for child in psutil.Process(root).children(recursive=True))}
        except psutil.NoSuchProcess:
            continue
        if pid in tree:
            return name
    return None


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_a_worker_killed_mid_send_leaves_exactly_one_sms_per_recipient(
    vendor: str,
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    redis: RedisServer,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = start_sandbox(delivery_delay=2.0)
    connection = sinch_connection if vendor == "sinch" else fonedynamics_connection
    monkeypatch.setenv(*connection_env(CONN_ID[vendor], connection(sandbox.url)))
    audience = write_audience(workspace / "audience.csv")
    airflow = deploy(
        "CeleryExecutor",
        sandbox.url,
        {
            "SMS_EXAMPLE_RECEIPT_TIMEOUT_S": "300",
            "SMS_EXAMPLE_POLL_INTERVAL_S": "2",
            "SMS_EXAMPLE_RETRY_DELAY_S": "2",
            "AIRFLOW__CELERY__BROKER_URL": redis.url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "6",
            # A task whose worker died is found within about half a minute (default: 5 minutes).
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        },
    )
    # Celery's task results go to the metadata database, as Airflow's default does.
    airflow.env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + airflow.database_url.replace("+psycopg2", "")
    airflow.start_core()
    workers = {}
    for name in ("worker-1", "worker-2"):
        process = airflow.start(
            name, "celery", "worker", "--celery-hostname", f"{name}@%h", "--skip-serve-logs"
        )
        workers[name] = process.pid
    airflow.wait_for_dags([CAMPAIGN, RESEND])
    wait_until(lambda: "ready" in _worker_output(airflow, workers), 240, "both celery workers ready", 1)
    conf = {
        "sms_conn_id": CONN_ID[vendor],
        "audience_file": str(workspace / "audience.csv"),
        "work_dir": str(workspace / "campaigns"),
        "max_parts": 100_000,
        "expire_after_s": 3600,
    }

    started = time.monotonic()
    sandbox.set_faults(latency_ms=LATENCY_MS[vendor])
    airflow.cli("dags", "unpause", CAMPAIGN)
    backfill_id = airflow.backfill(CAMPAIGN, DAY, DAY, conf)
    run_id = wait_for_run_id(airflow, backfill_id)

    # Wait for a send between chunks: its first try has sent a chunk and not finished.
    def mid_send() -> tuple[int, int] | None:
        airflow.check_running()
        for (_, map_index, attempt), log in airflow.task_logs(CAMPAIGN, "send", run_id).items():
            if attempt == 1 and chunks(SENT, log) and "Sent: " not in log:
                return map_index, len(chunks(SENT, log))
        return None

    wait_until(lambda: mid_send() is not None, 900, "a send between two chunks", interval=0.3)
    map_index, _ = mid_send() or (0, 0)
    pid = airflow.query(
        "SELECT pid FROM task_instance WHERE dag_id = %s AND run_id = %s AND task_id = 'send' "
        "AND map_index = %s",
        (CAMPAIGN, run_id, map_index),
    )[0][0]
    victim = worker_of(pid, workers)
    assert victim is not None, f"send[{map_index}] (pid {pid}) runs in neither worker"
    killed_pids = airflow.kill(victim)
    killed_at = time.monotonic()
    first_try_logs = {
        key[1]: log for key, log in airflow.task_logs(CAMPAIGN, "send", run_id).items() if key[2] == 1
    }
    sandbox.set_faults()  # the retries need not be slow
    wait_until(lambda: not any(alive(p) for p in killed_pids), 30, "every process of the killed worker gone")

    runs = airflow.wait_for_backfill(backfill_id, timeout=1800)
    elapsed = time.monotonic() - started
    sends = airflow.query(
        "SELECT map_index, state, try_number FROM task_instance WHERE dag_id = %s AND run_id = %s "
        "AND task_id = 'send' ORDER BY map_index",
        (CAMPAIGN, run_id),
    )
    retried = [m for m, _, tries in sends if tries > 1]
    logs = airflow.task_logs(CAMPAIGN, "send", run_id)
    found = {m: chunks(FOUND, logs.get((run_id, m, 2), "")) for m in retried}
    inbox = count_inboxes(sandbox, audience)
    accepted = messages_sent(CONN_ID[vendor])
    tally = Tally(
        expected_inbox=dict.fromkeys(audience, 1),
        expected_accepted=dict.fromkeys(audience, 1),
        inbox=inbox,
        accepted=accepted,
    )
    report(
        f"CeleryExecutor, worker killed mid-send ({vendor})",
        runs=f"{len(runs)} ({', '.join(r.state for r in runs)})",
        recipients=len(audience),
        SMS_received=sum(inbox.values()),
        duplicates=len(tally.duplicates),
        missing=len(tally.missing),
        killed=f"{victim} ({len(killed_pids)} processes) during send[{map_index}]",
        retried_sends=len(retried),
        chunks_found_already_sent=", ".join(f"send[{m}] {sorted(f)}" for m, f in found.items()),
        seconds=f"{elapsed:.0f} (retry done {time.monotonic() - killed_at:.0f} after the kill)",
    )

    assert [run.state for run in runs] == ["success"]
    assert len(sends) == len(SEGMENTS)
    assert all(state == "success" for _, state, _ in sends), sends
    assert map_index in retried, sends
    for m in retried:
        sent_before = chunks(SENT, first_try_logs.get(m, ""))
        sent_by_retry = chunks(SENT, logs[(run_id, m, 2)])
        # The retry found what the killed try sent (and at most the chunks in flight when it died) ...
        assert sent_before <= found[m], (m, sent_before, found[m])
        assert len(found[m] - sent_before) <= DEFAULT_MAX_CONCURRENT_REQUESTS, (m, sent_before, found[m])
        # ... and sent exactly the rest.
        assert found[m].isdisjoint(sent_by_retry), (m, found[m], sent_by_retry)
        assert found[m] | sent_by_retry == set(range(PER_SEGMENT // CHUNK)), (m, found[m], sent_by_retry)
    assert found[map_index], "the retry's log names no chunk found already sent"
    assert len(chunks(SENT, first_try_logs[map_index])) < PER_SEGMENT // CHUNK, "the kill came after the send"
    assert tally.duplicates == []
    assert tally.missing == []
    assert sandbox.stats()["inbox_total"] == len(audience)


def wait_for_run_id(airflow: AirflowDeployment, backfill_id: int) -> str:
    wait_until(lambda: bool(airflow.backfill_runs(backfill_id)), 120, "the backfill's run", 1)
    return airflow.backfill_runs(backfill_id)[0].run_id


def _worker_output(airflow: AirflowDeployment, workers: dict[str, int]) -> str:
    texts = [(airflow.home / f"{name}.out").read_text(errors="replace") for name in workers]
    return "ready" if all(" ready." in text for text in texts) else ""
