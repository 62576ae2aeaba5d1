"""POST /v2/Properties/{sid}/BatchMessages: one result per message, whole-request errors for bad bodies."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, PROPERTY, get, send_batch


def test_each_message_gets_a_resource_or_an_error_item(sandbox: SandboxServer) -> None:
    response = send_batch(
        sandbox,
        [
            {"From": "+61499009990", "To": "+61488023555", "Text": "gravity", "ExternalId": "a"},
            {"From": "+61499009991", "To": "0488023556", "Text": "You call that an antenna?"},
            {"From": "Acme", "To": "+61488023557", "Text": "third"},
        ],
    )

    assert response.status_code == 200
    first, second, third = response.json()
    assert first["ExternalId"] == "a"
    assert get(sandbox, first["MessageSid"])["To"] == "+61488023555"
    assert second["ErrorCode"] == "INVALID_PHONENUMBER_FORMAT"
    assert second["Errors"][0]["FieldName"] == "To"
    assert "MessageSid" not in second
    assert third["From"] == "Acme"
    sandbox.advance(1)
    assert sandbox.inbox("+61488023556") == []
    assert len(sandbox.inbox("+61488023557")) == 1


def test_a_batch_of_1000_is_accepted(sandbox: SandboxServer) -> None:
    messages = [{"From": "Acme", "To": f"+6148800{n:04d}", "Text": "bulk"} for n in range(1000)]

    results = send_batch(sandbox, messages).json()

    assert len(results) == 1000
    assert len({r["MessageSid"] for r in results}) == 1000


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "INVALID_REQUEST"),
        (b"[]", "INVALID_REQUEST"),
        (b"{}", "PARAMETER_REQUIRED"),
        (b'{"Messages": []}', "PARAMETER_REQUIRED"),
        (b'{"Messages": {"To": "+61488023555"}}', "INVALID_REQUEST"),
        (b'{"Messages": [], "Extra": 1}', "PARAMETER_UNKNOWN"),
    ],
)
def test_malformed_batch_is_a_whole_request_400(sandbox: SandboxServer, body: bytes, code: str) -> None:
    url = f"{sandbox.url}/v2/Properties/{PROPERTY}/BatchMessages"
    response = requests.post(url, data=body, auth=AUTH, timeout=10)

    assert response.status_code == 400
    assert response.json()["ResponseStatus"]["ErrorCode"] == code


def test_non_object_item_is_an_error_item(sandbox: SandboxServer) -> None:
    valid = {"From": "Acme", "To": "+61488023555", "Text": "ok"}
    results = send_batch(sandbox, ["+61488023555", valid]).json()

    assert results[0]["ErrorCode"] == "INVALID_REQUEST"
    assert "MessageSid" in results[1]


def test_batch_requires_credentials_and_a_known_property(sandbox: SandboxServer) -> None:
    body = {"Messages": [{"From": "Acme", "To": "+61488023555", "Text": "x"}]}
    unauthorized = requests.post(
        f"{sandbox.url}/v2/Properties/{PROPERTY}/BatchMessages", json=body, auth=("x", "y"), timeout=10
    )
    missing_url = f"{sandbox.url}/v2/Properties/PRNOPE/BatchMessages"
    missing = requests.post(missing_url, json=body, auth=AUTH, timeout=10)

    assert unauthorized.status_code == 401
    assert missing.status_code == 404
