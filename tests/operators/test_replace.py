"""SmsReplaceBatchOperator: what a replacement keeps from the batch, validation, dispatched batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsServerError
from airflow_provider_sms.operators.replace import SmsReplaceBatchOperator
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from airflow_provider_sms.version_compat import AirflowFailException

BASE = "https://sms.test"
BATCHES = f"{BASE}/xms/v1/{SandboxConfig().sinch_service_plan_id}/batches"
SINCH = "sms_sinch"
FONE = "sms_fone"
NO_RETRY = "sms_sinch_no_retry"
FUTURE = "2031-01-01T00:00:00.000Z"
PAST = "2020-01-01T00:00:00.000Z"


@pytest.fixture(autouse=True)
def _connections(monkeypatch: pytest.MonkeyPatch) -> None:
    sinch = sinch_connection(BASE)
    sinch["extra"]["default_from"] = "Default"
    monkeypatch.setenv(*connection_env(SINCH, sinch))
    monkeypatch.setenv(*connection_env(FONE, fonedynamics_connection(BASE)))
    without_retries = sinch_connection(BASE)
    without_retries["extra"]["max_retries"] = 0
    monkeypatch.setenv(*connection_env(NO_RETRY, without_retries))


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected one fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


def existing(http: requests_mock.Mocker, batch_id: str, **fields: Any) -> None:
    """Serve ``batch_id`` with ``fields`` and accept its replacement, echoing the recipients."""
    batch = {"id": batch_id, "type": "mt_text", "body": "Old", "to": ["+61400000001"], **fields}
    http.get(f"{BATCHES}/{batch_id}", json=batch)
    http.put(f"{BATCHES}/{batch_id}", json=lambda request, _: {"id": batch_id, "to": request.json()["to"]})


def replace(batch_id: Any = "B1", conn_id: str = SINCH, **fields: Any) -> dict[str, Any]:
    fields.setdefault("body", "New text")
    conn_id = fields.pop("sms_conn_id", conn_id)
    operator = SmsReplaceBatchOperator(task_id="replace", sms_conn_id=conn_id, batch_id=batch_id, **fields)
    return operator.execute({})


def put_bodies(http: requests_mock.Mocker) -> list[dict[str, Any]]:
    return [r.json() for r in http.request_history if r.method == "PUT"]


def test_a_replacement_keeps_who_when_and_which_key_when_left_empty(http: requests_mock.Mocker) -> None:
    existing(
        http,
        "B1",
        to=["61400000001", "+61400000002"],
        **{"from": "Acme"},
        client_reference="send-key-0",
        send_at=FUTURE,
        delivery_report="full",
        callback_url="https://example.com/hook",
        feedback_enabled=True,
        parameters={"name": {"+61400000001": "Ada"}},
    )

    result = replace()

    assert result == {"batch_ids": ["B1"], "outcomes": {"B1": {"outcome": "replaced", "recipients": 2}}}
    assert put_bodies(http) == [
        {
            "type": "mt_text",
            "body": "New text",
            "to": ["+61400000001", "+61400000002"],
            "from": "Acme",
            "client_reference": "send-key-0",
            "send_at": FUTURE,
            "delivery_report": "full",
            "callback_url": "https://example.com/hook",
            "feedback_enabled": True,
        }
    ]


def test_given_fields_win_over_the_batch(http: requests_mock.Mocker) -> None:
    existing(http, "B1", **{"from": "Acme"}, send_at=FUTURE, client_reference="send-key-0")

    replace(
        to=["+61400000005"],
        from_="Other",
        send_at="2031-02-01T00:00:00Z",
        expire_at="2031-02-02T00:00:00Z",
        client_reference="mine",
        parameters={"name": {"default": "you"}},
        vendor_options={"flash_message": True, "truncate_concat": False, "max_number_of_message_parts": 2},
    )

    [sent] = put_bodies(http)
    assert sent["to"] == ["+61400000005"]
    assert (sent["from"], sent["send_at"], sent["expire_at"]) == (
        "Other",
        "2031-02-01T00:00:00.000Z",
        "2031-02-02T00:00:00.000Z",
    )
    assert (sent["client_reference"], sent["flash_message"], sent["max_number_of_message_parts"]) == (
        "mine",
        True,
        2,
    )


def test_a_send_time_already_past_is_not_kept(http: requests_mock.Mocker) -> None:
    existing(http, "B1", send_at=PAST)

    replace()

    assert "send_at" not in put_bodies(http)[0]


def test_the_connection_default_sender_fills_in_for_a_batch_without_one(http: requests_mock.Mocker) -> None:
    existing(http, "B1")

    replace()

    assert put_bodies(http)[0]["from"] == "Default"


def test_every_batch_of_a_campaign_keeps_its_own_recipients(http: requests_mock.Mocker) -> None:
    existing(http, "B1", to=["+61400000001"])
    existing(http, "B2", to=["+61400000002", "+61400000003"])

    result = replace({"batch_ids": ["B1", "B2"]})

    assert [body["to"] for body in put_bodies(http)] == [["+61400000001"], ["+61400000002", "+61400000003"]]
    assert result["outcomes"]["B2"] == {"outcome": "replaced", "recipients": 2}


def test_every_batch_is_read_and_validated_before_any_is_replaced(http: requests_mock.Mocker) -> None:
    existing(http, "B1", to=["+61400000001"])
    existing(http, "B2", to=["+61400000002"], send_at=FUTURE)

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()

    with pytest.raises(AirflowFailException, match=r"expire_at=.*: must be after send_at \(2031-01-01"):
        replace(["B1", "B2"], expire_at=tomorrow)

    assert [r.method for r in http.request_history] == ["GET", "GET"]


def test_an_unknown_batch_fails_without_retry_before_any_is_replaced(http: requests_mock.Mocker) -> None:
    existing(http, "B1")
    http.get(f"{BATCHES}/B2", status_code=404, json={"code": "not_found", "text": "no such batch"})

    with pytest.raises(AirflowFailException, match="No batch was changed: Sinch API returned HTTP 404"):
        replace(["B1", "B2"])

    assert put_bodies(http) == []


def test_a_server_error_while_reading_is_raised_as_is_so_airflow_retries(http: requests_mock.Mocker) -> None:
    http.get(f"{BATCHES}/B1", status_code=500, json={"code": "internal", "text": "oops"})

    with pytest.raises(SmsServerError):
        replace(sms_conn_id=NO_RETRY)


def test_new_recipients_need_a_single_batch(http: requests_mock.Mocker) -> None:
    with pytest.raises(
        AirflowFailException, match="to=<1 numbers>: applies to one batch only, but 2 batches"
    ):
        replace(["B1", "B2"], to=["+61400000001"])

    assert http.call_count == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"to": ["+61400000001", "61400000002"]}, r"to\[1\]=61400\*\*\*002: looks like a phone number"),
        ({"to": []}, "to"),
        (
            {"to": ["+61400000001"], "body": "x" * 2001},
            "body=<2001 characters>: must be at most 2000 characters",
        ),
        ({"to": ["+61400000001"], "send_at": "soon"}, "send_at='soon': must be a timezone-aware datetime"),
        ({"to": ["+61400000001"], "client_reference": "r" * 129}, "client_reference"),
        (
            {"to": ["+61400000001"], "vendor_options": {"max_number_of_message_parts": 0}},
            "max_number_of_message_parts",
        ),
        ({"to": ["+61400000001"], "vendor_options": {"flash": True}}, "flash"),
    ],
)
def test_invalid_given_fields_fail_before_any_request(
    http: requests_mock.Mocker, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirflowFailException, match=message):
        replace(**fields)

    assert http.call_count == 0


def test_a_text_of_2000_characters_is_accepted(http: requests_mock.Mocker) -> None:
    existing(http, "B1")

    replace(body="x" * 2000)

    assert len(put_bodies(http)[0]["body"]) == 2000


def test_fone_dynamics_fails_at_once_naming_vendor_and_capability(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match="Fone Dynamics has no API to replace a batch"):
        replace("key@1700000000", conn_id=FONE)

    assert http.call_count == 0


def test_a_batch_already_dispatched_fails_without_retry(http: requests_mock.Mocker) -> None:
    existing(http, "B1")
    http.put(
        f"{BATCHES}/B1",
        status_code=403,
        json={"code": "batch_already_dispatched", "text": "Already dispatched"},
    )

    with pytest.raises(AirflowFailException, match="batch B1 was already dispatched or cancelled") as caught:
        replace()

    assert "batches already replaced: none; not attempted: none" in str(caught.value)


def test_text_recipients_sender_schedule_and_reference_are_templated() -> None:
    fields = set(SmsReplaceBatchOperator.template_fields)

    assert fields >= {"sms_conn_id", "batch_id", "body", "to", "from_", "parameters", "send_at", "expire_at"}
    assert fields >= {"vendor_options", "client_reference"}


def test_a_templated_send_time_is_rendered(http: requests_mock.Mocker) -> None:
    existing(http, "B1")
    operator = SmsReplaceBatchOperator(
        task_id="replace", sms_conn_id=SINCH, batch_id="B1", body="Hi", send_at="{{ params.at }}"
    )
    at = datetime.now(timezone.utc) + timedelta(hours=2)

    operator.render_template_fields({"params": {"at": at.isoformat()}})
    operator.execute({})

    assert put_bodies(http)[0]["send_at"].startswith(at.strftime("%Y-%m-%dT%H:%M:%S"))
