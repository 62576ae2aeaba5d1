"""Run one DAG with ``dag.test()`` in a fresh process, logging at ``AIRFLOW__LOGGING__LOGGING_LEVEL``.

Airflow configures its logging once per process, and the test session runs at WARNING; the leak scan needs
a worker at INFO (or DEBUG), so it runs the DAG here, in a child process that shares the session's
``AIRFLOW_HOME``, metadata DB and dags folder (inherited through the environment), and reads what the run
printed and stored afterwards.

Usage: ``python -m tests.reliability.run_dag <dag file in the dags folder> <dag id> <conf as JSON>``.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main(dag_file: str, dag_id: str, conf: dict[str, Any]) -> None:
    """Parse ``dag_id`` from ``dag_file`` and run it once; print its run id and state last.

    :param dag_file: A DAG file inside the dags folder.
    :param dag_id: The DAG to run.
    :param conf: The run's ``conf``.
    """
    import pendulum

    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    bag = DagBag(dag_folder=dag_file)
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    run = bag.dags[dag_id].test(run_conf=conf, run_after=pendulum.now("UTC"))
    print(json.dumps({"run_id": run.run_id, "state": str(run.state)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
