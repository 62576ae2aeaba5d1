"""SmsDeliveryFeedbackOperator: numbers checked and routed to the batch that holds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests_mock

from airflow_provider_sms.operators.feedback import SmsDeliveryFeedbackOperator
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import connection_env, fonedynamics_connection, sinch_connection
from airflow_provider_sms.version_compat import AirflowFailException

BASE = "https://sms.test"
BATCHES = f"{BASE}/xms/v1/{SandboxConfig().sinch_service_plan_id}/batches"
SINCH = "sms_sinch"
FONE = "sms_fone"


@pytest.fixture(autouse=True)
def _connections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*connection_env(SINCH, sinch_connection(BASE)))
    monkeypatch.setenv(*connection_env(FONE, fonedynamics_connection(BASE)))


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected one fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


def existing(
    http: requests_mock.Mocker, batch_id: str, to: list[str], *, feedback_enabled: bool = True
) -> None:
    batch = {"id": batch_id, "type": "mt_text", "to": to, "feedback_enabled": feedback_enabled}
    http.get(f"{BATCHES}/{batch_id}", json=batch)
    http.post(f"{BATCHES}/{batch_id}/delivery_feedback", status_code=202)


def feedback(batch_id: Any = "B1", conn_id: str = SINCH, **fields: Any) -> dict[str, Any]:
    operator = SmsDeliveryFeedbackOperator(
        task_id="feedback", sms_conn_id=conn_id, batch_id=batch_id, **fields
    )
    return operator.execute({})


def posted(http: requests_mock.Mocker) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(batch path segment, body)`` of every feedback sent."""
    return [(r.path.split("/")[-2], r.json()) for r in http.request_history if r.method == "POST"]


def test_without_recipients_every_recipient_of_every_batch_is_reported(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["+61400000001"])
    existing(http, "B2", ["+61400000002"])

    result = feedback(["B1", "B2"])

    assert result == {
        "batch_ids": ["B1", "B2"],
        "outcomes": {
            "B1": {"outcome": "reported", "recipients": "all"},
            "B2": {"outcome": "reported", "recipients": "all"},
        },
    }
    assert posted(http) == [("b1", {"recipients": []}), ("b2", {"recipients": []})]


def test_each_number_goes_to_the_batch_that_holds_it(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["61400000001", "61400000002"])
    existing(http, "B2", ["+61400000003"])
    existing(http, "B3", ["+61400000004"])

    result = feedback(["B1", "B2", "B3"], recipients=["+61400000003", "+61400000001"])

    assert posted(http) == [
        ("b1", {"recipients": ["+61400000001"]}),
        ("b2", {"recipients": ["+61400000003"]}),
    ]
    assert result["batch_ids"] == ["B1", "B2"]
    assert result["outcomes"]["B1"] == {"outcome": "reported", "recipients": 1}


def test_one_number_may_be_given_alone(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["+61400000001"])

    feedback(recipients="+61400000001")

    assert posted(http) == [("b1", {"recipients": ["+61400000001"]})]


def test_numbers_rendered_as_native_ints_get_their_plus_back(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["+61400000001", "+61400000002"])

    feedback(recipients=[61400000001, "+61400000002"])

    assert posted(http) == [("b1", {"recipients": ["+61400000001", "+61400000002"]})]


def test_an_invalid_number_fails_before_any_request(http: requests_mock.Mocker) -> None:
    with pytest.raises(
        AirflowFailException, match=r"recipients\[1\]=\+6140\*\*\*\*00x: must be an E.164 number"
    ):
        feedback(recipients=["+61400000001", "+6140000000x"])

    assert http.call_count == 0


def test_a_number_outside_the_batches_fails_before_any_feedback(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["+61400000001"])

    with pytest.raises(AirflowFailException) as caught:
        feedback(recipients=["+61400000001", "+61400000009"])

    assert r"recipients[1]=+6140****009: is not a recipient of the batch" in str(caught.value)
    assert "+61400000009" not in str(caught.value)
    assert posted(http) == []


def test_a_batch_sent_without_feedback_enabled_fails_before_any_feedback(http: requests_mock.Mocker) -> None:
    existing(http, "B1", ["+61400000001"])
    existing(http, "B2", ["+61400000002"], feedback_enabled=False)

    with pytest.raises(
        AirflowFailException, match=r"batch_id\[1\]='B2': the batch was sent without feedback_enabled"
    ):
        feedback(["B1", "B2"])

    assert posted(http) == []


def test_fone_dynamics_fails_at_once_naming_vendor_and_capability(http: requests_mock.Mocker) -> None:
    with pytest.raises(AirflowFailException, match="Fone Dynamics has no API to report delivery feedback"):
        feedback("key@1700000000", conn_id=FONE)

    assert http.call_count == 0


def test_batch_and_recipients_are_templated() -> None:
    assert set(SmsDeliveryFeedbackOperator.template_fields) == {"sms_conn_id", "batch_id", "recipients"}
