"""``example_sms_inbound_stop`` in real Airflow against the sandbox: an inbound STOP makes the DAG run.

What a deployment's DAG processor, triggerer and scheduler do between a handset's message and the DAG run
is done here with their own code, in this process: the DAG is unpaused and the DAG processor's asset code
links its ``AssetWatcher`` to a ``trigger`` row; the trigger is rebuilt from that row and run until its
events are out and its cursor has taken them (as in a triggerer, which stores the events first); each
event goes through
``Trigger.submit_event`` (which stores the asset event, as the triggerer does); and the run ``dag.test()``
creates consumes those events, as the run the scheduler creates for them would.
"""

from __future__ import annotations

import asyncio
import importlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.models.inbound import inbound_asset_uri
from airflow_provider_sms.sandbox.testing import SandboxServer
from airflow_provider_sms.triggers import inbound
from airflow_provider_sms.triggers.inbound import InboundCursor, load_cursor, save_cursor
from tests.dags.helpers import CONN_ID, VENDORS, fast_examples, use_vendor
from tests.e2e.harness import load_dag, run_dag, task_states, xcom_return

DAG_ID = "example_sms_inbound_stop"
OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
HANDSET, OTHER_HANDSET = "+61400000002", "+61400000003"


@pytest.fixture
def inbound_env(
    example_dags: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """Point the example at the sandbox; return the opt-out file it writes."""
    opt_out = tmp_path / "opt_out.txt"
    monkeypatch.setenv("SMS_OPT_OUT_FILE", str(opt_out))
    fast_examples(monkeypatch)
    monkeypatch.setattr(inbound, "COMMIT_DELAY_S", 0.2)
    return opt_out


def use(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, vendor: str) -> str:
    conn_id = use_vendor(monkeypatch, sandbox, vendor)
    monkeypatch.setenv("SMS_EXAMPLE_INBOUND_VENDOR", vendor)
    monkeypatch.setenv("SMS_EXAMPLE_INBOUND_NUMBER", OUR_NUMBER[vendor])
    monkeypatch.setenv("SMS_EXAMPLE_INBOUND_CONN_ID", conn_id)
    return conn_id


def watcher_running_since(folder: Path, since: datetime) -> None:
    """Keep the cursor a watcher that has run since ``since`` would have kept (a triggerer started then)."""
    dag = load_dag(folder / f"{DAG_ID}.py", DAG_ID)
    (asset,) = dag.timetable.asset_condition.objects
    trigger = asset.watchers[0].trigger
    save_cursor(trigger.cursor_key, InboundCursor(since.replace(microsecond=0)).to_json())


async def take(trigger: Any, count: int) -> list[dict[str, Any]]:
    """Run a trigger until it yields ``count`` events and its cursor takes them, then stop it as a triggerer
    does (a triggerer stopped before then would get the same messages again)."""

    def kept() -> set[str]:
        text = load_cursor(trigger.cursor_key)
        return set() if text is None else set(InboundCursor.from_json(text).seen)

    events = trigger.run()
    try:
        payloads = [(await asyncio.wait_for(anext(events), 30)).payload for _ in range(count)]
        pending = asyncio.ensure_future(anext(events))
        for _ in range(200):
            if {payload["id"] for payload in payloads} <= await asyncio.to_thread(kept):
                break
            await asyncio.sleep(0.05)
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        return payloads
    finally:
        await events.aclose()


def unpaused_watcher(sdk_dag: Any, session: Any) -> Any:
    """Unpause the DAG and write it as the DAG processor does (which links its watcher to a trigger row).

    :return: The asset and the trigger row of its watcher.
    """
    from airflow.models.asset import AssetModel
    from airflow.models.dag import DagModel
    from sqlalchemy import select

    try:
        from airflow.serialization.definitions.dag import SerializedDAG  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.serialization.serialized_objects import SerializedDAG  # type: ignore[no-redef]

    dag_model = session.get(DagModel, DAG_ID)
    dag_model.is_paused = False
    session.flush()
    SerializedDAG.bulk_write_to_db(dag_model.bundle_name, None, [sdk_dag], session=session)
    session.commit()  # the trigger keeps its cursor through its own session: SQLite has one writer
    (uri,) = [asset.uri for asset in sdk_dag.timetable.asset_condition.objects]
    asset = session.scalars(select(AssetModel).where(AssetModel.uri == uri)).one()
    (row,) = asset.triggers
    return asset, row


def run_on_inbound(monkeypatch: pytest.MonkeyPatch, folder: Path, count: int) -> Any:
    """Run the DAG on the next ``count`` events of its watcher (see the module documentation)."""
    from airflow.models import dagrun as dagrun_module
    from airflow.models.asset import AssetEvent
    from airflow.models.trigger import Trigger
    from airflow.triggers.base import TriggerEvent
    from sqlalchemy import select

    create_run = dagrun_module.get_or_create_dagrun
    create_run = getattr(create_run, "__wrapped__", create_run)  # an earlier run of this test patched it
    sdk_dag = load_dag(folder / f"{DAG_ID}.py", DAG_ID)

    def create_run_on_events(*, dag: Any, session: Any, **kwargs: Any) -> Any:
        asset, row = unpaused_watcher(sdk_dag, session)
        trigger = getattr(
            importlib.import_module(row.classpath.rpartition(".")[0]), row.classpath.rpartition(".")[2]
        )
        payloads = asyncio.run(take(trigger(**row.kwargs), count))
        known = set(session.scalars(select(AssetEvent.id).where(AssetEvent.asset_id == asset.id)))
        for payload in payloads:
            Trigger.submit_event(row.id, TriggerEvent(payload), session=session)
        session.flush()
        events = session.scalars(
            select(AssetEvent).where(AssetEvent.asset_id == asset.id, AssetEvent.id.not_in(known))
        ).all()
        run = create_run(dag=dag, session=session, **kwargs)
        run.consumed_asset_events.extend(events)
        session.commit()
        return run

    create_run_on_events.__wrapped__ = create_run  # type: ignore[attr-defined]
    monkeypatch.setattr(dagrun_module, "get_or_create_dagrun", create_run_on_events)
    return run_dag(folder / f"{DAG_ID}.py", DAG_ID, logical_date=None)


def consumed(run: Any) -> list[str]:
    """Return the asset URI of each event the run consumed."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        found = session.query(DagRun).filter_by(dag_id=run.dag_id, run_id=run.run_id).one()
        return [event.asset.uri for event in found.consumed_asset_events]


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_inbound_stop_runs_the_dag_and_opts_the_sender_out_once(
    example_dags: Path,
    inbound_env: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    vendor: str,
) -> None:
    use(monkeypatch, sandbox, vendor)
    watcher_running_since(example_dags, datetime.now(timezone.utc) - timedelta(seconds=2))
    sandbox.inject_inbound(vendor, sender=HANDSET, to=OUR_NUMBER[vendor], body=" Stop ")
    sandbox.inject_inbound(vendor, sender=OTHER_HANDSET, to=OUR_NUMBER[vendor], body="STOP please")

    first = run_on_inbound(monkeypatch, example_dags, 2)
    sandbox.inject_inbound(vendor, sender=HANDSET, to=OUR_NUMBER[vendor], body="STOP")
    second = run_on_inbound(monkeypatch, example_dags, 1)

    assert consumed(first) == [inbound_asset_uri(vendor, OUR_NUMBER[vendor])] * 2
    assert consumed(second) == [inbound_asset_uri(vendor, OUR_NUMBER[vendor])]
    assert task_states(first) == {"record_opt_outs": "success"}
    assert xcom_return(first, "record_opt_outs") == {"messages": 2, "stops": 1, "opted_out": 1}
    assert xcom_return(second, "record_opt_outs") == {"messages": 1, "stops": 1, "opted_out": 0}
    assert inbound_env.read_text().splitlines() == [HANDSET]


def test_the_campaign_then_leaves_the_opted_out_number_out(
    example_dags: Path,
    inbound_env: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from tests.dags.test_example_sms_campaign import DAY, audience_of, run_campaign

    conn_id = use(monkeypatch, sandbox, "sinch")
    audience = audience_of(example_dags, DAY.to_date_string())
    stopped = next(n for n in audience if not n.endswith(("13", "99")))
    inbound_env.write_text(f"{stopped}\n")

    run = run_campaign(example_dags, conn_id, tmp_path, resend=False)

    assert xcom_return(run, "load_audience")["opted_out"] == 1
    assert sandbox.inbox(stopped) == []
    assert all(sandbox.inbox(n) for n in audience if n != stopped and not n.endswith(("13", "99")))
    assert CONN_ID["sinch"] == conn_id
