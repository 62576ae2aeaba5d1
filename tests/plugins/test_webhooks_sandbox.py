"""The webhook receiver in Airflow's API server, called by the sandbox's real callbacks over loopback.

Each vendor callback is sent three times (``repeat=3``, as a vendor retry would) and must make one asset
event of the contract's shape, and queue the DAG scheduled on the asset. Refused callbacks make none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_sms.plugins.webhooks import URL_PREFIX
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.conftest import TEST_DELIVERY_DELAY_S
from tests.plugins.conftest import (
    FONE_CONN,
    FONE_NUMBER,
    SIGNED_CONN,
    SIGNING_SECRET,
    SINCH_CONN,
    SINCH_NUMBER,
    URL_SECRET,
    ApiServer,
    events,
    queued_dags,
)
from tests.sandbox.fonedynamics.client import send as fone_send

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("connections", "clean_events")]

HANDSET, FAILING_HANDSET = "+61488023555", "+61400000013"
SINCH_INBOUND = "sms://sinch/61400000001/inbound"
FONE_INBOUND = "sms://fonedynamics/61480000001/inbound"


def sinch_url(api: ApiServer, conn_id: str = SINCH_CONN, secret: str | None = URL_SECRET) -> str:
    return f"{api.url}{URL_PREFIX}/sinch/{conn_id}" + (f"/{secret}" if secret else "")


def fone_url(api: ApiServer, secret: str = URL_SECRET) -> str:
    return f"{api.url}{URL_PREFIX}/fonedynamics/{FONE_CONN}/{secret}"


def sinch_send(sandbox: SandboxServer, **batch: Any) -> dict[str, Any]:
    response = requests.post(
        f"{sandbox.url}/xms/v1/sandbox/batches",
        json={"from": SINCH_NUMBER, "body": "Reply STOP to stop", **batch},
        headers={"Authorization": "Bearer sandbox-token"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def answered(sandbox: SandboxServer, count: int, **filters: Any) -> list[tuple[str, int | None]]:
    records = sandbox.wait_for_callbacks(count, **filters)
    return sorted((record["state"], record["last_status"]) for record in records)


# --- Airflow loads and mounts the plugin --------------------------------------------------------------------


def test_airflow_lists_the_plugin_from_the_provider_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    completed = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    listed = json.loads(completed.stdout[completed.stdout.index("[") :])
    (plugin,) = [p for p in listed if p["name"] == "sms_webhooks"]
    assert "airflow_provider_sms.plugins.webhooks:SmsWebhooksPlugin" in plugin["source"]
    assert "/sms-webhooks" in json.dumps(plugin["fastapi_apps"])


def test_the_api_server_mounts_the_receiver(api_server: ApiServer) -> None:
    mounted = [route for route in api_server.app.routes if getattr(route, "path", None) == URL_PREFIX]
    assert len(mounted) == 1
    unknown = requests.post(sinch_url(api_server, "no_such_conn"), json={}, timeout=10)
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": "no sinch connection 'no_such_conn' takes webhooks"},
    )


# --- one event per callback, however often it is sent ------------------------------------------------------


def test_a_sinch_mo_sent_3_times_makes_one_event_and_queues_the_dag(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    sandbox.set_sinch_callback(sinch_url(api_server), repeat=3)
    created = sandbox.inject_inbound("sinch", sender=HANDSET, to=SINCH_NUMBER, body="STOP")

    assert answered(sandbox, 3, kind="mo") == [("delivered", 200)] * 3
    (event,) = events(SINCH_INBOUND)
    received_at = created["inbound"]["received_at"]
    assert event == {
        "from_trigger": True,
        "payload": {
            "kind": "inbound",
            "vendor": "sinch",
            "id": created["id"],
            "from": HANDSET,
            "to": SINCH_NUMBER,
            "body": "STOP",
            "received_at": received_at[:19] + "Z",
            "in_reply_to": None,
        },
    }
    assert queued_dags() == {"wh_sinch_inbound"}


def test_a_reply_to_a_batch_carries_its_client_reference(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    batch = sinch_send(sandbox, to=[HANDSET], client_reference="campaign-7")
    sandbox.set_sinch_callback(sinch_url(api_server), repeat=2)
    sandbox.inject_inbound("sinch", sender=HANDSET, body="YES 1234", in_reply_to=batch["id"])

    assert answered(sandbox, 2, kind="mo") == [("delivered", 200)] * 2
    (event,) = events(SINCH_INBOUND)
    assert (event["payload"]["body"], event["payload"]["in_reply_to"]) == ("YES 1234", "campaign-7")


def test_signed_per_recipient_reports_sent_3_times_make_one_event_each(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    sandbox.set_sinch_callback(sinch_url(api_server, SIGNED_CONN, None), secret=SIGNING_SECRET, repeat=3)
    batch = sinch_send(
        sandbox, to=[HANDSET, FAILING_HANDSET], delivery_report="per_recipient", client_reference="ref-1"
    )
    sandbox.advance(TEST_DELIVERY_DELAY_S + 1)

    records = sandbox.wait_for_callbacks(12, kind="delivery_report")
    assert sorted({(r["state"], r["last_status"], r["signed"]) for r in records}) == [
        ("delivered", 200, True)
    ]
    payloads = [event["payload"] for event in events("sms://sinch/sms_wh_signed/deliveries")]
    assert sorted((p["recipient"], p["status"]) for p in payloads) == [
        (FAILING_HANDSET, "failed"),
        (FAILING_HANDSET, "sent"),
        (HANDSET, "delivered"),
        (HANDSET, "sent"),
    ]
    assert {(p["batch_id"], p["client_reference"], p["vendor"], p["kind"]) for p in payloads} == {
        (batch["id"], "ref-1", "sinch", "delivery")
    }
    assert all(p["at"].endswith("Z") and isinstance(p["code"], int) for p in payloads)
    assert queued_dags() == {"wh_signed_deliveries"}


def test_a_summary_report_sent_3_times_makes_one_event(sandbox: SandboxServer, api_server: ApiServer) -> None:
    sandbox.set_callback_repeat(3)
    batch = sinch_send(
        sandbox, to=[HANDSET, FAILING_HANDSET], delivery_report="summary", callback_url=sinch_url(api_server)
    )
    sandbox.advance(TEST_DELIVERY_DELAY_S + 1)

    assert answered(sandbox, 3, kind="delivery_report") == [("delivered", 200)] * 3
    report = requests.get(
        f"{sandbox.url}/xms/v1/sandbox/batches/{batch['id']}/delivery_report",
        headers={"Authorization": "Bearer sandbox-token"},
        timeout=10,
    ).json()
    (event,) = events("sms://sinch/sms_wh_sinch/deliveries")
    assert event["payload"] == {
        "kind": "delivery",
        "vendor": "sinch",
        "batch_id": batch["id"],
        "recipient": None,
        "status": "mixed",
        "code": None,
        "client_reference": None,
        "at": None,
        "statuses": [
            {"status": status.lower(), "code": entry["code"], "count": 1}
            for entry in report["statuses"]
            for status in [entry["status"]]
        ],
    }
    assert [entry["status"] for entry in report["statuses"]] == ["Delivered", "Failed"]


def test_fone_dynamics_receipt_and_reply_sent_3_times_make_one_event_each(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    sandbox.set_callback_repeat(3)
    response = fone_send(
        sandbox,
        {
            "To": HANDSET,
            "Text": "Reply YES",
            "ExternalId": "order-7",
            "DeliveryReceipt": True,
            "DeliveryReceiptWebhookUri": fone_url(api_server),
            "WebhookUri": fone_url(api_server),
            "WebhookMethod": "GET",
        },
    )
    assert response.status_code == 200, response.text
    sid = response.json()["Message"]["MessageSid"]
    assert response.json()["Message"]["From"] == FONE_NUMBER
    sandbox.advance(TEST_DELIVERY_DELAY_S + 1)
    reply = sandbox.inject_inbound("fonedynamics", sender=HANDSET, body="YES", in_reply_to=sid)

    assert answered(sandbox, 3, kind="delivery_receipt") == [("delivered", 200)] * 3
    assert answered(sandbox, 3, kind="reply") == [("delivered", 200)] * 3
    (receipt,) = events("sms://fonedynamics/sms_wh_fone/deliveries")
    assert {k: v for k, v in receipt["payload"].items() if k != "at"} == {
        "kind": "delivery",
        "vendor": "fonedynamics",
        "batch_id": sid,
        "recipient": HANDSET,
        "status": "delivered",
        "code": None,
        "client_reference": "order-7",
    }
    (inbound,) = events(FONE_INBOUND)
    assert inbound["from_trigger"] is True
    assert {k: v for k, v in inbound["payload"].items() if k != "received_at"} == {
        "kind": "inbound",
        "vendor": "fonedynamics",
        "id": reply["id"],
        "from": HANDSET,
        "to": FONE_NUMBER,
        "body": "YES",
        "in_reply_to": "order-7",
    }
    assert queued_dags() == {"wh_fone_deliveries", "wh_fone_inbound"}


# --- refused callbacks make no event ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("another-signing-secret", 403)],
    ids=["unsigned", "wrong-signature"],
)
def test_a_callback_not_signed_with_the_connection_secret_is_refused(
    sandbox: SandboxServer, api_server: ApiServer, secret: str | None, status: int
) -> None:
    sandbox.set_sinch_callback(sinch_url(api_server, SIGNED_CONN, None), secret=secret, repeat=2)
    sandbox.inject_inbound("sinch", sender=HANDSET, to=SINCH_NUMBER, body="STOP")

    assert answered(sandbox, 2, kind="mo") == [("dropped", status)] * 2
    assert events(SINCH_INBOUND) == []
    assert queued_dags() == set()


@pytest.mark.parametrize(("secret", "status"), [("x" * 32, 403), (None, 401)], ids=["wrong", "missing"])
def test_a_callback_without_the_url_secret_is_refused(
    sandbox: SandboxServer, api_server: ApiServer, secret: str | None, status: int
) -> None:
    sandbox.set_sinch_callback(sinch_url(api_server, SINCH_CONN, secret))
    sandbox.inject_inbound("sinch", sender=HANDSET, to=SINCH_NUMBER, body="STOP")

    assert answered(sandbox, 1, kind="mo") == [("dropped", status)]
    assert events(SINCH_INBOUND) == []


def test_a_wrong_fone_dynamics_secret_is_refused(sandbox: SandboxServer, api_server: ApiServer) -> None:
    wrong = fone_url(api_server, secret="y" * 32)
    response = fone_send(sandbox, {"To": HANDSET, "Text": "x", "WebhookUri": wrong})
    sid = response.json()["Message"]["MessageSid"]
    sandbox.inject_inbound("fonedynamics", sender=HANDSET, body="YES", in_reply_to=sid)

    assert answered(sandbox, 1, kind="reply") == [("dropped", 403)]
    assert events(FONE_INBOUND) == []


def test_a_message_to_a_number_no_dag_declares_is_accepted_and_ignored(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    sandbox.set_sinch_callback(sinch_url(api_server))
    sandbox.inject_inbound("sinch", sender=HANDSET, to="+61400000777", body="hello")

    assert answered(sandbox, 1, kind="mo") == [("delivered", 202)]
    assert events("sms://sinch/61400000777/inbound") == []
    assert queued_dags() == set()


# --- the two paths make the same event ----------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_the_webhook_and_the_polling_trigger_give_a_message_the_same_payload(
    vendor: str, sandbox: SandboxServer, api_server: ApiServer
) -> None:
    from datetime import datetime, timedelta, timezone

    from airflow_provider_sms.hooks.sms import SmsHook

    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    if vendor == "sinch":
        batch = sinch_send(sandbox, to=[HANDSET], client_reference="campaign-8")
        sandbox.set_sinch_callback(sinch_url(api_server))
        sandbox.inject_inbound("sinch", sender=HANDSET, body="YES 42", in_reply_to=batch["id"])
        conn_id, number, asset = SINCH_CONN, SINCH_NUMBER, SINCH_INBOUND
        kind = "mo"
    else:
        sent = fone_send(
            sandbox,
            {"To": HANDSET, "Text": "Reply YES", "ExternalId": "order-8", "WebhookUri": fone_url(api_server)},
        )
        sandbox.advance(TEST_DELIVERY_DELAY_S + 1)
        sandbox.inject_inbound(
            "fonedynamics", sender=HANDSET, body="YES 42", in_reply_to=sent.json()["Message"]["MessageSid"]
        )
        conn_id, number, asset = FONE_CONN, FONE_NUMBER, FONE_INBOUND
        kind = "reply"
    assert answered(sandbox, 1, kind=kind) == [("delivered", 200)]

    (event,) = events(asset)
    polled = SmsHook.for_connection(conn_id).inbound_messages(number, since)
    assert [message.to_payload() for message in polled] == [event["payload"]]
