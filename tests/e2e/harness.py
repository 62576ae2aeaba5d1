"""Run DAG files in real Airflow with ``dag.test()``: SQLite metadata DB, connections from the environment.

``dag.test()`` needs the DAG to be serialized from the dags folder, so DAG files are copied into the
session's temporary dags folder and loaded from there.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.airflow_env import DAGS_FOLDER

_migrated = False


def migrate_metadata_db() -> None:
    """Create the session's SQLite metadata DB once (about ten seconds)."""
    global _migrated
    if not _migrated:
        from airflow.utils.db import upgradedb

        upgradedb()
        _reuse_in_process_execution_api()
        _migrated = True


def _reuse_in_process_execution_api() -> None:
    """Build ``dag.test()``'s in-process execution API once per session, as Airflow 3.2+ does.

    Airflow 3.1.8 builds a new execution-API app (Cadwyn's versioned routers, about one second of CPU) for
    every task instance ``dag.test()`` runs; Airflow 3.3 caches it with ``functools.lru_cache``. Applying
    the same cache on 3.1 changes nothing the tests check and cuts the 3.1 test run by minutes.
    """
    import functools

    from airflow.sdk.execution_time import supervisor

    build = supervisor.in_process_api_server
    if not hasattr(build, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(build)  # type: ignore[assignment]


def load_dag(dag_file: Path, dag_id: str) -> Any:
    """Copy ``dag_file`` into the dags folder and return the DAG ``dag_id`` parsed from there.

    :param dag_file: A Python file defining the DAG.
    :param dag_id: The DAG to return.
    """
    migrate_metadata_db()
    target = DAGS_FOLDER / dag_file.name
    if not target.exists() or target.read_bytes() != dag_file.read_bytes():
        shutil.copyfile(dag_file, target)
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    bag = DagBag(dag_folder=str(target))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def run_dag(
    dag_file: Path,
    dag_id: str,
    *,
    logical_date: datetime | None = None,
    run_after: datetime | None = None,
    conf: Mapping[str, Any] | None = None,
) -> Any:
    """Run a DAG once in-process with ``dag.test()`` and return the DagRun.

    Deferrable tasks run their trigger inline, as ``dag.test()`` does; task retries happen within the run.

    :param dag_file: A Python file defining the DAG.
    :param dag_id: The DAG to run.
    :param logical_date: The run's logical date (``None`` for a run without one).
    :param run_after: When the run is considered to start; also what its run id is made of.
    :param conf: The run's ``conf``.
    """
    dag = load_dag(dag_file, dag_id)
    kwargs: dict[str, Any] = {"run_conf": dict(conf or {})}
    if logical_date is not None:
        kwargs["logical_date"] = logical_date
    if run_after is not None:
        kwargs["run_after"] = run_after
    return dag.test(**kwargs)


def task_states(dag_run: Any) -> dict[str, str]:
    """Return ``{task_id or task_id[map_index]: state}`` for every task instance of a run."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).all()
        return {
            (ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"): str(ti.state) for ti in tis
        }


def xcom_return(dag_run: Any, task_id: str, map_index: int = -1) -> Any:
    """Return the ``return_value`` XCom a task instance pushed in a run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(
                dag_id=dag_run.dag_id,
                run_id=dag_run.run_id,
                task_id=task_id,
                map_index=map_index,
                key="return_value",
            )
            .one_or_none()
        )
        return None if row is None else XComModel.deserialize_value(row)


def tries(run: Any, task_id: str) -> int:
    """Return how many times a task of the run was tried."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = (
            session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id).one()
        )
        return int(ti.try_number)
