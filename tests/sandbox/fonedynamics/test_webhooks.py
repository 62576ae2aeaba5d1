"""Delivery-receipt webhooks: the message resource as JSON (POST) or query parameters (GET), loopback only."""

from __future__ import annotations

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.fonedynamics.client import send
from tests.sandbox.listener import CallbackListener


def _send_with_receipt(sandbox: SandboxServer, to: str, url: str, method: str = "POST") -> str:
    body = {
        "From": "Acme",
        "To": to,
        "Text": "receipt",
        "DeliveryReceiptWebhookUri": url,
        "DeliveryReceiptWebhookMethod": method,
    }
    sid: str = send(sandbox, body).json()["Message"]["MessageSid"]
    return sid


def test_post_receipt_carries_the_delivered_resource(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        sid = _send_with_receipt(sandbox, "+61488023555", listener.url)
        sandbox.advance(1)
        received = listener.wait_for(1)

    assert len(received) == 1
    assert received[0].method == "POST"
    assert received[0].json["MessageSid"] == sid
    assert received[0].json["Status"] == "Delivered"


def test_get_receipt_carries_query_parameters(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        sid = _send_with_receipt(sandbox, "+61488023513", listener.url, method="GET")
        sandbox.advance(1)
        received = listener.wait_for(1)

    assert received[0].method == "GET"
    assert received[0].query["MessageSid"] == sid
    assert received[0].query["Status"] == "Failed"
    assert received[0].query["DeliveryReceipt"] == "true"


def test_no_receipt_without_delivery_receipt_or_for_99(sandbox: SandboxServer) -> None:
    with CallbackListener() as listener:
        body = {
            "From": "Acme",
            "To": "+61488023555",
            "Text": "x",
            "DeliveryReceipt": False,
            "DeliveryReceiptWebhookUri": listener.url,
        }
        send(sandbox, body)
        _send_with_receipt(sandbox, "+61488023599", listener.url)
        sandbox.advance(5)
        assert sandbox.ctx.callbacks.wait_idle(5)

    assert listener.received == []


def test_receipt_is_retried_after_5xx_on_the_sandbox_clock(sandbox: SandboxServer) -> None:
    with CallbackListener(fail_first=2) as listener:
        _send_with_receipt(sandbox, "+61488023555", listener.url)
        sandbox.advance(1)
        assert listener.wait_for_attempts(1) == 1
        assert sandbox.ctx.callbacks.wait_idle(5)
        sandbox.advance(5)
        assert listener.wait_for_attempts(2) == 2
        assert sandbox.ctx.callbacks.wait_idle(5)
        sandbox.advance(10)
        received = listener.wait_for(1)

    assert len(received) == 1
    assert listener.attempts == 3
    assert sandbox.ctx.counters()["callbacks_retried"] == 2
    (record,) = sandbox.callbacks(vendor="fonedynamics")
    assert (record["kind"], record["state"], record["attempts"]) == ("delivery_receipt", "delivered", 3)


def test_non_loopback_receipt_url_is_accepted_but_never_called(sandbox: SandboxServer) -> None:
    response = send(
        sandbox,
        {
            "From": "Acme",
            "To": "+61488023555",
            "Text": "x",
            "DeliveryReceiptWebhookUri": "https://example.com/dlr",
        },
    )
    sandbox.advance(1)
    sandbox.inbox("+61488023555")

    assert response.status_code == 200
    assert sandbox.ctx.counters().get("callbacks_refused") == 1
