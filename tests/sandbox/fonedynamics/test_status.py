"""Status over time: Processing, Submitted at dispatch, then Delivered or Failed by recipient number."""

from __future__ import annotations

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import AUTH, get, send

BASE = {"From": "Acme", "Text": "status"}


def test_delivered_after_the_delivery_delay_and_in_the_inbox(sandbox: SandboxServer) -> None:
    sid = send(sandbox, {**BASE, "To": "+61488023555"}).json()["Message"]["MessageSid"]

    submitted = get(sandbox, sid)
    assert submitted["Status"] == "Submitted"
    assert submitted["Delivered"] is None
    sandbox.advance(1)
    delivered = get(sandbox, sid)
    assert delivered["Status"] == "Delivered"
    assert delivered["Delivered"] >= delivered["Submitted"]
    inbox = sandbox.inbox("+61488023555")
    assert [(m["body"], m["from"], m["message_id"], m["vendor"]) for m in inbox] == [
        ("status", "Acme", sid, "fonedynamics")
    ]


def test_number_ending_13_fails_with_an_error_code(sandbox: SandboxServer) -> None:
    sid = send(sandbox, {**BASE, "To": "+61488023513"}).json()["Message"]["MessageSid"]

    sandbox.advance(1)
    failed = get(sandbox, sid)
    assert failed["Status"] == "Failed"
    assert failed["ErrorCode"] == "UNDELIVERABLE"
    assert sandbox.inbox("+61488023513") == []


def test_number_ending_99_stays_submitted(sandbox: SandboxServer) -> None:
    sid = send(sandbox, {**BASE, "To": "+61488023599"}).json()["Message"]["MessageSid"]

    sandbox.advance(3 * 86400)
    assert get(sandbox, sid)["Status"] == "Submitted"
    assert sandbox.inbox("+61488023599") == []


def test_without_delivery_receipt_the_status_stays_submitted_but_the_handset_gets_it(
    sandbox: SandboxServer,
) -> None:
    sid = send(sandbox, {**BASE, "To": "+61488023555", "DeliveryReceipt": False}).json()["Message"][
        "MessageSid"
    ]

    sandbox.advance(1)
    assert get(sandbox, sid)["Status"] == "Submitted"
    assert len(sandbox.inbox("+61488023555")) == 1


def test_get_unknown_message_is_404(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.url}/v2/Messages/MG{'A' * 30}", auth=AUTH, timeout=10)

    assert response.status_code == 404
    assert response.json()["ResponseStatus"]["ErrorCode"] == "NOT_FOUND"


def test_get_requires_credentials(sandbox: SandboxServer) -> None:
    sid = send(sandbox, {**BASE, "To": "+61488023555"}).json()["Message"]["MessageSid"]

    response = requests.get(f"{sandbox.url}/v2/Messages/{sid}", auth=("ACSANDBOX", "nope"), timeout=10)

    assert response.status_code == 401
