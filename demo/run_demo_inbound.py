"""``make demo-inbound``: a handset texts STOP to our number; the asset-scheduled DAG opts it out.

Starts ``airflow-sms-sandbox`` on a free port and a temporary ``AIRFLOW_HOME`` with SQLite, then does in
this process what a deployment's DAG processor, triggerer and scheduler would do, with their own code:

1. writes ``example_sms_inbound_stop`` to the metadata database unpaused, which links its ``AssetWatcher`` to
   a ``trigger`` row;
2. runs that trigger (``SmsInboundTrigger``, rebuilt from the row) while two handsets text our number, one
   ``STOP`` and one something else, and stores each event it yields as an asset event
   (``Trigger.submit_event``, as the triggerer does);
3. runs the DAG with ``dag.test()`` on those events, as the run the scheduler would create for them;

and prints the opt-out file. Exits non-zero unless exactly the STOP sender is on it.

    python demo/run_demo_inbound.py [--vendor sinch|fonedynamics] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from demo_sandbox import SandboxProcess

from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
DAG_ID = "example_sms_inbound_stop"
CONN_ID = "demo_sms"
OUR_NUMBER = {"sinch": "+61400000100", "fonedynamics": "+61299990000"}
TEXTS = (("+61400000002", " Stop "), ("+61400000003", "Is the renewal offer still on?"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=("sinch", "fonedynamics"), default="sinch")
    parser.add_argument("--keep", action="store_true", help="keep the temporary AIRFLOW_HOME and logs")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="sms-demo-inbound-"))
    log_file = home / "sandbox.log"
    print(f"SMS inbound demo: {DAG_ID} through the {args.vendor} sandbox (home: {home})")
    ok = False
    try:
        with SandboxProcess(Path(sys.executable).parent / "airflow-sms-sandbox", log_file) as sandbox:
            configure(home, args.vendor, sandbox.url)
            ok = run(args.vendor, sandbox.url, home / "opt_out.txt")
    finally:
        if args.keep or not ok:
            print(f"Kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    print("Result:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def configure(home: Path, vendor: str, sandbox_url: str) -> None:
    """Set Airflow's and the example's settings; Airflow reads them when it is first imported."""
    connection = sinch_connection if vendor == "sinch" else fonedynamics_connection
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "SMS_EXAMPLE_INBOUND_VENDOR": vendor,
            "SMS_EXAMPLE_INBOUND_NUMBER": OUR_NUMBER[vendor],
            "SMS_EXAMPLE_INBOUND_CONN_ID": CONN_ID,
            "SMS_EXAMPLE_POLL_INTERVAL_S": "0.5",
            "SMS_OPT_OUT_FILE": str(home / "opt_out.txt"),
        }
    )
    os.environ.setdefault(*connection_env(CONN_ID, connection(sandbox_url)))
    sys.path.append(str(DAGS))


def run(vendor: str, sandbox_url: str, opt_out: Path) -> bool:
    """Deploy the DAG, run its watcher while the handsets text, run the DAG; return whether all went well."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models import dagrun as dagrun_module
    from airflow.models.trigger import Trigger
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.db import upgradedb
    from airflow.utils.session import create_session

    print("- preparing the SQLite metadata database ...")
    upgradedb()
    dag = parsed_dag()
    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    asset_id, trigger_id, classpath, kwargs = deploy_unpaused(dag)
    print(f"- the watcher of sms asset {trigger_uri(dag)} runs; handsets text {OUR_NUMBER[vendor]} ...")
    module, _, name = classpath.rpartition(".")
    trigger = getattr(importlib.import_module(module), name)(**kwargs)
    payloads = asyncio.run(watch_while_texting(trigger, vendor, sandbox_url))
    with create_session() as session:
        for payload in payloads:
            print(f"  event: {payload['body']!r} from {payload['from']} (id {payload['id']})")
            Trigger.submit_event(trigger_id, TriggerEvent(payload), session=session)
    create_run = dagrun_module.get_or_create_dagrun

    def run_on_events(*, dag: Any, session: Any, **run_kwargs: Any) -> Any:
        from airflow.models.asset import AssetEvent
        from sqlalchemy import select

        events = session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset_id)).all()
        dag_run = create_run(dag=dag, session=session, **run_kwargs)
        dag_run.consumed_asset_events.extend(events)
        session.commit()
        return dag_run

    dagrun_module.get_or_create_dagrun = run_on_events  # type: ignore[assignment]
    print(f"- dag.test() of {DAG_ID} on {len(payloads)} asset events ...")
    dag_run = dag.test(logical_date=None)
    lines = opt_out.read_text().splitlines() if opt_out.exists() else []
    print(f"  run {dag_run.run_id}: {dag_run.state}")
    print(f"Opt-out file {opt_out}:", *[f"  {line}" for line in lines] or ["  (empty)"], sep="\n")
    return str(dag_run.state) == "success" and lines == [TEXTS[0][0]]


def parsed_dag() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    bag = DagBag(dag_folder=str(DAGS / f"{DAG_ID}.py"))
    if bag.import_errors:
        raise RuntimeError(f"the DAG does not parse: {bag.import_errors}")
    return bag.dags[DAG_ID]


def trigger_uri(dag: Any) -> str:
    (asset,) = dag.timetable.asset_condition.objects
    return str(asset.uri)


def deploy_unpaused(dag: Any) -> tuple[int, int, str, dict[str, Any]]:
    """Write the DAG as the DAG processor does, then unpaused; return its asset's id and its trigger row."""
    from airflow.models.asset import AssetModel
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    try:
        from airflow.serialization.definitions.dag import SerializedDAG  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.serialization.serialized_objects import SerializedDAG  # type: ignore[no-redef]

    with create_session() as session:
        SerializedDAG.bulk_write_to_db("dags-folder", None, [dag], session=session)
    with create_session() as session:
        session.get(DagModel, DAG_ID).is_paused = False
    with create_session() as session:
        SerializedDAG.bulk_write_to_db("dags-folder", None, [dag], session=session)
    with create_session() as session:
        asset = session.scalars(select(AssetModel).where(AssetModel.uri == trigger_uri(dag))).one()
        (row,) = asset.triggers
        return asset.id, row.id, row.classpath, dict(row.kwargs)


async def watch_while_texting(trigger: Any, vendor: str, sandbox_url: str) -> list[dict[str, Any]]:
    """Run the trigger; once it has its cursor the handsets text; return its events, then stop it."""
    from airflow_provider_sms.triggers.inbound import load_cursor

    events = trigger.run()
    first = asyncio.ensure_future(anext(events))
    while await asyncio.to_thread(load_cursor, trigger.cursor_key) is None:
        await asyncio.sleep(0.1)
    for sender, body in TEXTS:
        data = {"vendor": vendor, "from": sender, "to": OUR_NUMBER[vendor], "body": body}
        response = await asyncio.to_thread(
            requests.post, f"{sandbox_url}/_sandbox/inbound", json=data, timeout=10
        )
        response.raise_for_status()
    try:
        payloads = [(await asyncio.wait_for(first, 30)).payload]
        payloads += [(await asyncio.wait_for(anext(events), 30)).payload for _ in TEXTS[1:]]
    finally:
        await events.aclose()
    return payloads


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
