"""Inbound SMS by polling in a real deployment: ``example_sms_inbound_stop``'s ``AssetWatcher`` runs
``SmsInboundTrigger`` in ``airflow triggerer``; handsets text our number through the sandbox; the scheduler
runs the DAG on the asset events it makes (LocalExecutor, PostgreSQL, Sinch).

The triggerer is stopped, a handset texts STOP while none runs, and a new triggerer starts: the trigger,
rebuilt from its row, takes its place from the cursor Variable, so that message makes one event and the
ones before it make none again. The same with the triggerer killed outright (``SIGKILL``, its whole process
tree) the moment the cursor takes a message: that message is neither lost (the cursor takes a message only
once its event is stored) nor repeated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.models.inbound import inbound_asset_uri
from airflow_provider_sms.triggers.inbound import SHARES_POLLS
from tests.system.conftest import CONN_ID, report
from tests.system.deployment import AirflowDeployment
from tests.system.servers import SandboxProcess, wait_until

pytestmark = pytest.mark.system

DAG_ID = "example_sms_inbound_stop"
VENDOR = "sinch"
OUR_NUMBER = "+61400000100"
ASSET = inbound_asset_uri(VENDOR, OUR_NUMBER)
HANDSET_A, HANDSET_B, HANDSET_C = "+61400000002", "+61400000003", "+61400000004"
#: Seconds between the trigger's polls.
POLL_INTERVAL_S = 1
#: Seconds from a message to its asset event (polls, the triggerer's write) and to its run's end.
EVENT_TIMEOUT_S = 60
RUN_TIMEOUT_S = 120


def asset_events(airflow: AirflowDeployment) -> list[dict[str, Any]]:
    """Return the ``extra["payload"]`` of each event of the inbound asset, oldest first."""
    rows = airflow.query(
        "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.uri = %s ORDER BY e.id",
        (ASSET,),
    )
    extras = [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
    return [extra["payload"] for extra in extras]


def event_ids(airflow: AirflowDeployment) -> list[str]:
    """Return the vendor's message id of each event of the inbound asset, oldest first."""
    return [str(payload["id"]) for payload in asset_events(airflow)]


def asset_runs(airflow: AirflowDeployment) -> list[tuple[str, str, int]]:
    """Return ``(run_type, state, events consumed)`` of each run of the DAG, oldest first."""
    rows = airflow.query(
        "SELECT r.run_type, r.state, count(c.event_id) FROM dag_run r "
        "LEFT JOIN dagrun_asset_event c ON c.dag_run_id = r.id WHERE r.dag_id = %s "
        "GROUP BY r.id ORDER BY r.id",
        (DAG_ID,),
    )
    return [(str(run_type), str(state), int(events)) for run_type, state, events in rows]


def watcher_triggers(airflow: AirflowDeployment) -> list[tuple[int, int | None]]:
    """Return ``(trigger id, triggerer job id)`` of the inbound asset's watchers."""
    # The table linking an asset to its watchers' triggers: asset_trigger on 3.1, asset_watcher on 3.3.
    (link,) = next(
        row
        for row in airflow.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name IN ('asset_watcher', 'asset_trigger') ORDER BY table_name DESC"
        )
    )
    rows = airflow.query(
        f"SELECT t.id, t.triggerer_id FROM trigger t JOIN {link} w ON w.trigger_id = t.id "  # noqa: S608
        "JOIN asset a ON a.id = w.asset_id WHERE a.uri = %s",
        (ASSET,),
    )
    return [(int(trigger_id), triggerer_id) for trigger_id, triggerer_id in rows]


def cursor_kept(airflow: AirflowDeployment) -> bool:
    """Return whether the watcher's trigger has kept its cursor (so a message from now on is an event)."""
    from airflow_provider_sms.triggers.inbound import SmsInboundTrigger

    key = SmsInboundTrigger(CONN_ID[VENDOR], OUR_NUMBER, poll_interval=POLL_INTERVAL_S).cursor_key
    return bool(airflow.query("SELECT count(*) FROM variable WHERE key = %s", (key,))[0][0])


def cursor_ids(airflow: AirflowDeployment) -> set[str]:
    """Return the message ids the watcher's cursor has taken (the Variable is stored Fernet-encrypted)."""
    from cryptography.fernet import Fernet

    from airflow_provider_sms.triggers.inbound import InboundCursor, SmsInboundTrigger

    key = SmsInboundTrigger(CONN_ID[VENDOR], OUR_NUMBER, poll_interval=POLL_INTERVAL_S).cursor_key
    rows = airflow.query("SELECT val, is_encrypted FROM variable WHERE key = %s", (key,))
    if not rows:
        return set()
    value, encrypted = rows[0]
    if encrypted:
        value = Fernet(airflow.env["AIRFLOW__CORE__FERNET_KEY"].encode()).decrypt(value.encode()).decode()
    return set(InboundCursor.from_json(value).seen)


def wait_for_event_and_run(airflow: AirflowDeployment, count: int, what: str) -> None:
    """Wait until the asset has ``count`` events and the DAG ``count`` finished runs."""

    def events() -> bool:
        airflow.check_running()
        return len(asset_events(airflow)) >= count

    def runs_done() -> bool:
        airflow.check_running()
        runs = asset_runs(airflow)
        return len(runs) >= count and all(state in ("success", "failed") for _, state, _ in runs)

    wait_until(events, EVENT_TIMEOUT_S, f"asset event {count} ({what})", interval=0.5)
    wait_until(runs_done, RUN_TIMEOUT_S, f"asset-triggered run {count} ({what}) done", interval=1)


def opt_out_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def deploy_watcher(
    deploy: Callable[..., AirflowDeployment],
    sandbox: SandboxProcess,
    opt_out: Path,
    settings: dict[str, str] | None = None,
) -> tuple[AirflowDeployment, int, int]:
    """Deploy the example DAG, unpause it and wait for its watcher in the triggerer, its cursor kept.

    :return: The deployment, the watcher's trigger id and the triggerer job running it.
    """
    airflow = deploy(
        "LocalExecutor",
        sandbox.url,
        {
            "SMS_EXAMPLE_INBOUND_VENDOR": VENDOR,
            "SMS_EXAMPLE_INBOUND_NUMBER": OUR_NUMBER,
            "SMS_EXAMPLE_INBOUND_CONN_ID": CONN_ID[VENDOR],
            "SMS_EXAMPLE_POLL_INTERVAL_S": str(POLL_INTERVAL_S),
            "SMS_OPT_OUT_FILE": str(opt_out),
            # The watcher's trigger row is made when the DAG file is parsed after the unpause.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            **(settings or {}),
        },
    )
    airflow.start_core()
    airflow.wait_for_dags([DAG_ID])
    airflow.cli("dags", "unpause", DAG_ID)
    wait_until(
        lambda: (
            any(triggerer is not None for _, triggerer in watcher_triggers(airflow)) and cursor_kept(airflow)
        ),
        120,
        "the watcher's trigger running in the triggerer, its cursor kept",
        interval=1,
    )
    (trigger_id, triggerer), *others = watcher_triggers(airflow)
    assert others == []
    assert triggerer is not None
    return airflow, trigger_id, triggerer


def wait_for_new_triggerer(airflow: AirflowDeployment, old: int | None) -> int:
    """Wait until a triggerer other than ``old`` runs the watcher's trigger; return its job id."""

    def taken_over() -> int | None:
        airflow.check_running()
        return next((t for _, t in watcher_triggers(airflow) if t not in (None, old)), None)

    wait_until(lambda: taken_over() is not None, 120, "a new triggerer taking the watcher over", interval=1)
    return int(taken_over() or 0)


def test_polled_inbound_messages_each_make_one_event_and_run_across_a_triggerer_restart(
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    workspace: Path,
) -> None:
    started = time.monotonic()
    sandbox = start_sandbox()
    opt_out = workspace / "opt_out.txt"
    airflow, trigger_id, first_triggerer = deploy_watcher(deploy, sandbox, opt_out)
    up_at = time.monotonic()

    # 1. A STOP while the triggerer runs.
    sent = [sandbox.inject(VENDOR, OUR_NUMBER, HANDSET_A, "STOP")]
    wait_for_event_and_run(airflow, 1, "STOP from A")
    assert event_ids(airflow) == sent
    assert opt_out_lines(opt_out) == [HANDSET_A]

    # 2. The triggerer stops; B texts STOP while none runs; a new triggerer takes the watcher over.
    airflow.stop("triggerer")
    sent.append(sandbox.inject(VENDOR, OUR_NUMBER, HANDSET_B, "  stop "))
    time.sleep(5 * POLL_INTERVAL_S)
    events_while_down = len(asset_events(airflow))
    airflow.start("triggerer-2", "triggerer")
    wait_until(
        lambda: any(t not in (None, first_triggerer) for _, t in watcher_triggers(airflow)),
        120,
        "the new triggerer taking the watcher's trigger over",
        interval=1,
    )
    wait_for_event_and_run(airflow, 2, "STOP from B, sent while no triggerer ran")
    assert event_ids(airflow) == sent, "after the restart a message was repeated or lost"
    assert opt_out_lines(opt_out) == [HANDSET_A, HANDSET_B]

    # 3. Not a STOP: an event and a run, nobody opted out.
    sent.append(sandbox.inject(VENDOR, OUR_NUMBER, HANDSET_C, "hello"))
    wait_for_event_and_run(airflow, 3, "hello from C")
    assert event_ids(airflow) == sent
    time.sleep(3 * POLL_INTERVAL_S)  # a repeated event would show up within a few polls

    events = asset_events(airflow)
    runs = asset_runs(airflow)
    results = [airflow.xcom(DAG_ID, run.run_id, "record_opt_outs") for run in airflow.runs(DAG_ID)]
    report(
        "inbound polling, triggerer restart (sinch)",
        messages=len(sent),
        asset_events=len(events),
        runs=f"{len(runs)} ({', '.join(state for _, state, _ in runs)})",
        opted_out=len(opt_out_lines(opt_out)),
        seconds=f"{time.monotonic() - started:.0f} (after the watcher ran {time.monotonic() - up_at:.0f})",
    )

    assert events_while_down == 1, "an event was made while no triggerer ran"
    assert [event["id"] for event in events] == sent, "lost or repeated messages"
    assert [(event["from"], event["body"]) for event in events] == [
        (HANDSET_A, "STOP"),
        (HANDSET_B, "  stop "),
        (HANDSET_C, "hello"),
    ]
    assert runs == [("asset_triggered", "success", 1)] * 3
    assert results == [
        {"messages": 1, "stops": 1, "opted_out": 1},
        {"messages": 1, "stops": 1, "opted_out": 1},
        {"messages": 1, "stops": 0, "opted_out": 0},
    ]
    assert opt_out_lines(opt_out) == [HANDSET_A, HANDSET_B]
    assert [trigger_id] == [t for t, _ in watcher_triggers(airflow)], "the watcher's trigger was replaced"


def test_a_triggerer_killed_the_moment_the_cursor_takes_a_message_loses_none_and_repeats_none(
    deploy: Callable[..., AirflowDeployment],
    start_sandbox: Callable[..., SandboxProcess],
    workspace: Path,
) -> None:
    """``SIGKILL`` the triggerer's process tree as soon as the cursor Variable holds a message's id.

    A cursor written before the event is stored (the first version wrote it before the yield) loses that
    message here: the triggerer hands events to the database up to a second after the yield. A second
    message arrives while no triggerer runs. Then the same once more with the restarted triggerer.
    """
    started = time.monotonic()
    sandbox = start_sandbox()
    opt_out = workspace / "opt_out.txt"
    # A killed triggerer's job keeps its heartbeat; its triggers go to another after this many seconds.
    quick_takeover = {
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "6",
    }
    airflow, trigger_id, triggerer = deploy_watcher(deploy, sandbox, opt_out, quick_takeover)
    sent: list[str] = []
    stored_at_kill: list[int] = []

    for round_, name in enumerate(("triggerer", "triggerer-2"), start=1):
        taken = sandbox.inject(VENDOR, OUR_NUMBER, HANDSET_A if round_ == 1 else HANDSET_C, "STOP")
        sent.append(taken)
        wait_until(
            lambda taken=taken: taken in cursor_ids(airflow),
            EVENT_TIMEOUT_S,
            f"the cursor taking {taken}",
            0.02,
        )
        airflow.kill(name)
        stored_at_kill.append(event_ids(airflow).count(taken))
        sent.append(sandbox.inject(VENDOR, OUR_NUMBER, HANDSET_B, "stop"))  # while no triggerer runs
        airflow.start(f"triggerer-{round_ + 1}", "triggerer")
        triggerer = wait_for_new_triggerer(airflow, triggerer)
        wait_for_event_and_run(
            airflow, len(sent), f"round {round_}: the message taken and the one sent after"
        )
        assert event_ids(airflow) == sent, f"round {round_}: a message was lost or repeated"
    time.sleep(3 * POLL_INTERVAL_S)  # a repeated event would show up within a few polls

    events = event_ids(airflow)
    runs = asset_runs(airflow)
    report(
        "inbound polling, triggerer SIGKILLed as the cursor takes a message (sinch)",
        messages=len(sent),
        asset_events=len(events),
        events_stored_at_each_kill=stored_at_kill,
        runs=f"{len(runs)} ({', '.join(state for _, state, _ in runs)})",
        seconds=f"{time.monotonic() - started:.0f}",
    )
    assert events == sent, "lost or repeated messages"
    shared_polls = [
        (airflow.home / f"{name}.out").read_text(errors="replace").count("One shared poll of inbound SMS")
        for name in ("triggerer", "triggerer-2", "triggerer-3")
    ]
    assert shared_polls == ([1, 1, 1] if SHARES_POLLS else [0, 0, 0]), "the watcher ran on the wrong path"
    assert sum(consumed for _, _, consumed in runs) == len(sent)
    assert all(state == "success" for _, state, _ in runs)
    assert sorted(opt_out_lines(opt_out)) == sorted([HANDSET_A, HANDSET_B, HANDSET_C])
    assert [trigger_id] == [t for t, _ in watcher_triggers(airflow)], "the watcher's trigger was replaced"
