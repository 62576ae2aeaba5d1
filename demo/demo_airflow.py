"""A throwaway Airflow: temporary ``AIRFLOW_HOME``, SQLite, the repository's ``dags/``, env connections."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any


class DemoAirflow:
    """Run the ``airflow`` command line in a private home.

    :param home: The temporary ``AIRFLOW_HOME``.
    :param dags_folder: The example DAGs.
    :param bin_dir: The virtualenv's ``bin`` directory.
    :param log_file: Where the commands' output goes.
    """

    def __init__(self, home: Path, dags_folder: Path, bin_dir: Path, log_file: Path) -> None:
        self.database = home / "airflow.db"
        self.log_file = log_file
        self._airflow = str(bin_dir / "airflow")
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.database}",
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def set_connection(self, conn_id: str, connection: dict[str, Any]) -> None:
        """Define a connection through its ``AIRFLOW_CONN_<ID>`` variable.

        :param conn_id: The connection id.
        :param connection: The connection in Airflow's JSON form.
        """
        self.env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(connection)

    def run(self, *args: str) -> int:
        """Run ``airflow <args>``, its output appended to the log file; return its exit code.

        :param args: The command's arguments.
        """
        with self.log_file.open("ab") as log:
            log.write(f"\n$ airflow {' '.join(args)}\n".encode())
            log.flush()
            done = subprocess.run(  # noqa: S603
                [self._airflow, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        return done.returncode

    def task_states(self, dag_id: str) -> Counter[str]:
        """Return how many task instances of the DAG's runs ended in each state.

        :param dag_id: The DAG.
        """
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT state FROM task_instance WHERE dag_id = ?", (dag_id,)).fetchall()
        return Counter(str(state) for (state,) in rows)
