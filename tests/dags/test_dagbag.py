"""Every example DAG in ``dags/`` parses without errors and without touching the network."""

from __future__ import annotations

import socket
from typing import Any, NoReturn

import pytest

from tests.dags.conftest import EXAMPLE_DAGS

EXPECTED_DAGS = {
    "example_sms_campaign",
    "example_sms_backfill_resend",
    "example_sms_alerts",
    "example_sms_inbound_stop",
    "example_sms_approval",
}
#: Scheduled on inbound messages: its connection is the watcher's, fixed at parse time, not a param.
ASSET_SCHEDULED = {"example_sms_inbound_stop"}


def dag_bag(folder: str) -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.2
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag(dag_folder=folder)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every outgoing connection and name lookup fail; return what was attempted."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        attempts.append(repr(args[:2]))
        raise OSError("network access at parse time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_every_example_dag_parses_without_errors_or_network(
    monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE_DAGS))

    bag = dag_bag(str(EXAMPLE_DAGS))

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == EXPECTED_DAGS
    assert no_network == []
    for dag_id in EXPECTED_DAGS:
        dag = bag.dags[dag_id]
        assert "example" in dag.tags
        if dag_id not in ASSET_SCHEDULED:
            assert dag.params["sms_conn_id"] == "sinch_default"
    inbound = bag.dags["example_sms_inbound_stop"]
    (asset,) = inbound.timetable.asset_condition.objects
    assert asset.uri == "sms://sinch/61400000100/inbound"
    assert type(asset.watchers[0].trigger).__name__ == "SmsInboundTrigger"
    approval = bag.dags["example_sms_approval"]
    assert approval.params["manager"] == "+61400000007"
    assert approval.get_task("wait_for_reply").soft_fail


def test_the_network_guard_does_catch_a_connection(no_network: list[str]) -> None:
    with pytest.raises(OSError, match="network access at parse time"):
        socket.create_connection(("127.0.0.1", 9))
    assert len(no_network) == 1
