"""Fone Dynamics inbound messages: replies to leased numbers, reply webhooks, search, errors, idempotency."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import find, get, sandbox_now, send
from tests.sandbox.listener import CallbackListener

HANDSET, OTHER_HANDSET = "+61488023555", "+61488023556"
OWNED_NUMBER = "+61299990000"


def send_leased(sandbox: SandboxServer, to: str = HANDSET, **options: Any) -> dict[str, Any]:
    response = send(sandbox, {"To": to, "Text": "Reply YES to confirm", **options})
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["Message"]
    return message


def inject(sandbox: SandboxServer, **fields: Any) -> requests.Response:
    body = {"vendor": "fonedynamics", **fields}
    return requests.post(f"{sandbox.url}/_sandbox/inbound", json=body, timeout=10)


def test_a_reply_to_a_leased_number_calls_the_outbound_webhook(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url, ExternalId="order-7")
        created = sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=outbound["From"], body="YES")
        (received,) = listener.wait_for(1)
        (record,) = sandbox.wait_for_callbacks(1, kind="reply")

    reply = created["inbound"]
    assert (created["vendor"], created["created"], created["id"]) == (
        "fonedynamics",
        True,
        reply["MessageSid"],
    )
    assert received.method == "POST"
    assert received.json == reply
    assert (reply["From"], reply["To"], reply["Text"]) == (HANDSET, outbound["From"], "YES")
    assert (reply["Direction"], reply["Status"], reply["ExternalId"]) == ("Receive", "Received", "order-7")
    assert reply["Received"] == reply["Created"]
    assert abs(reply["Received"] - sandbox_now(sandbox)) <= 2
    assert (reply["Submitted"], reply["Delivered"], reply["DeliveryReceipt"]) == (None, None, False)
    assert re.fullmatch(r"MG[A-Z]{30}", reply["MessageSid"])
    assert (record["vendor"], record["method"], record["state"]) == ("fonedynamics", "POST", "delivered")


def test_the_webhook_method_get_sends_query_parameters(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url, WebhookMethod="GET")
        created = sandbox.inject_inbound(
            "fonedynamics", sender=HANDSET, body="NO", in_reply_to=outbound["MessageSid"]
        )
        (received,) = listener.wait_for(1)

    assert received.method == "GET"
    assert received.query["MessageSid"] == created["id"]
    assert (received.query["Text"], received.query["Direction"], received.query["ExternalId"]) == (
        "NO",
        "Receive",
        "",
    )
    assert received.query["To"] == outbound["From"]


def test_in_reply_to_finds_the_number_and_the_external_id(sandbox: SandboxServer) -> None:
    first = send_leased(sandbox, ExternalId="first")
    second = send_leased(sandbox, ExternalId="second")

    reply = sandbox.inject_inbound("fonedynamics", sender=HANDSET, body="ok", in_reply_to=first["MessageSid"])

    assert first["From"] != second["From"]
    assert (reply["inbound"]["To"], reply["inbound"]["ExternalId"]) == (first["From"], "first")


def test_inbound_messages_are_found_by_direction_and_status_and_by_sid(sandbox: SandboxServer) -> None:
    outbound = send_leased(sandbox)
    created = sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=outbound["From"], body="YES")
    window = {"Date_From": sandbox_now(sandbox) - 60, "Date_To": sandbox_now(sandbox) + 60}

    received = find(sandbox, Direction="Receive", **window).json()
    by_status = find(sandbox, Status="Received", **window).json()
    sent = find(sandbox, Direction="Transmit", **window).json()

    assert received == by_status == [created["inbound"]]
    assert [m["MessageSid"] for m in sent] == [outbound["MessageSid"]]
    assert get(sandbox, created["id"]) == created["inbound"]


def test_a_message_to_a_number_without_a_lease_has_no_webhook(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        send_leased(sandbox, WebhookUri=listener.url)
        created = sandbox.inject_inbound("fonedynamics", sender=OTHER_HANDSET, to=OWNED_NUMBER, body="hello")
        assert sandbox.ctx.callbacks.wait_idle(5)

    assert created["inbound"]["ExternalId"] is None
    assert listener.attempts == 0
    assert sandbox.callbacks() == []


def test_a_lease_to_another_handset_does_not_link(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url, ExternalId="x")
        created = sandbox.inject_inbound("fonedynamics", sender=OTHER_HANDSET, to=outbound["From"], body="hi")
        assert sandbox.ctx.callbacks.wait_idle(5)

    assert created["inbound"]["ExternalId"] is None
    assert listener.attempts == 0


def test_a_reply_after_the_lease_expired_does_not_link(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url, ExternalId="x")
        sandbox.advance(31 * 86400)
        created = sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=outbound["From"], body="late")
        assert sandbox.ctx.callbacks.wait_idle(5)

    assert created["inbound"]["ExternalId"] is None
    assert listener.attempts == 0


def test_a_reply_is_forwarded_to_the_forward_to_sms_handset(sandbox: SandboxServer) -> None:
    outbound = send_leased(sandbox, ForwardToSms="+61488023570", ForwardFromSms="Acme")
    sandbox.advance(1)

    created = sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=outbound["From"], body="call me")

    (forwarded,) = sandbox.inbox("+61488023570")
    assert (forwarded["body"], forwarded["from"], forwarded["message_id"]) == (
        "call me",
        "Acme",
        created["id"],
    )


def test_the_reply_webhook_is_retried_on_the_sandbox_clock(sandbox: SandboxServer) -> None:
    with CallbackListener(statuses=[503]) as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url)
        sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=outbound["From"], body="YES")
        (waiting,) = sandbox.wait_for_callbacks(1)
        sandbox.advance(5)
        (received,) = listener.wait_for(1)
        (done,) = sandbox.wait_for_callbacks(1)

    assert (waiting["state"], waiting["last_status"]) == ("retrying", 503)
    assert (done["state"], done["attempts"]) == ("delivered", 2)
    assert received.json["Text"] == "YES"


def test_the_same_key_returns_the_same_message_and_one_webhook(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        outbound = send_leased(sandbox, WebhookUri=listener.url)
        fields = {"from": HANDSET, "to": outbound["From"], "body": "STOP", "idempotency_key": "fd-1"}
        first, again = inject(sandbox, **fields), inject(sandbox, **fields)
        reused = inject(sandbox, **{**fields, "body": "START"})
        listener.wait_for(1)
        assert sandbox.ctx.callbacks.wait_idle(5)

    assert (first.status_code, again.status_code, reused.status_code) == (201, 200, 409)
    assert again.json() == {**first.json(), "created": False}
    assert listener.attempts == 1
    assert sandbox.stats()["counters"]["fonedynamics.received"] == 1


@pytest.mark.parametrize(
    ("fields", "status", "detail"),
    [
        ({"from": "0488023555", "to": OWNED_NUMBER}, 400, "from: '04880**555' must be E.164"),
        ({"from": HANDSET, "to": "Acme"}, 400, "to: '**me' must be E.164"),
        ({"from": HANDSET}, 400, "to: is required unless in_reply_to names a message"),
        ({"from": HANDSET, "to": OWNED_NUMBER, "operator_id": "50501"}, 400, "operator_id: is a Sinch field"),
        ({"from": HANDSET, "in_reply_to": "MGNOPE"}, 404, "in_reply_to: message 'MGNOPE' not found"),
    ],
)
def test_bad_injections_name_the_field(
    sandbox: SandboxServer, fields: dict[str, Any], status: int, detail: str
) -> None:
    response = inject(sandbox, body="x", **fields)

    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_a_reply_must_fit_the_message_it_answers(sandbox: SandboxServer) -> None:
    leased = send_leased(sandbox)
    named = send(sandbox, {"From": "Acme", "To": HANDSET, "Text": "hi"}).json()["Message"]
    inbound = sandbox.inject_inbound("fonedynamics", sender=HANDSET, to=OWNED_NUMBER, body="x")

    stranger = inject(sandbox, **{"from": OTHER_HANDSET}, body="x", in_reply_to=leased["MessageSid"])
    wrong_number = inject(
        sandbox, **{"from": HANDSET}, to=OWNED_NUMBER, body="x", in_reply_to=leased["MessageSid"]
    )
    to_a_name = inject(sandbox, **{"from": HANDSET}, body="x", in_reply_to=named["MessageSid"])
    to_an_inbound = inject(sandbox, **{"from": HANDSET}, body="x", in_reply_to=inbound["id"])

    assert stranger.status_code == wrong_number.status_code == to_a_name.status_code == 400
    assert (
        stranger.json()["detail"]
        == f"from: '+6148****556' is not the recipient of message '{leased['MessageSid']}'"
    )
    assert OTHER_HANDSET not in stranger.text
    assert wrong_number.json()["detail"].startswith("to: is not the number message")
    assert to_a_name.json()["detail"].startswith("to: is required: message")
    assert (to_an_inbound.status_code, to_an_inbound.json()["detail"]) == (
        400,
        f"in_reply_to: message '{inbound['id']}' is itself inbound",
    )


def test_receipt_webhooks_are_logged_as_delivery_receipts(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        send(sandbox, {"From": "Acme", "To": HANDSET, "Text": "x", "DeliveryReceiptWebhookUri": listener.url})
        sandbox.advance(1)
        (received,) = listener.wait_for(1)
        (record,) = sandbox.wait_for_callbacks(1)

    assert (record["vendor"], record["kind"], record["state"]) == (
        "fonedynamics",
        "delivery_receipt",
        "delivered",
    )
    assert record["payload"] == received.json
    assert received.json["Status"] == "Delivered"
