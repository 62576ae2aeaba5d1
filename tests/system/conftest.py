"""Fixtures of the system tests: PostgreSQL and Redis for the session, a fresh Airflow deployment per test.

Run them with ``make system-test`` (installs what they need). Where PostgreSQL or Redis is not installed
they skip, naming what is missing; with ``SMS_SYSTEM_TESTS_REQUIRED=1`` (set by ``make system-test``,
hence by CI) that is an error instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airflow_provider_sms.sandbox.testing import fonedynamics_connection, sinch_connection
from tests.system.deployment import BIN_DIR, AirflowDeployment
from tests.system.servers import PostgresServer, RedisServer, SandboxProcess, ServerUnavailable

#: Connection ids of the sandbox, one per vendor.
CONN_ID = {"sinch": "sinch_default", "fonedynamics": "fonedynamics_default"}
#: Lines the scenarios report; printed at the end of the session.
REPORT: list[str] = []


def report(scenario: str, **counts: object) -> None:
    """Record a scenario's outcome line (runs, recipients, SMS received, duplicates, missing ...).

    :param scenario: The scenario's name.
    :param counts: The counts, in the order they are printed.
    """
    line = f"{scenario}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
    REPORT.append(line)
    print(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("system scenarios")
        for line in REPORT:
            terminalreporter.write_line(line)


def _unavailable(reason: str) -> None:
    if os.environ.get("SMS_SYSTEM_TESTS_REQUIRED") == "1":
        pytest.fail(f"{reason} (SMS_SYSTEM_TESTS_REQUIRED=1: not skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session, in a temporary data directory."""
    try:
        server = PostgresServer()
    except ServerUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    """A Redis server for the session (the Celery broker)."""
    try:
        server = RedisServer()
    except ServerUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def workspace(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A temporary directory for one scenario: ``AIRFLOW_HOME``, sandbox log, campaign files.

    Kept (and named in the output) when the test failed.
    """
    path = Path(tempfile.mkdtemp(prefix=f"sms-system-{request.node.name[:40]}-"))
    yield path
    report_call = getattr(request.node, "rep_call", None)
    if report_call is not None and report_call.failed:
        print(f"kept {path} for inspection")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture
def start_sandbox(workspace: Path) -> Iterator[Callable[..., SandboxProcess]]:
    """Start the sandbox: ``start_sandbox(delivery_delay=1.0)``; stopped at the end of the test."""
    started: list[SandboxProcess] = []

    def start(delivery_delay: float = 1.0) -> SandboxProcess:
        sandbox = SandboxProcess(BIN_DIR / "airflow-sms-sandbox", workspace / "sandbox.log", delivery_delay)
        started.append(sandbox.start())
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def deploy(
    postgres: PostgresServer, workspace: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AirflowDeployment]]:
    """Make a deployment on a new database: ``deploy(executor, sandbox_url, settings)``, migrated.

    It is not started; its components are stopped at the end of the test.
    """
    made: list[AirflowDeployment] = []

    def make(executor: str, sandbox_url: str, settings: dict[str, str]) -> AirflowDeployment:
        database = f"airflow_{len(made)}_{int(time.time() * 1000) % 10**9}"
        connections = {
            f"AIRFLOW_CONN_{CONN_ID['sinch'].upper()}": _json(sinch_connection(sandbox_url)),
            f"AIRFLOW_CONN_{CONN_ID['fonedynamics'].upper()}": _json(fonedynamics_connection(sandbox_url)),
        }
        deployment = AirflowDeployment(
            workspace / "airflow-home",
            postgres.create_database(database),
            executor,
            {**connections, **settings},
        )
        made.append(deployment)
        started = time.monotonic()
        deployment.migrate()
        print(f"airflow db migrate on PostgreSQL: {time.monotonic() - started:.0f} s")
        return deployment

    yield make
    for deployment in made:
        deployment.close()


def _json(value: object) -> str:
    import json

    return json.dumps(value)
