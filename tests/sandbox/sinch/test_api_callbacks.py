from __future__ import annotations

from datetime import datetime, timedelta

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import DELIVERY_DELAY_S, CallbackListener, SinchApi

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
