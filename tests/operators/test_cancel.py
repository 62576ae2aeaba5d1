"""SmsCancelBatchOperator, and what every batch operator shares: capability, batch ids, failures midway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsServerError
from airflow_provider_sms.operators.cancel import SmsCancelBatchOperator
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from airflow_provider_sms.version_compat import AirflowFailException

BASE = "https://sms.test"
BATCHES = f"{BASE}/xms/v1/{SandboxConfig().sinch_service_plan_id}/batches"
SINCH = "sms_sinch"
FONE = "sms_fone"


@pytest.fixture(autouse=True)
def _connections(monkeypatch: pytest.MonkeyPatch) -> None:
    sinch = sinch_connection(BASE)
    sinch["extra"]["max_retries"] = 0
    monkeypatch.setenv(*connection_env(SINCH, sinch))
    monkeypatch.setenv(*connection_env(FONE, fonedynamics_connection(BASE)))


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected one fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


def report(batch_id: str, *statuses: tuple[str, int, int]) -> dict[str, Any]:
    """A summary delivery report with ``(status, code, count)`` entries."""
    entries = [{"status": s, "code": c, "count": n} for s, c, n in statuses]
    total = sum(n for _, _, n in statuses)
    return {
        "type": "delivery_report_sms",
        "batch_id": batch_id,
        "total_message_count": total,
        "statuses": entries,
    }


def cancellable(http: requests_mock.Mocker, batch_id: str, *statuses: tuple[str, int, int]) -> None:
    """Let ``batch_id`` be cancelled, its report then showing ``statuses``."""
    http.delete(f"{BATCHES}/{batch_id}", json={"id": batch_id, "canceled": True, "to": []})
    http.get(f"{BATCHES}/{batch_id}/delivery_report", json=report(batch_id, *statuses))


@pytest.fixture
def log() -> Iterator[mock.MagicMock]:
    """The operator's logger, recorded."""
    with mock.patch.object(SmsCancelBatchOperator, "log") as logger:
        yield logger


def logged(method: mock.MagicMock) -> list[str]:
    """Return the messages a logger method was called with, formatted."""
    return [call.args[0] % call.args[1:] for call in method.call_args_list]


def cancel(batch_id: Any, conn_id: str = SINCH) -> dict[str, Any]:
    return SmsCancelBatchOperator(task_id="cancel", sms_conn_id=conn_id, batch_id=batch_id).execute({})


def test_cancels_a_batch_and_reports_every_message_cancelled(
    http: requests_mock.Mocker, log: mock.MagicMock
) -> None:
    cancellable(http, "B1", ("Cancelled", 407, 3))

    result = cancel("B1")

    assert result == {
        "batch_ids": ["B1"],
        "outcomes": {"B1": {"outcome": "cancelled", "messages": 3, "cancelled": 3, "not_cancelled": {}}},
    }
    assert [r.method for r in http.request_history] == ["DELETE", "GET"]
    assert http.request_history[1].qs == {"type": ["summary"]}
    assert not [message for message in logged(log.warning) if "could not be cancelled" in message]


def test_cancel_of_a_batch_already_sent_is_a_warning_not_a_failure(
    http: requests_mock.Mocker, log: mock.MagicMock
) -> None:
    cancellable(http, "B1", ("Delivered", 0, 2), ("Dispatched", 401, 1))

    result = cancel("B1")

    assert result["outcomes"]["B1"] == {
        "outcome": "already_final",
        "messages": 3,
        "cancelled": 0,
        "not_cancelled": {"Delivered": 2, "Dispatched": 1},
    }
    warning = (
        "Batch B1 was already sent: 3 of 3 messages could not be cancelled (Delivered: 2, Dispatched: 1)"
    )
    assert warning in logged(log.warning)


def test_a_batch_partly_sent_is_partly_cancelled(http: requests_mock.Mocker) -> None:
    cancellable(http, "B1", ("Delivered", 0, 1), ("Cancelled", 407, 4))

    assert cancel("B1")["outcomes"]["B1"]["outcome"] == "partly_cancelled"


def test_older_aborted_407_counts_as_cancelled(http: requests_mock.Mocker) -> None:
    cancellable(http, "B1", ("Aborted", 407, 2))

    assert cancel("B1")["outcomes"]["B1"]["cancelled"] == 2


def test_cancels_every_batch_of_a_send_result_once_in_order(http: requests_mock.Mocker) -> None:
    for batch_id in ("B1", "B2"):
        cancellable(http, batch_id, ("Cancelled", 407, 1))

    result = cancel({"batch_ids": ["B1", "B2", "B1"], "messages": 3})

    assert result["batch_ids"] == ["B1", "B2"]
    deletes = [r.path for r in http.request_history if r.method == "DELETE"]
    assert deletes == [f"{BATCHES.removeprefix(BASE)}/b1", f"{BATCHES.removeprefix(BASE)}/b2"]


def test_cancels_every_batch_of_a_mapped_send_task(http: requests_mock.Mocker) -> None:
    for batch_id in ("B1", "B2", "B3"):
        cancellable(http, batch_id, ("Cancelled", 407, 1))

    result = cancel([{"batch_ids": ["B1", "B2"]}, {"batch_ids": ["B3"]}])

    assert result["batch_ids"] == ["B1", "B2", "B3"]


def test_a_bad_send_result_in_a_mapped_list_is_named_by_position(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match=r"batch_id\[1\]=\[\]: must name at least one batch"):
        cancel([{"batch_ids": ["B1"]}, {"batch_ids": []}])

    assert http.call_count == 0


def test_fone_dynamics_fails_at_once_naming_vendor_and_capability(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match="Fone Dynamics has no API to cancel a batch") as caught:
        cancel("key@1700000000", conn_id=FONE)

    assert http.call_count == 0
    assert type(caught.value.__cause__).__name__ == "SmsCapabilityError"


def test_capability_is_checked_before_the_batch_ids(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match="Fone Dynamics has no API to cancel a batch"):
        cancel([], conn_id=FONE)


@pytest.mark.parametrize(
    ("batch_id", "message"),
    [
        ([], "batch_id=\\[\\]: must name at least one batch"),
        (["B1", " "], "batch_id\\[1\\]=' ': must be a non-empty string"),
        (42, "batch_id=<int>: must be a batch id"),
        ("['B1', 'B2']", "rendered to text: pass the XComArg itself"),
        ("{'batch_ids': ['B1']}", "render_template_as_native_obj=True"),
    ],
)
def test_unusable_batch_ids_fail_without_retry_and_without_request(
    http: requests_mock.Mocker, batch_id: object, message: str
) -> None:
    with pytest.raises(AirflowFailException, match=message):
        cancel(batch_id)

    assert http.call_count == 0


def test_a_connection_of_another_type_fails_without_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SMS_HTTP", '{"conn_type": "http", "host": "example.com"}')

    with pytest.raises(AirflowFailException, match="conn_type='http': must be one of fonedynamics, sinch"):
        cancel("B1", conn_id="sms_http")


def test_a_failure_midway_names_what_was_done_and_what_was_not(http: requests_mock.Mocker) -> None:
    cancellable(http, "B1", ("Cancelled", 407, 1))
    http.delete(f"{BATCHES}/B2", status_code=404, json={"code": "not_found", "text": "no such batch"})

    with pytest.raises(AirflowFailException) as caught:
        cancel(["B1", "B2", "B3"])

    text = str(caught.value)
    assert "Batch B2 failed: Sinch API returned HTTP 404" in text
    assert "batches already cancelled: B1 (cancelled); not attempted: B3" in text


def test_a_retryable_failure_midway_is_raised_as_is_so_airflow_retries(
    http: requests_mock.Mocker, log: mock.MagicMock
) -> None:
    cancellable(http, "B1", ("Cancelled", 407, 1))
    http.delete(f"{BATCHES}/B2", status_code=503, json={"code": "unavailable", "text": "try later"})

    with pytest.raises(SmsServerError):
        cancel(["B1", "B2"])

    assert logged(log.error) == [
        "Batch B2 failed; batches already cancelled: B1 (cancelled); not attempted: none"
    ]


def test_batch_id_and_connection_are_templated() -> None:
    operator = SmsCancelBatchOperator(
        task_id="cancel", sms_conn_id="{{ params.conn }}", batch_id="{{ params.b }}"
    )

    operator.render_template_fields({"params": {"conn": SINCH, "b": "B7"}})

    assert (operator.sms_conn_id, operator.batch_id) == (SINCH, "B7")
