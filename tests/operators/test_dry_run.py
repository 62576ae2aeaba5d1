"""SmsDryRunOperator with stubbed HTTP: Sinch's dry-run endpoint, Fone Dynamics counted locally.

Arguments, the result's shape, the ``max_parts`` / ``max_messages`` budgets, errors before any request,
and numbers masked in the result and the logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.operators.dry_run import SmsDryRunOperator
from airflow_provider_sms.version_compat import AirflowFailException

SINCH_PLAN = "plan0001"
DRY_RUN_URL = f"https://eu.sms.api.sinch.com/xms/v1/{SINCH_PLAN}/batches/dry_run"
NUMBERS = ["+61400000101", "+61400000102", "+61400000103"]
#: ``Hello ${name}`` for these values: one GSM part, one UCS-2 part, two GSM parts.
PARAMETERS = {"name": {NUMBERS[1]: "Zoë", NUMBERS[2]: "x" * 160, "default": "Sam"}}
EXPECTED_MESSAGES = [
    {"to": "+6140****101", "parts": 1, "encoding": "GSM"},
    {"to": "+6140****102", "parts": 1, "encoding": "UNICODE"},
    {"to": "+6140****103", "parts": 2, "encoding": "GSM"},
]


class SinchDryRun:
    """A stubbed Sinch dry-run endpoint answering with the parts and encodings of ``EXPECTED_MESSAGES``."""

    def __init__(self, http: requests_mock.Mocker) -> None:
        self.requests: list[Any] = []
        http.post(DRY_RUN_URL, json=self._answer)

    def _answer(self, request: Any, context: Any) -> dict[str, Any]:
        self.requests.append(request)
        by_number = {m["to"][-3:]: m for m in EXPECTED_MESSAGES}
        per_recipient = [
            {
                "recipient": number.lstrip("+"),
                "number_of_parts": by_number[number[-3:]]["parts"],
                "encoding": by_number[number[-3:]]["encoding"],
                "body": "(rendered)",
            }
            for number in request.json()["to"]
        ]
        return {
            "number_of_recipients": len(per_recipient),
            "number_of_messages": sum(item["number_of_parts"] for item in per_recipient),
            "per_recipient": per_recipient,
        }


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    """Mock every HTTP request; an unexpected request fails the test."""
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.fixture
def sinch(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {
        "conn_type": "sinch",
        "login": SINCH_PLAN,
        "password": "sinch-api-token-0001",
        "extra": {"region": "eu", "default_from": "Acme"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SINCH_DRY", json.dumps(connection))
    return "sinch_dry"


@pytest.fixture
def fone(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {
        "conn_type": "fonedynamics",
        "login": "AC0001",
        "password": "fone-token-0001",
        "extra": {"property_sid": "PR0001", "default_from": "+61400000001"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_FONE_DRY", json.dumps(connection))
    return "fone_dry"


def dry_run(conn_id: str, **kwargs: Any) -> dict[str, Any]:
    """Run the operator's ``execute`` with the standard arguments overridden by ``kwargs``."""
    ti = mock.Mock(dag_id="dag", task_id="preview", run_id="run1", map_index=-1)
    arguments: dict[str, Any] = {"to": NUMBERS, "body": "Hello ${name}", "parameters": PARAMETERS, **kwargs}
    operator = SmsDryRunOperator(task_id="preview", sms_conn_id=conn_id, **arguments)
    # A standard logger, so caplog sees the task's INFO lines (the test session logs at WARNING).
    task_log = logging.getLogger("tests.sms_dry_run")
    with mock.patch.object(SmsDryRunOperator, "log", new_callable=mock.PropertyMock, return_value=task_log):
        result: dict[str, Any] = operator.execute({"ti": ti})  # type: ignore[arg-type]
    return result


def query_of(request: Any) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


@pytest.mark.parametrize("vendor", ["sinch", "fone"])
def test_the_result_counts_recipients_parts_and_encodings_per_message(
    vendor: str, request: pytest.FixtureRequest, http: requests_mock.Mocker
) -> None:
    SinchDryRun(http)

    result = dry_run(request.getfixturevalue(vendor))

    assert result == {
        "vendor": "Sinch" if vendor == "sinch" else "Fone Dynamics",
        "recipients": 3,
        "parts": 4,
        "encodings": {"GSM": 2, "UNICODE": 1},
        "messages": EXPECTED_MESSAGES,
        "skipped": 0,
        "duplicates": 0,
        "rejected": [],
        "rejected_count": 0,
    }


def test_sinch_is_asked_once_per_chunk_with_the_batch_it_would_send(
    sinch: str, http: requests_mock.Mocker
) -> None:
    endpoint = SinchDryRun(http)

    result = dry_run(sinch, chunk_size=2, client_reference="promo")

    assert [r.json()["to"] for r in endpoint.requests] == [NUMBERS[:2], NUMBERS[2:]]
    assert [query_of(r) for r in endpoint.requests] == [
        {"per_recipient": "true", "number_of_recipients": "2"},
        {"per_recipient": "true", "number_of_recipients": "1"},
    ]
    first = endpoint.requests[0].json()
    assert (first["from"], first["body"]) == ("Acme", "Hello ${name}")
    assert first["client_reference"].startswith("promo-preview-")
    assert first["client_reference"].endswith("-c0")
    assert first["parameters"] == {"name": {NUMBERS[1]: "Zoë", "default": "Sam"}}
    assert result["parts"] == 4
    assert [r.method for r in http.request_history] == ["POST", "POST"]


def test_fone_dynamics_is_counted_locally_without_any_request(fone: str, http: requests_mock.Mocker) -> None:
    result = dry_run(fone, chunk_size=1)

    assert (result["recipients"], result["parts"]) == (3, 4)
    assert http.call_count == 0


def test_individual_messages_are_previewed_one_by_one(sinch: str, http: requests_mock.Mocker) -> None:
    endpoint = SinchDryRun(http)
    messages = [{"to": NUMBERS[0], "body": "One"}, {"to": NUMBERS[2], "body": "Two " + "y" * 160}]

    result = dry_run(sinch, to=None, body=None, parameters=None, messages=messages)

    assert [r.json()["body"] for r in endpoint.requests] == ["One", "Two " + "y" * 160]
    assert result["messages"] == [EXPECTED_MESSAGES[0], EXPECTED_MESSAGES[2]]


@pytest.mark.parametrize("vendor", ["sinch", "fone"])
@pytest.mark.parametrize(
    ("budget", "passes"),
    [
        ({"max_parts": 4}, True),
        ({"max_parts": 3}, False),
        ({"max_messages": 3}, True),
        ({"max_messages": 2}, False),
        ({"max_parts": "4", "max_messages": "3"}, True),
        ({"max_parts": "3", "max_messages": "2"}, False),
    ],
)
def test_budgets_pass_at_the_boundary_and_fail_the_task_without_retry_above_it(
    vendor: str,
    budget: dict[str, Any],
    passes: bool,
    request: pytest.FixtureRequest,
    http: requests_mock.Mocker,
) -> None:
    SinchDryRun(http)
    conn_id = request.getfixturevalue(vendor)

    if passes:
        assert dry_run(conn_id, **budget)["parts"] == 4
        return
    with pytest.raises(AirflowFailException, match="The send is over budget") as failure:
        dry_run(conn_id, **budget)
    if "max_parts" in budget:
        assert "4 parts exceed max_parts=3" in str(failure.value)
    if "max_messages" in budget:
        assert "3 messages exceed max_messages=2" in str(failure.value)


@pytest.mark.parametrize(
    ("budget", "shown"),
    [
        ({"max_parts": "ten"}, "max_parts='ten'"),
        ({"max_parts": -1}, "max_parts=-1"),
        ({"max_messages": True}, "max_messages=True"),
        ({"max_messages": 2.5}, "max_messages=2.5"),
    ],
)
def test_a_budget_that_is_no_count_fails_without_retry_before_any_request(
    sinch: str, http: requests_mock.Mocker, budget: dict[str, Any], shown: str
) -> None:
    endpoint = SinchDryRun(http)

    with pytest.raises(AirflowFailException, match=f"{shown}: must be a whole number, at least 0"):
        dry_run(sinch, **budget)

    assert endpoint.requests == []


@pytest.mark.parametrize(
    ("vendor", "kwargs", "match"),
    [
        (
            "fone",
            {"vendor_options": {"flash_message": True}},
            r"vendor_options.flash_message=\(given\): is not a Fone Dynamics option; known: delivery_receipt",
        ),
        ("fone", {"expire_at": "2099-01-01T00:00:00+00:00"}, "Fone Dynamics has no API to set expire_at"),
        (
            "sinch",
            {"vendor_options": {"delivery_receipt": True}},
            "is not a Sinch option; known: callback_url",
        ),
        ("sinch", {"to": [*NUMBERS, "0400123456"]}, r"to\[3\]=04001\*\*456"),
        ("fone", {"to": [NUMBERS[0], "+0"]}, r"to\[1\]=\*\*: must be an E.164 number"),
        (
            "sinch",
            {"body": "Hi ${name}", "parameters": {"name": {NUMBERS[0]: "A"}}},
            r"no value for \$\{name\}",
        ),
        ("sinch", {"from_": "A sender name far too long"}, "from_="),
        ("sinch", {"chunk_size": 0}, "chunk_size=0"),
        ("fone", {"to": None}, "give exactly one of to"),
    ],
)
def test_capability_and_validation_errors_fail_without_retry_before_any_request(
    vendor: str,
    kwargs: dict[str, Any],
    match: str,
    request: pytest.FixtureRequest,
    http: requests_mock.Mocker,
) -> None:
    endpoint = SinchDryRun(http)

    with pytest.raises(AirflowFailException, match=match):
        dry_run(request.getfixturevalue(vendor), **kwargs)

    assert endpoint.requests == []
    assert http.call_count == 0


def test_skipped_recipients_are_reported_masked_and_not_previewed(
    sinch: str, http: requests_mock.Mocker
) -> None:
    endpoint = SinchDryRun(http)

    result = dry_run(sinch, to=[*NUMBERS, "0400123456"], invalid_recipients="skip")

    assert [r.json()["to"] for r in endpoint.requests] == [NUMBERS]
    assert (result["recipients"], result["skipped"], result["rejected_count"]) == (3, 1, 1)
    assert result["rejected"] == [{"field": "to[3]", "value": "04001**456", "rule": mock.ANY}]


def test_the_message_list_is_bounded_while_the_counts_cover_everyone(
    fone: str, http: requests_mock.Mocker
) -> None:
    numbers = [f"+614000{n:05d}" for n in range(25)]

    result = dry_run(fone, to=numbers, parameters=None, body="Hi")

    assert (result["recipients"], result["parts"], result["encodings"]) == (25, 25, {"GSM": 25})
    assert len(result["messages"]) == 20


@pytest.mark.parametrize("vendor", ["sinch", "fone"])
def test_no_number_appears_unmasked_in_the_result_or_the_logs(
    vendor: str, request: pytest.FixtureRequest, http: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    SinchDryRun(http)

    with caplog.at_level(logging.INFO, logger="tests.sms_dry_run"):
        result = dry_run(
            request.getfixturevalue(vendor), to=[*NUMBERS, "+61400000104x"], invalid_recipients="skip"
        )

    assert "Dry run: 3 recipient(s), 4 part(s)" in caplog.text
    shown = json.dumps(result) + caplog.text
    assert not any(number in shown for number in [*NUMBERS, "+61400000104"])
    assert "+6140****101" in shown
