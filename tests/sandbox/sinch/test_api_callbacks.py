"""Sinch callbacks: delivery reports by type, MO messages, the plan's callback URL, signing, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import replace
from datetime import datetime, timedelta

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.listener import CallbackListener as Listener
from tests.sandbox.listener import Received
from tests.sandbox.sinch.helpers import CONFIG, DELIVERY_DELAY_S, CallbackListener, SinchApi

OK, FAILS, SILENT = "+61400000001", "+61400000013", "+61400000099"
SENDER = {"from": "Acme"}


def test_summary_callback_once_when_every_message_is_final(
    api: SinchApi, server: SandboxServer, listener: CallbackListener
) -> None:
    batch = api.send(
        to=[OK, SILENT], body="Hi", **SENDER, delivery_report="summary", callback_url=listener.url
    )
    server.advance(DELIVERY_DELAY_S)
    assert listener.wait_for(1, timeout=1) == []
    server.advance(3 * 86400)
    (report,) = listener.wait_for(1)
    assert report["type"] == "delivery_report_sms"
    assert report["batch_id"] == batch["id"]
    assert {(s["status"], s["count"]) for s in report["statuses"]} == {("Delivered", 1), ("Expired", 1)}
    assert all("recipients" not in s for s in report["statuses"])
    server.advance(60)
    assert len(listener.wait_for(2, timeout=1)) == 1


def test_full_callback_lists_recipients(
    api: SinchApi, server: SandboxServer, listener: CallbackListener
) -> None:
    api.send(to=[OK, FAILS], body="Hi", **SENDER, delivery_report="full", callback_url=listener.url)
    server.advance(DELIVERY_DELAY_S)
    (report,) = listener.wait_for(1)
    assert {s["status"]: s["recipients"] for s in report["statuses"]} == {
        "Delivered": [OK],
        "Failed": [FAILS],
    }


def test_per_recipient_callback_on_every_change(
    api: SinchApi, server: SandboxServer, listener: CallbackListener
) -> None:
    api.send(to=[OK, FAILS], body="Hi", **SENDER, delivery_report="per_recipient", callback_url=listener.url)
    server.advance(DELIVERY_DELAY_S)
    received = listener.wait_for(4)
    assert all(r["type"] == "recipient_delivery_report_sms" for r in received)
    assert sorted((r["recipient"], r["status"]) for r in received) == [
        (OK, "Delivered"),
        (OK, "Dispatched"),
        (FAILS, "Dispatched"),
        (FAILS, "Failed"),
    ]


def test_per_recipient_final_callback_once_per_recipient(
    api: SinchApi, server: SandboxServer, listener: CallbackListener
) -> None:
    api.send(
        to=[OK, FAILS], body="Hi", **SENDER, delivery_report="per_recipient_final", callback_url=listener.url
    )
    server.advance(DELIVERY_DELAY_S)
    received = listener.wait_for(2)
    assert sorted((r["recipient"], r["status"], r["code"]) for r in received) == [
        (OK, "Delivered", 0),
        (FAILS, "Failed", 1),
    ]
    server.advance(60)
    assert len(listener.wait_for(3, timeout=1)) == 2


def test_cancelled_batch_reports_cancelled(
    api: SinchApi, server: SandboxServer, listener: CallbackListener
) -> None:
    now = datetime.fromisoformat(requests.get(f"{server.url}/_sandbox/clock", timeout=10).json()["now"])
    batch = api.send(
        to=[OK], body="Hi", **SENDER, delivery_report="per_recipient_final", callback_url=listener.url,
        send_at=(now + timedelta(hours=1)).isoformat(),
    )  # fmt: skip
    api.request("DELETE", f"/batches/{batch['id']}")
    (report,) = listener.wait_for(1)
    assert (report["status"], report["code"]) == ("Cancelled", 407)


# --- the service plan's callback URL: MO messages, and delivery reports of batches without one --------------

PLAN_NUMBER = "+61400000100"
SECRET = "plan-signing-secret"


def expected_signature(secret: str, received: Received) -> str:
    nonce = received.headers["x-sinch-webhook-signature-nonce"]
    timestamp = received.headers["x-sinch-webhook-signature-timestamp"]
    signed = received.raw + b"." + nonce.encode() + b"." + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


def test_mo_callback_posts_the_inbound_unsigned_by_default(api: SinchApi, server: SandboxServer) -> None:
    with Listener() as listener:
        server.set_sinch_callback(listener.url)
        created = server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")
        (received,) = listener.wait_for(1)
        (record,) = server.wait_for_callbacks(1, kind="mo")

    assert received.method == "POST"
    assert received.json == created["inbound"] == api.request("GET", f"/inbounds/{created['id']}").json()
    assert received.headers["content-type"] == "application/json"
    assert not any(name.startswith("x-sinch-webhook") for name in received.headers)
    assert (record["vendor"], record["state"], record["last_status"], record["signed"]) == (
        "sinch",
        "delivered",
        200,
        False,
    )


def test_mo_callback_is_signed_with_the_plan_secret(server: SandboxServer) -> None:
    with Listener() as listener:
        server.set_sinch_callback(listener.url, secret=SECRET)
        server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="YES 1234")
        server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="YES 1234")
        first, second = listener.wait_for(2)

    assert first.headers["x-sinch-webhook-signature"] == expected_signature(SECRET, first)
    assert first.headers["x-sinch-webhook-signature"] != expected_signature("another secret", first)
    assert (
        first.headers["x-sinch-webhook-signature-nonce"] != second.headers["x-sinch-webhook-signature-nonce"]
    )
    assert abs(int(first.headers["x-sinch-webhook-signature-timestamp"]) - time.time()) < 60


def test_no_mo_callback_without_a_plan_callback_url(server: SandboxServer) -> None:
    server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")

    assert server.callbacks() == []


def test_mo_callback_is_retried_after_5xx_on_the_sandbox_clock(server: SandboxServer) -> None:
    with Listener(statuses=[500, 503]) as listener:
        server.set_sinch_callback(listener.url)
        server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")
        (first,) = server.wait_for_callbacks(1)
        server.advance(5)
        assert listener.wait_for_attempts(2) == 2
        (second,) = server.wait_for_callbacks(1)
        server.advance(10)
        (received,) = listener.wait_for(1)
        (done,) = server.wait_for_callbacks(1)

    assert (first["state"], first["attempts"], first["last_status"]) == ("retrying", 1, 500)
    assert (second["state"], second["attempts"], second["last_status"]) == ("retrying", 2, 503)
    assert (done["state"], done["attempts"], done["last_status"]) == ("delivered", 3, 200)
    assert received.json["body"] == "STOP"


def test_mo_callback_answered_with_4xx_is_dropped(server: SandboxServer) -> None:
    with Listener(statuses=[401]) as listener:
        server.set_sinch_callback(listener.url)
        server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")
        server.wait_for_callbacks(1)
        server.advance(3600)
        (record,) = server.wait_for_callbacks(1)

    assert (record["state"], record["attempts"], listener.attempts) == ("dropped", 1, 1)


def test_repeat_sends_the_same_mo_callback_n_times(server: SandboxServer) -> None:
    with Listener() as listener:
        server.set_sinch_callback(listener.url, secret=SECRET, repeat=3)
        created = server.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")
        received = listener.wait_for(3)
        records = server.wait_for_callbacks(3)

    assert [r.json["id"] for r in received] == [created["id"]] * 3
    assert all(r.headers["x-sinch-webhook-signature"] == expected_signature(SECRET, r) for r in received)
    assert sorted(r["copy"] for r in records) == [1, 2, 3]
    assert requests.get(f"{server.url}/_sandbox/callbacks", timeout=10).json()["repeat"] == 3


def test_delivery_reports_go_to_the_plan_url_when_the_batch_has_none(
    api: SinchApi, server: SandboxServer
) -> None:
    with Listener() as plan, Listener() as own:
        server.set_sinch_callback(plan.url, secret=SECRET)
        api.send(to=[OK], body="Hi", **SENDER, delivery_report="per_recipient_final")
        api.send(to=[FAILS], body="Hi", **SENDER, delivery_report="summary", callback_url=own.url)
        server.advance(DELIVERY_DELAY_S)
        (to_plan,) = plan.wait_for(1)
        (to_own,) = own.wait_for(1)
        records = server.wait_for_callbacks(2, kind="delivery_report")

    assert (to_plan.json["type"], to_plan.json["recipient"], to_plan.json["status"]) == (
        "recipient_delivery_report_sms",
        OK,
        "Delivered",
    )
    assert to_own.json["type"] == "delivery_report_sms"
    for received in (to_plan, to_own):
        assert received.headers["x-sinch-webhook-signature"] == expected_signature(SECRET, received)
    assert {r["url"] for r in records} == {plan.url, own.url}
    assert all(r["signed"] for r in records)


def test_delivery_report_retried_on_5xx_and_dropped_on_4xx(api: SinchApi, server: SandboxServer) -> None:
    with Listener(statuses=[502]) as retried, Listener(statuses=[404]) as dropped:
        api.send(to=[OK], body="a", **SENDER, delivery_report="summary", callback_url=retried.url)
        api.send(to=[FAILS], body="b", **SENDER, delivery_report="summary", callback_url=dropped.url)
        server.advance(DELIVERY_DELAY_S)
        server.wait_for_callbacks(2)
        server.advance(5)
        (report,) = retried.wait_for(1)
        records = server.wait_for_callbacks(2)

    states = {r["url"]: (r["state"], r["attempts"], r["last_status"]) for r in records}
    assert states == {retried.url: ("delivered", 2, 200), dropped.url: ("dropped", 1, 404)}
    assert report.json["statuses"] == [{"code": 0, "status": "Delivered", "count": 1}]


def test_plan_callback_settings_endpoint(server: SandboxServer) -> None:
    url = f"{server.url}/_sandbox/sinch/callbacks"
    remote = requests.put(url, json={"callback_url": "https://example.com/mo"}, timeout=10)
    empty_secret = requests.put(url, json={"callback_url": None, "signing_secret": ""}, timeout=10)
    good = requests.put(
        url, json={"callback_url": "http://127.0.0.1:9/mo", "signing_secret": SECRET}, timeout=10
    )
    shown = requests.get(url, timeout=10)
    server.reset()

    assert remote.status_code == 400
    assert "loopback" in remote.json()["detail"]
    assert empty_secret.status_code == 400
    assert good.json() == shown.json() == {"callback_url": "http://127.0.0.1:9/mo", "signed": True}
    assert SECRET not in shown.text
    assert requests.get(url, timeout=10).json() == {"callback_url": None, "signed": False}


def test_callback_url_and_secret_from_the_config() -> None:
    with Listener() as listener:
        config = replace(CONFIG, sinch_callback_url=listener.url, sinch_callback_secret=SECRET)
        with SandboxServer(config) as configured:
            configured.inject_inbound("sinch", sender=OK, to=PLAN_NUMBER, body="STOP")
            (received,) = listener.wait_for(1)
            configured.set_sinch_callback(None)
            configured.reset()
            settings = requests.get(f"{configured.url}/_sandbox/sinch/callbacks", timeout=10).json()

    assert received.headers["x-sinch-webhook-signature"] == expected_signature(SECRET, received)
    assert settings == {"callback_url": listener.url, "signed": True}
    assert SECRET not in repr(config)
