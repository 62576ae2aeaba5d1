"""SmsUpdateBatchOperator: validation before any request, one update per batch, dispatched batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum
import pytest
import requests_mock

from airflow_provider_sms.operators.update import SmsUpdateBatchOperator
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from airflow_provider_sms.version_compat import AirflowFailException

BASE = "https://sms.test"
BATCHES = f"{BASE}/xms/v1/{SandboxConfig().sinch_service_plan_id}/batches"
SINCH = "sms_sinch"
FONE = "sms_fone"
TOMORROW = datetime.now(timezone.utc) + timedelta(days=1)


@pytest.fixture(autouse=True)
def _connections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*connection_env(SINCH, sinch_connection(BASE)))
    monkeypatch.setenv(*connection_env(FONE, fonedynamics_connection(BASE)))


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected one fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


def updatable(http: requests_mock.Mocker, batch_id: str, to: list[str]) -> None:
    http.post(f"{BATCHES}/{batch_id}", json={"id": batch_id, "to": to, "type": "mt_text"})


def update(batch_id: Any = "B1", conn_id: str = SINCH, **fields: Any) -> dict[str, Any]:
    operator = SmsUpdateBatchOperator(task_id="update", sms_conn_id=conn_id, batch_id=batch_id, **fields)
    return operator.execute({})


def test_updates_every_batch_with_the_same_validated_changes(http: requests_mock.Mocker) -> None:
    updatable(http, "B1", ["+61400000001", "+61400000002"])
    updatable(http, "B2", ["+61400000003"])
    send_at = "2030-05-01T09:00:00+10:00"

    result = update(["B1", "B2"], body="New text", send_at=send_at, to_remove=["+61400000009"])

    assert result == {
        "batch_ids": ["B1", "B2"],
        "outcomes": {
            "B1": {"outcome": "updated", "recipients": 2},
            "B2": {"outcome": "updated", "recipients": 1},
        },
    }
    bodies = [r.json() for r in http.request_history]
    expected = {"body": "New text", "send_at": "2030-04-30T23:00:00.000Z", "to_remove": ["+61400000009"]}
    assert bodies == [expected, expected]


def test_one_number_to_add_may_be_given_alone(http: requests_mock.Mocker) -> None:
    updatable(http, "B1", ["+61400000001", "+61400000002"])

    update(to_add="+61400000002")

    assert http.last_request.json() == {"to_add": ["+61400000002"]}


def test_send_at_accepts_a_datetime(http: requests_mock.Mocker) -> None:
    updatable(http, "B1", ["+61400000001"])

    update(send_at=pendulum.datetime(2030, 1, 2, 3, 4, 5, tz="UTC"))

    assert http.last_request.json() == {"send_at": "2030-01-02T03:04:05.000Z"}


def test_send_at_template_renders_to_an_iso_string_that_is_accepted(http: requests_mock.Mocker) -> None:
    updatable(http, "B1", ["+61400000001"])
    operator = SmsUpdateBatchOperator(
        task_id="update", sms_conn_id=SINCH, batch_id="B1", send_at="{{ data_interval_end }}"
    )

    operator.render_template_fields({"data_interval_end": pendulum.datetime(2030, 6, 1, tz="UTC")})
    operator.execute({})

    assert http.last_request.json() == {"send_at": "2030-06-01T00:00:00.000Z"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "an update must set at least one field"),
        (
            {"to_add": ["+61400000001", "0400 000 002"]},
            r"to_add\[1\]=0400 \*\*\*\*002: must be an E.164 number",
        ),
        ({"to_remove": ["+6140000000x"]}, r"to_remove\[0\]=\+6140\*\*\*\*00x: must be an E.164 number"),
        ({"body": "x" * 1601}, "body=<1601 characters>: must be at most 1600 characters"),
        ({"send_at": "tomorrow"}, "send_at='tomorrow': must be a timezone-aware datetime"),
        (
            {"send_at": "2030-01-01T00:00:00"},
            "send_at=2030-01-01T00:00:00: a naive date-time has no timezone",
        ),
        (
            {"send_at": TOMORROW, "expire_at": TOMORROW - timedelta(hours=1)},
            "expire_at=.*: must be after send_at",
        ),
        ({"vendor_options": {"delivery_report": "sometimes"}}, "delivery_report"),
        ({"vendor_options": {"callback_url": "ftp://example.com/hook"}}, "callback_url"),
        ({"from_": "A very long sender name"}, "from"),
    ],
)
def test_invalid_changes_fail_without_retry_before_any_request(
    http: requests_mock.Mocker, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirflowFailException, match=message):
        update(**fields)

    assert http.call_count == 0


def test_valid_changes_of_each_kind_are_sent(http: requests_mock.Mocker) -> None:
    updatable(http, "B1", ["+61400000001"])

    update(
        from_="Acme",
        vendor_options={"delivery_report": "full", "callback_url": "https://example.com/hook"},
        send_at=TOMORROW,
        expire_at=TOMORROW + timedelta(days=1),
        parameters={"name": {"+61400000001": "Ada", "default": "there"}},
    )

    sent = http.last_request.json()
    assert {sent["from"], sent["delivery_report"], sent["callback_url"]} == {
        "Acme",
        "full",
        "https://example.com/hook",
    }
    assert sent["parameters"] == {"name": {"+61400000001": "Ada", "default": "there"}}


def test_numbers_to_add_need_a_single_batch(http: requests_mock.Mocker) -> None:
    with pytest.raises(
        AirflowFailException, match="to_add=<1 numbers>: applies to one batch only, but 2 batches"
    ):
        update(["B1", "B2"], to_add=["+61400000001"])

    assert http.call_count == 0


def test_fone_dynamics_fails_at_once_naming_vendor_and_capability(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match="Fone Dynamics has no API to update a batch"):
        update("key@1700000000", conn_id=FONE, body="New text")

    assert http.call_count == 0


def test_a_batch_already_dispatched_fails_without_retry_naming_what_was_updated(
    http: requests_mock.Mocker,
) -> None:
    updatable(http, "B1", ["+61400000001"])
    http.post(
        f"{BATCHES}/B2",
        status_code=403,
        json={"code": "batch_already_dispatched", "text": "Batch already dispatched"},
    )

    with pytest.raises(AirflowFailException) as caught:
        update(["B1", "B2", "B3"], body="New text")

    text = str(caught.value)
    assert "Sinch batch B2 was already dispatched or cancelled and can no longer be changed" in text
    assert "batches already updated: B1 (updated); not attempted: B3" in text


def test_every_change_and_the_batch_are_templated() -> None:
    fields = set(SmsUpdateBatchOperator.template_fields)

    assert fields >= {
        "sms_conn_id",
        "batch_id",
        "to_add",
        "to_remove",
        "body",
        "from_",
        "send_at",
        "expire_at",
    }
    assert fields >= {"vendor_options", "parameters"}
