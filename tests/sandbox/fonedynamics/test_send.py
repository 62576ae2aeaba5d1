"""POST /v2/Properties/{sid}/Messages: success shape, auth, unknown property, malformed body, validation."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, sandbox_now, send

VALID = {"From": "+61499009990", "To": "+61488023555", "Text": "You win again, gravity!"}


def test_send_returns_the_message_resource(sandbox: SandboxServer) -> None:
    response = send(sandbox, {**VALID, "ExternalId": "run-1/chunk-0"})

    assert response.status_code == 200
    message = response.json()["Message"]
    assert re.fullmatch(r"MG[A-Z]{30}", message["MessageSid"])
    assert message["AccountSid"] == "ACSANDBOX"
    assert message["PropertySid"] == "PRSANDBOX"
    assert (message["From"], message["To"], message["Text"]) == (VALID["From"], VALID["To"], VALID["Text"])
    assert message["Status"] == "Processing"
    assert message["Direction"] == "Transmit"
    assert message["DeliveryReceipt"] is True
    assert message["NumSegments"] == 1
    assert message["ExternalId"] == "run-1/chunk-0"
    assert message["ErrorCode"] == ""
    assert abs(message["Created"] - sandbox_now(sandbox)) <= 2


@pytest.mark.parametrize("auth", [("ACSANDBOX", "wrong"), ("WRONG", "sandbox-token")])
def test_wrong_credentials_are_401_unauthorized(sandbox: SandboxServer, auth: tuple[str, str]) -> None:
    response = send(sandbox, VALID, auth=auth)

    assert response.status_code == 401
    assert response.json()["ResponseStatus"]["ErrorCode"] == "UNAUTHORIZED"
    assert "sandbox-token" not in response.text


def test_missing_credentials_are_401(sandbox: SandboxServer) -> None:
    response = requests.post(f"{sandbox.url}/v2/Properties/PRSANDBOX/Messages", json=VALID, timeout=10)

    assert response.status_code == 401
    assert response.json()["ResponseStatus"]["ErrorCode"] == "UNAUTHORIZED"


def test_unknown_property_is_404(sandbox: SandboxServer) -> None:
    response = requests.post(
        f"{sandbox.url}/v2/Properties/PRNOPE/Messages", json=VALID, auth=AUTH, timeout=10
    )

    assert response.status_code == 404
    assert response.json()["ResponseStatus"]["ErrorCode"] == "NOT_FOUND"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
def test_malformed_body_is_400_invalid_request(sandbox: SandboxServer, body: bytes) -> None:
    url = f"{sandbox.url}/v2/Properties/PRSANDBOX/Messages"
    response = requests.post(url, data=body, auth=AUTH, timeout=10)

    assert response.status_code == 400
    assert response.json()["ResponseStatus"]["ErrorCode"] == "INVALID_REQUEST"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"To": "0488023555"}, "To", "INVALID_PHONENUMBER_FORMAT"),
        ({"To": "+61 488 023 555"}, "To", "INVALID_PHONENUMBER_FORMAT"),
        ({"To": 61488023555}, "To", "INVALID_PHONENUMBER_FORMAT"),
        ({"To": None}, "To", "PARAMETER_REQUIRED"),
        ({"Text": None}, "Text", "PARAMETER_REQUIRED"),
        ({"Text": ""}, "Text", "PARAMETER_REQUIRED"),
        ({"Text": 5}, "Text", "PARAMETER_INVALID"),
        ({"From": "ABCDEFGHIJKL"}, "From", "INVALID_SENDER_ID"),
        ({"From": "Acme!"}, "From", "INVALID_SENDER_ID"),
        ({"From": "+0123"}, "From", "INVALID_PHONENUMBER_FORMAT"),
        ({"From": "61499009990"}, "From", "INVALID_PHONENUMBER_FORMAT"),
        ({"From": 7}, "From", "PARAMETER_INVALID"),
        ({"DeliveryReceipt": "yes"}, "DeliveryReceipt", "PARAMETER_INVALID"),
        ({"DeliveryReceiptWebhookUri": "not a url"}, "DeliveryReceiptWebhookUri", "PARAMETER_INVALID"),
        ({"DeliveryReceiptWebhookMethod": "PUT"}, "DeliveryReceiptWebhookMethod", "PARAMETER_INVALID"),
        ({"ExternalId": 12}, "ExternalId", "PARAMETER_INVALID"),
        ({"WebhookUri": "http://127.0.0.1/replies"}, "WebhookUri", "LEASE_REQUIRED"),
        ({"ForwardToSms": "+61499333222"}, "ForwardToSms", "LEASE_REQUIRED"),
        ({"Dlr": True}, "Dlr", "PARAMETER_UNKNOWN"),
    ],
)
def test_invalid_message_is_400_naming_the_field(
    sandbox: SandboxServer, change: dict[str, Any], field: str, code: str
) -> None:
    body = {**VALID, **change}
    body = {k: v for k, v in body.items() if v is not None}

    response = send(sandbox, body)

    assert response.status_code == 400
    status = response.json()["ResponseStatus"]
    assert status["ErrorCode"] == code
    assert {"FieldName": field, "ErrorCode": code, "Message": status["Message"]} in status["Errors"]


def test_invalid_number_is_masked_in_the_error(sandbox: SandboxServer) -> None:
    response = send(sandbox, {**VALID, "To": "61488023555"})

    message = response.json()["ResponseStatus"]["Message"]
    assert "61488023555" not in message
    assert "61488***555" in message


@pytest.mark.parametrize(
    "change",
    [
        {"From": "Acme"},
        {"From": "A"},
        {"From": "Acme Co 123"},
        {"From": ""},
        {"DeliveryReceipt": False},
        {"DeliveryReceiptWebhookUri": "http://127.0.0.1:9/dlr", "DeliveryReceiptWebhookMethod": "get"},
        {"From": "", "WebhookUri": "http://127.0.0.1/replies", "WebhookMethod": "Post"},
        {"From": "", "ForwardToSms": "+61499333222", "ForwardToEmail": "ops@example.com"},
    ],
)
def test_valid_variants_are_accepted(sandbox: SandboxServer, change: dict[str, Any]) -> None:
    response = send(sandbox, {**VALID, **change})

    assert response.status_code == 200, response.text


def test_webhook_method_is_echoed_upper_case(sandbox: SandboxServer) -> None:
    body = {
        **VALID,
        "DeliveryReceiptWebhookUri": "http://127.0.0.1:9/dlr",
        "DeliveryReceiptWebhookMethod": "get",
    }

    message = send(sandbox, body).json()["Message"]

    assert message["DeliveryReceiptWebhookMethod"] == "GET"


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
    ],
)
def test_num_segments_counts_gsm7_and_ucs2(sandbox: SandboxServer, text: str, segments: int) -> None:
    message = send(sandbox, {**VALID, "Text": text}).json()["Message"]

    assert message["NumSegments"] == segments
