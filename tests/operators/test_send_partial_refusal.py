"""SmsSendOperator when Fone Dynamics refuses some messages of one ``BatchMessages`` request (HTTP stubbed).

The vendor answers 200 with one item per message: a Message resource, or an error for a refused one.
The send keeps going, reports the refused recipients masked, names the accepted ones by the chunk's
batch id, and a retry finds the accepted messages by ExternalId without sending anything again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import requests_mock

from airflow_provider_sms.operators.send import PROGRESS_XCOM_KEY, SmsSendOperator
from airflow_provider_sms.version_compat import AirflowFailException

PROPERTY = "PR0001"
BATCH_URL = f"https://api.fonedynamics.com/v2/Properties/{PROPERTY}/BatchMessages"
LIST_URL = f"https://api.fonedynamics.com/v2/Properties/{PROPERTY}/Messages"
NUMBERS = ["+61400000101", "+61400000102", "+61400000103", "+61400000104"]
#: The second recipient's text takes two parts, every other one part.
PARAMETERS = {"name": {NUMBERS[1]: "x" * 150, "default": "Sam"}}
REFUSAL = {"ErrorCode": "BLOCKED_RECIPIENT", "Message": "To is blocked", "Errors": [{"FieldName": "To"}]}


class FoneVendor:
    """A stubbed Fone Dynamics property: refuses the messages to ``refused`` numbers, lists the rest."""

    def __init__(self, http: requests_mock.Mocker, refused: set[str]) -> None:
        self.refused = refused
        self.created: list[dict[str, Any]] = []
        http.post(BATCH_URL, json=self._send)
        http.get(LIST_URL, json=self._list)

    def _send(self, request: Any, context: Any) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for message in request.json()["Messages"]:
            if message["To"] in self.refused:
                results.append(REFUSAL)
                continue
            created = {
                "MessageSid": f"MS{len(self.created):04d}",
                "To": message["To"],
                "From": message.get("From"),
                "Text": message["Text"],
                "Direction": "Transmit",
                "Status": "Processing",
                "Created": 1_700_000_000 + len(self.created),
                "ExternalId": message["ExternalId"],
            }
            self.created.append(created)
            results.append(created)
        return results

    def _list(self, request: Any, context: Any) -> list[dict[str, Any]]:
        return self.created if "Results_Skip=0" in request.url else []


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected request fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def fone(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {
        "conn_type": "fonedynamics",
        "login": "AC0001",
        "password": "fone-token-0001",
        "extra": {"property_sid": PROPERTY, "default_from": "+61400000001"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_FONE_PARTIAL", json.dumps(connection))
    return "fone_partial"


def run(conn_id: str, ti: mock.Mock | None = None, **kwargs: Any) -> dict[str, Any]:
    ti = ti or mock.Mock(dag_id="dag", task_id="send", run_id="run1", map_index=-1)
    arguments: dict[str, Any] = {"to": NUMBERS, "body": "Hello ${name}", "parameters": PARAMETERS, **kwargs}
    operator = SmsSendOperator(task_id="send", sms_conn_id=conn_id, **arguments)
    # A standard logger, so caplog sees the task's INFO lines (the test session logs at WARNING).
    task_log = logging.getLogger("tests.sms_send")
    with mock.patch.object(SmsSendOperator, "log", new_callable=mock.PropertyMock, return_value=task_log):
        result: dict[str, Any] = operator.execute({"ti": ti})  # type: ignore[arg-type]
    return result


def test_refused_messages_are_reported_masked_and_the_batch_id_names_the_accepted_ones(
    fone: str, http: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    vendor = FoneVendor(http, refused={NUMBERS[1]})

    with caplog.at_level(logging.INFO, logger="tests.sms_send"):
        result = run(fone)

    (batch_id,) = result["batch_ids"]
    key = batch_id.split("@")[0]
    assert batch_id == f"{key}@1700000000"
    assert [m["ExternalId"] for m in vendor.created] == [f"{key}.0", f"{key}.2", f"{key}.3"]
    assert (result["recipients"], result["parts"], result["skipped"]) == (3, 3, 0)
    assert result["rejected_count"] == 1
    assert result["rejected"] == [
        {"field": "to[1]", "value": "+6140****102", "rule": "BLOCKED_RECIPIENT: To is blocked"}
    ]
    assert "3 recipient(s) accepted, 1 refused" in caplog.text
    assert not any(number in caplog.text or number in json.dumps(result) for number in NUMBERS)


def test_a_retry_finds_the_accepted_messages_and_sends_neither_them_nor_the_refused_one(
    fone: str, http: requests_mock.Mocker
) -> None:
    vendor = FoneVendor(http, refused={NUMBERS[1]})
    first = run(fone)
    posts = [r for r in http.request_history if r.method == "POST"]

    again = run(fone)

    assert [r for r in http.request_history if r.method == "POST"] == posts
    assert len(vendor.created) == 3
    assert again["batch_ids"] == first["batch_ids"]
    assert again["reused_chunks"] == 1
    assert (again["recipients"], again["parts"]) == (first["recipients"], first["parts"])
    assert again["rejected_count"] == 1
    (refused,) = again["rejected"]
    assert (refused["field"], refused["value"]) == ("to[1]", "+6140****102")
    assert "not sent again" in refused["rule"]


def test_a_chunk_refused_as_a_whole_fails_the_task_after_the_earlier_chunks(
    fone: str, http: requests_mock.Mocker
) -> None:
    vendor = FoneVendor(http, refused=set(NUMBERS[2:]))

    ti = mock.Mock(dag_id="dag", task_id="send", run_id="run1", map_index=-1)

    with pytest.raises(AirflowFailException, match=r"refused every message of chunk 1 .*BLOCKED_RECIPIENT"):
        run(fone, ti, chunk_size=2)

    assert [m["To"] for m in vendor.created] == NUMBERS[:2]
    ti.xcom_push.assert_called_once_with(key=PROGRESS_XCOM_KEY, value=mock.ANY)
    progress = ti.xcom_push.call_args.kwargs["value"]
    assert (progress["recipients"], progress["chunks"]) == (2, 1)
