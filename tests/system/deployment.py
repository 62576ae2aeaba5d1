"""An Airflow deployment as users run one: separate processes on PostgreSQL, the repository's ``dags/``.

``airflow db migrate`` prepares a fresh database; then ``api-server``, ``scheduler``, ``triggerer`` and
``dag-processor`` (and, for the CeleryExecutor, ``celery worker`` processes) run as separate children of
the test, each in its own process group, with a temporary ``AIRFLOW_HOME``. The test drives it through the
``airflow`` command line (``backfill create``, ``dags unpause``) and reads the outcome from the metadata
database and the task log files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from tests.system.servers import free_port, kill_tree, stop_process, wait_until

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"
BIN_DIR = Path(sys.executable).parent
#: Final states of a DAG run.
RUN_DONE = ("success", "failed")


@dataclass(frozen=True)
class RunRow:
    """One DAG run, as the metadata database has it.

    :param run_id: The run's id.
    :param logical_date: Its logical date.
    :param state: Its state.
    :param run_type: ``backfill``, ``scheduled``, ``manual`` ...
    :param conf: Its ``conf``.
    """

    run_id: str
    logical_date: datetime | None
    state: str
    run_type: str
    conf: dict[str, Any]


class AirflowDeployment:
    """Airflow's components as separate processes on one PostgreSQL database.

    :param home: The temporary ``AIRFLOW_HOME``.
    :param database_url: The metadata database (PostgreSQL).
    :param executor: ``LocalExecutor`` or ``CeleryExecutor``.
    :param settings: More environment: connections, ``SMS_EXAMPLE_*`` timings, configuration overrides.
    """

    def __init__(self, home: Path, database_url: str, executor: str, settings: Mapping[str, str]) -> None:
        from cryptography.fernet import Fernet

        self.home = home
        self.database_url = database_url
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__PARALLELISM": "16",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(16).hex(),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # The task logs must hold the send operator's INFO lines (which chunks were found already sent).
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            # Files written with no work_dir (the scheduled run of an unpaused DAG) stay in the home.
            "TMPDIR": str(home / "tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
            **settings,
        }
        for name in ("AIRFLOW__CORE__UNIT_TEST_MODE", "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE"):
            self.env.pop(name, None)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # ---- the command line --------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 600, env: Mapping[str, str] | None = None) -> str:
        """Run ``airflow <args>`` and return its output; raise with the output if it fails.

        :param args: The command's arguments.
        :param timeout: Seconds it may take.
        :param env: Environment changes for this command only.
        """
        done = subprocess.run(  # noqa: S603
            [str(BIN_DIR / "airflow"), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.home,
        )
        output = done.stdout + done.stderr
        with (self.home / "cli.log").open("a", encoding="utf-8") as log:
            log.write(f"\n$ airflow {' '.join(args)}\n{output}")
        if done.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {done.returncode}:\n{output[-4000:]}")
        return output

    def migrate(self) -> None:
        """``airflow db migrate`` on the (empty) PostgreSQL database."""
        self.cli("db", "migrate", timeout=900)

    # ---- components ----------------------------------------------------------------------------------

    def start(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start ``airflow <args>`` as the component ``name``, its output in ``<home>/<name>.out``.

        :param name: The component's name in this deployment (``scheduler``, ``worker-1`` ...).
        :param args: The ``airflow`` arguments.
        :param env: Environment changes for this component only.
        """
        with (self.home / f"{name}.out").open("ab") as out:
            process = subprocess.Popen(  # noqa: S603
                [str(BIN_DIR / "airflow"), *args],
                env={**self.env, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_core(self) -> None:
        """Start ``api-server``, ``scheduler``, ``triggerer`` and ``dag-processor``; wait until each is up."""
        self.start("api-server", "api-server")
        self.start("dag-processor", "dag-processor")
        self.start("scheduler", "scheduler")
        self.start("triggerer", "triggerer")
        wait_until(self._api_healthy, 240, "the api-server answering /api/v2/monitor/health", interval=1)
        for name in ("scheduler", "triggerer"):
            wait_until(lambda name=name: self.job_alive(name), 240, f"a live {name} job", interval=1)

    def _api_healthy(self) -> bool:
        self.check_running()
        try:
            return requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=2).ok
        except requests.RequestException:
            return False

    def check_running(self) -> None:
        """Raise if a component has exited (naming it and the end of its output)."""
        for name, process in self.processes.items():
            if process.poll() is not None and not name.startswith("stopped:"):
                tail = (self.home / f"{name}.out").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self, name: str) -> None:
        """Stop a component (SIGTERM, then SIGKILL for whatever is left).

        :param name: The component.
        """
        process = self.processes.pop(name)
        stop_process(process, timeout=60)
        self.processes[f"stopped:{name}"] = process

    def kill(self, name: str) -> list[int]:
        """SIGKILL a component and every process it started, as when its machine dies; return their pids.

        :param name: The component.
        """
        process = self.processes.pop(name)
        pids = kill_tree(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.processes[f"stopped:{name}"] = process
        return pids

    def close(self) -> None:
        """Stop every component still running."""
        for name in [n for n in self.processes if not n.startswith("stopped:")]:
            self.stop(name)

    # ---- the metadata database -----------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query on the metadata database.

        :param sql: The query, with ``%s`` placeholders.
        :param params: Its parameters.
        """
        import psycopg2

        url = self.database_url.split("://", 1)[1]
        user_host, _, dbname = url.rpartition("/")
        user, _, host_port = user_host.rpartition("@")
        host, _, port = host_port.partition(":")
        connection = psycopg2.connect(host=host, port=int(port), user=user, dbname=dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return list(cursor.fetchall())
        finally:
            connection.close()

    def job_alive(self, job_type: str) -> bool:
        """Return whether a job of the type (``scheduler``, ``triggerer``) heartbeat in the last 30 s.

        :param job_type: The component.
        """
        self.check_running()
        job = {"scheduler": "SchedulerJob", "triggerer": "TriggererJob"}[job_type]
        rows = self.query(
            "SELECT count(*) FROM job WHERE job_type = %s AND state = 'running' "
            "AND latest_heartbeat > now() - interval '30 seconds'",
            (job,),
        )
        return bool(rows[0][0])

    def wait_for_dags(self, dag_ids: Sequence[str], timeout: float = 300) -> None:
        """Wait until the dag processor has parsed and serialized the DAGs.

        :param dag_ids: The DAGs.
        :param timeout: Seconds to wait at most.
        """

        def parsed() -> bool:
            self.check_running()
            rows = self.query(
                "SELECT DISTINCT dag_id FROM serialized_dag WHERE dag_id = ANY(%s)", (list(dag_ids),)
            )
            return len(rows) == len(set(dag_ids))

        wait_until(parsed, timeout, f"the dag processor serializing {', '.join(dag_ids)}", interval=1)
        errors = self.query("SELECT filename, stacktrace FROM import_error")
        assert not errors, errors

    def backfill(self, dag_id: str, start: str, end: str, conf: Mapping[str, Any], *extra: str) -> int:
        """``airflow backfill create`` over ``[start, end]``; return the new backfill's id.

        :param dag_id: The DAG.
        :param start: ``--from-date``.
        :param end: ``--to-date``.
        :param conf: ``--dag-run-conf``.
        :param extra: More arguments (``--reprocess-behavior completed`` ...).
        """
        before = self.latest_backfill(dag_id)
        self.cli(
            "backfill",
            "create",
            "--dag-id",
            dag_id,
            "--from-date",
            start,
            "--to-date",
            end,
            "--dag-run-conf",
            json.dumps(dict(conf)),
            *extra,
        )
        after = self.latest_backfill(dag_id)
        if after is None or after == before:
            raise RuntimeError(f"no backfill was created for {dag_id}")
        return after

    def latest_backfill(self, dag_id: str) -> int | None:
        """Return the id of the DAG's newest backfill, if any.

        :param dag_id: The DAG.
        """
        rows = self.query("SELECT max(id) FROM backfill WHERE dag_id = %s", (dag_id,))
        return rows[0][0]

    def wait_for_backfill(self, backfill_id: int, timeout: float) -> list[RunRow]:
        """Wait until the scheduler has finished every run of a backfill; return the runs.

        :param backfill_id: The backfill.
        :param timeout: Seconds to wait at most.
        :raises TimeoutError: naming the runs still not done (and whether the DAG is paused).
        """
        deadline = time.monotonic() + timeout
        while True:
            self.check_running()
            done = self.query("SELECT completed_at FROM backfill WHERE id = %s", (backfill_id,))[0][0]
            runs = self.backfill_runs(backfill_id)
            if done is not None and all(run.state in RUN_DONE for run in runs):
                return runs
            if time.monotonic() > deadline:
                paused = self.query(
                    "SELECT d.is_paused FROM dag d JOIN backfill b ON b.dag_id = d.dag_id WHERE b.id = %s",
                    (backfill_id,),
                )[0][0]
                states = sorted(
                    f"{run.logical_date:%Y-%m-%d}: {run.state}" for run in runs if run.logical_date
                )
                raise TimeoutError(
                    f"backfill {backfill_id} not done after {timeout:.0f} s (DAG paused: {paused}); "
                    f"runs: {states}"
                )
            time.sleep(2)

    def backfill_runs(self, backfill_id: int) -> list[RunRow]:
        """Return the runs of a backfill, oldest logical date first.

        :param backfill_id: The backfill.
        """
        rows = self.query(
            "SELECT r.run_id, r.logical_date, r.state, r.run_type, r.conf FROM dag_run r "
            "JOIN backfill_dag_run b ON b.dag_run_id = r.id WHERE b.backfill_id = %s ORDER BY r.logical_date",
            (backfill_id,),
        )
        return [RunRow(row[0], row[1], str(row[2]), str(row[3]), _conf(row[4])) for row in rows]

    def runs(self, dag_id: str) -> list[RunRow]:
        """Return every run of a DAG.

        :param dag_id: The DAG.
        """
        rows = self.query(
            "SELECT run_id, logical_date, state, run_type, conf FROM dag_run WHERE dag_id = %s ORDER BY id",
            (dag_id,),
        )
        return [RunRow(row[0], row[1], str(row[2]), str(row[3]), _conf(row[4])) for row in rows]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        """Return ``{task_id or task_id[map_index]: state}`` of a run.

        :param dag_id: The DAG.
        :param run_id: The run.
        """
        rows = self.query(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = %s AND run_id = %s",
            (dag_id, run_id),
        )
        return {(t if m < 0 else f"{t}[{m}]"): str(s) for t, m, s in rows}

    def xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """Return a task instance's ``return_value`` XCom (Airflow 3 stores it as JSON).

        :param dag_id: The DAG.
        :param run_id: The run.
        :param task_id: The task.
        :param map_index: The map index.
        """
        # As JSON text: the driver would return a JSON string value as a str indistinguishable from JSON text.
        rows = self.query(
            "SELECT value::text FROM xcom WHERE dag_id = %s AND run_id = %s AND task_id = %s "
            "AND map_index = %s AND key = 'return_value'",
            (dag_id, run_id, task_id, map_index),
        )
        if not rows or rows[0][0] is None:
            return None
        return json.loads(rows[0][0])

    def task_logs(
        self, dag_id: str, task_id: str, run_id: str | None = None
    ) -> dict[tuple[str, int, int], str]:
        """Return the task's log files: ``{(run_id, map_index, try): text}``.

        :param dag_id: The DAG.
        :param task_id: The task.
        :param run_id: Only this run's logs.
        """
        logs: dict[tuple[str, int, int], str] = {}
        for path in (self.home / "logs" / f"dag_id={dag_id}").glob(
            f"run_id=*/task_id={task_id}/**/attempt=*.log"
        ):
            run = next(p.name for p in path.parents if p.name.startswith("run_id=")).removeprefix("run_id=")
            if run_id is not None and run != run_id:
                continue
            mapped = [p.name for p in path.parents if p.name.startswith("map_index=")]
            map_index = int(mapped[0].removeprefix("map_index=")) if mapped else -1
            attempt = int(path.stem.removeprefix("attempt="))
            logs[(run, map_index, attempt)] = path.read_text(encoding="utf-8", errors="replace")
        return logs


def _conf(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, (str, bytes)):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}
