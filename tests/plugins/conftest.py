"""The webhook receiver's test set-up: the session's SQLite metadata DB with DAGs scheduled on the SMS assets,
the SMS connections (with their webhook secrets) in the environment, and Airflow's own API server app, with
the plugin mounted the way Airflow mounts it, served by uvicorn on loopback for the sandbox to call.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from tests.airflow_env import DAGS_FOLDER
from tests.e2e.harness import migrate_metadata_db

DAG_FILE = Path(__file__).parent / "dags" / "webhook_assets.py"
_spec = importlib.util.spec_from_file_location("webhook_assets", DAG_FILE)
assert _spec is not None
assert _spec.loader is not None
_dags = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dags)
#: dag_id -> asset URI of the consumer DAGs.
ASSETS: dict[str, str] = _dags.ASSETS

SINCH_CONN, SIGNED_CONN, FONE_CONN = "sms_wh_sinch", "sms_wh_signed", "sms_wh_fone"
URL_SECRET = secrets.token_urlsafe(24)
SIGNING_SECRET = secrets.token_urlsafe(24)
#: The Sinch plan's number, and the first number the sandbox leases to a handset after a reset.
SINCH_NUMBER, FONE_NUMBER = "+61400000001", "+61480000001"


def sync_dags() -> None:
    """Parse the consumer DAGs into the metadata DB (assets, DAG references) and unpause them."""
    migrate_metadata_db()
    target = DAGS_FOLDER / DAG_FILE.name
    shutil.copyfile(DAG_FILE, target)
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    try:
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag, sync_bag_to_db  # type: ignore[no-redef]

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=str(target))
    assert not bag.import_errors, bag.import_errors
    assert set(ASSETS) <= set(bag.dags)
    sync_bag_to_db(bag, "dags-folder", None)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(ASSETS)).values(is_paused=False))


def clear_events() -> None:
    """Forget every asset event and queued asset-triggered run."""
    from airflow.models.asset import AssetDagRunQueue, AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue))
        session.execute(delete(AssetEvent))


def events(uri: str) -> list[dict[str, Any]]:
    """Return the ``extra`` of every event of the asset ``uri``, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = (
            select(AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri == uri)
            .order_by(AssetEvent.id)
        )
        return [dict(extra) for extra in session.scalars(query)]


def queued_dags() -> set[str]:
    """Return the DAGs with an asset-triggered run queued (``asset_dag_run_queue``)."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(select(AssetDagRunQueue.target_dag_id)))


class ApiServer:
    """Airflow's API server app (plugins mounted by Airflow itself) served by uvicorn on a loopback port."""

    def __init__(self) -> None:
        import uvicorn
        from airflow.api_fastapi.app import create_app

        self.app = create_app("core")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True
        )

    def start(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            assert self._thread.is_alive(), "the API server stopped while starting"
            assert time.monotonic() < deadline, "the API server did not start within 30 s"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="session")
def consumer_dags() -> None:
    """The consumer DAGs, parsed into the session's metadata DB once."""
    sync_dags()


@pytest.fixture(scope="session")
def api_server(consumer_dags: None) -> Iterator[ApiServer]:
    """Airflow's API server app on loopback, for the whole session."""
    server = ApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def connections(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The three SMS connections of the tests, pointing at the sandbox, with their webhook secrets."""
    sinch = sinch_connection(sandbox.url)
    sinch["extra"]["webhook_secret"] = URL_SECRET
    signed = sinch_connection(sandbox.url)
    signed["extra"]["webhook_signing_secret"] = SIGNING_SECRET
    fone = fonedynamics_connection(sandbox.url)
    fone["extra"]["webhook_secret"] = URL_SECRET
    for conn_id, conn in ((SINCH_CONN, sinch), (SIGNED_CONN, signed), (FONE_CONN, fone)):
        monkeypatch.setenv(*connection_env(conn_id, conn))


@pytest.fixture
def clean_events(consumer_dags: None) -> None:
    """No asset event and no queued run before the test."""
    clear_events()
