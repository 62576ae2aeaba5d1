"""Bad callbacks to the webhook receiver: each gets a clear 4xx, makes no asset event, and leaks nothing.

Requests go over loopback to Airflow's API server app (the plugin mounted by Airflow); the one that must
be refused while it is still streaming drives the receiver's ASGI app directly, to count what it reads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from airflow_provider_sms.plugins.webhooks import (
    BATCH_LOOKUP_TIMEOUT_S,
    MAX_BODY_BYTES,
    URL_PREFIX,
    create_app,
)
from airflow_provider_sms.sandbox.sinch_inbounds import signature_headers
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.plugins.conftest import (
    FONE_CONN,
    SIGNED_CONN,
    SIGNING_SECRET,
    SINCH_CONN,
    URL_SECRET,
    ApiServer,
    events,
    queued_dags,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("connections", "clean_events")]

HANDSET = "+61488023555"
SINCH_INBOUND = "sms://sinch/61400000001/inbound"
SINCH_DELIVERIES = "sms://sinch/sms_wh_sinch/deliveries"
#: Well formed, never sent by the sandbox.
UNKNOWN_BATCH = "01KB0000000000000000000000"
TEN_MB = 10 * 1024 * 1024


def mo(message_id: str = "01KB1111111111111111111111", **fields: Any) -> dict[str, Any]:
    return {
        "type": "mo_text",
        "id": message_id,
        "from": HANDSET.lstrip("+"),
        "to": "61400000001",
        "body": "STOP",
        "received_at": "2026-11-27T10:00:00.123Z",
        **fields,
    }


def url(api: ApiServer, conn_id: str = SINCH_CONN, secret: str | None = URL_SECRET) -> str:
    vendor = "fonedynamics" if conn_id == FONE_CONN else "sinch"
    return f"{api.url}{URL_PREFIX}/{vendor}/{conn_id}" + (f"/{secret}" if secret else "")


def post(api: ApiServer, body: Any, *, target: str | None = None, **headers: str) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers.setdefault("Content-Type", "application/json")
    return requests.post(target or url(api), data=data, headers=headers, timeout=30)


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO, logger="airflow_provider_sms.plugins.webhooks")
    yield
    assert URL_SECRET not in caplog.text
    assert SIGNING_SECRET not in caplog.text
    assert HANDSET not in caplog.text


def test_a_valid_callback_is_logged_with_the_numbers_masked(
    api_server: ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    response = post(api_server, mo())

    assert (response.status_code, response.json()) == (200, {"status": "created", "asset": SINCH_INBOUND})
    assert "inbound 01KB1111111111111111111111 from +6148****555 to +6140****001, created" in caplog.text
    assert len(events(SINCH_INBOUND)) == 1


@pytest.mark.parametrize(
    ("content_type", "shown"), [("text/plain", "text/plain"), ("application/x-www-form-urlencoded", "appl")]
)
def test_a_body_that_is_not_json_by_its_content_type_is_refused_with_415(
    api_server: ApiServer, content_type: str, shown: str
) -> None:
    response = post(api_server, mo(), **{"Content-Type": content_type})

    assert response.status_code == 415
    assert response.json()["detail"].startswith(f"Content-Type '{shown}")
    assert response.json()["detail"].endswith("the body must be application/json")
    assert events(SINCH_INBOUND) == []


def test_a_declared_10_mb_body_is_refused_with_413_before_it_is_sent(api_server: ApiServer) -> None:
    parts = urlsplit(url(api_server))
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {TEN_MB}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(head.encode() + b"{")  # one byte of the ten million: the answer must not wait for more
        answer = conn.recv(65536).decode()

    status_line, _, rest = answer.partition("\r\n")
    assert status_line == "HTTP/1.1 413 Request Entity Too Large"
    assert f"the body of {TEN_MB} bytes is over the limit of {MAX_BODY_BYTES} bytes" in rest
    assert events(SINCH_INBOUND) == []


def test_a_streamed_10_mb_body_is_refused_with_413_after_reading_about_1_mb() -> None:
    chunk = b" " * 65536
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < TEN_MB}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path = f"/sinch/{SINCH_CONN}/{URL_SECRET}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    asyncio.run(create_app()(scope, receive, send))

    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {"detail": f"the body is over the limit of {MAX_BODY_BYTES} bytes"}
    assert MAX_BODY_BYTES < pulled <= MAX_BODY_BYTES + len(chunk)
    # What the server's access log prints (scope["path"]) no longer holds the URL secret.
    assert URL_SECRET not in scope["path"]
    assert scope["path"] == f"/sinch/{SINCH_CONN}/***"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"type": "mo_text", "id": ', "the body is not valid UTF-8 JSON at line 1 column 27"),
        (b"\xff\xfe", "the body is not valid UTF-8 JSON"),
        (b"[1, 2]", "the body must be a JSON object, not a list"),
    ],
    ids=["truncated", "not-utf8", "not-an-object"],
)
def test_malformed_json_is_refused_with_400(api_server: ApiServer, body: bytes, detail: str) -> None:
    response = post(api_server, body)

    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert events(SINCH_INBOUND) == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (mo(type="mo_binary"), "field 'type' = 'mo_binary': must be mo_text or a delivery report"),
        (mo(received_at="yesterday"), "field 'received_at' = 'yesterday': must be an ISO-8601 time"),
        ({**mo(), "id": None}, "field 'id' is missing; is required"),
        (mo(**{"from": ["+61488023555"]}), "field 'from' is a list: must be text"),
        (
            {"type": "recipient_delivery_report_sms", "batch_id": "batch-1", "recipient": HANDSET},
            "field 'batch_id' = 'batch-1': must be a Sinch batch id: 26 Crockford base-32 characters",
        ),
    ],
    ids=["type", "time", "missing", "wrong-type", "batch-id-form"],
)
def test_a_body_that_breaks_a_rule_is_refused_with_422_naming_the_field(
    api_server: ApiServer, body: dict[str, Any], detail: str
) -> None:
    response = post(api_server, body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    assert events(SINCH_INBOUND) == events(SINCH_DELIVERIES) == []


def test_a_report_of_a_batch_the_vendor_does_not_know_is_refused_with_404(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    report = {
        "type": "recipient_delivery_report_sms",
        "batch_id": UNKNOWN_BATCH,
        "recipient": HANDSET,
        "code": 0,
        "status": "Delivered",
        "at": "2026-11-27T10:00:00Z",
    }
    response = post(api_server, report)

    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"sinch does not know batch {UNKNOWN_BATCH!r} of this connection"},
    )
    assert events(SINCH_DELIVERIES) == []
    assert queued_dags() == set()


def test_a_fone_dynamics_receipt_of_an_unknown_message_is_refused_with_404(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    receipt = {
        "MessageSid": "MG" + "Q" * 30,
        "Direction": "Transmit",
        "To": HANDSET,
        "Status": "Delivered",
        "Created": "1795000000",
    }
    response = requests.get(url(api_server, FONE_CONN), params=receipt, timeout=10)

    assert response.status_code == 404
    assert response.json() == {
        "detail": f"fonedynamics does not know batch {'MG' + 'Q' * 30!r} of this connection"
    }
    assert events("sms://fonedynamics/sms_wh_fone/deliveries") == []


def test_a_vendor_that_cannot_be_asked_gets_a_503_to_retry_later_after_one_try(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    # The connection allows retries; the look-up must not use them (the vendor retries the callback).
    sandbox.set_faults(error_rate=1.0, error_status=500)
    report = {"type": "delivery_report_sms", "batch_id": UNKNOWN_BATCH.replace("0", "1"), "statuses": []}
    asked_before = sandbox.stats()["counters"].get("vendor_requests", 0)
    try:
        response = post(api_server, report)
    finally:
        sandbox.clear_faults()

    assert response.status_code == 503
    assert response.json()["detail"].endswith("; retry later")
    assert sandbox.stats()["counters"].get("vendor_requests", 0) - asked_before == 1
    assert events(SINCH_DELIVERIES) == []


def test_a_slow_vendor_gets_a_503_within_the_look_up_timeout(
    sandbox: SandboxServer, api_server: ApiServer
) -> None:
    report = {"type": "delivery_report_sms", "batch_id": UNKNOWN_BATCH.replace("0", "2"), "statuses": []}
    sandbox.set_faults(latency_ms=int((BATCH_LOOKUP_TIMEOUT_S + 3) * 1000))
    try:
        response = post(api_server, report)
    finally:
        sandbox.clear_faults()

    # With the connection's own 30 s timeout the answer would come, and be a 404 for an unknown batch.
    assert response.status_code == 503
    assert events(SINCH_DELIVERIES) == []


def test_the_wrong_connection_type_or_an_unknown_one_is_404(api_server: ApiServer) -> None:
    as_fone = requests.get(url(api_server, FONE_CONN).replace("/fonedynamics/", "/sinch/"), timeout=10)
    fone_as_sinch = post(
        api_server, mo(), target=url(api_server, FONE_CONN).replace("/fonedynamics/", "/sinch/")
    )
    unknown = post(api_server, mo(), target=url(api_server, "sms_nobody"))

    assert as_fone.status_code == 405
    assert fone_as_sinch.status_code == unknown.status_code == 404
    assert fone_as_sinch.json() == {"detail": "no sinch connection 'sms_wh_fone' takes webhooks"}
    assert events(SINCH_INBOUND) == []


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "the callback must be signed: header X-Sinch-Webhook-Signature is missing"),
        (
            {"X-Sinch-Webhook-Signature": "bm90IGl0", "X-Sinch-Webhook-Signature-Nonce": "n"},
            401,
            "the callback must be signed: header X-Sinch-Webhook-Signature-Timestamp is missing",
        ),
        (
            {
                "X-Sinch-Webhook-Signature": "bm90IGl0",
                "X-Sinch-Webhook-Signature-Nonce": "n",
                "X-Sinch-Webhook-Signature-Timestamp": "1",
            },
            403,
            "header X-Sinch-Webhook-Signature does not match the body and the signing secret",
        ),
    ],
    ids=["unsigned", "no-timestamp", "wrong"],
)
def test_a_bad_signature_is_refused(
    api_server: ApiServer, headers: dict[str, str], status: int, detail: str
) -> None:
    response = post(api_server, mo(), target=url(api_server, SIGNED_CONN, None), **headers)

    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert events(SINCH_INBOUND) == []


def test_a_signed_body_changed_on_the_way_is_refused(api_server: ApiServer) -> None:
    signed = json.dumps(mo()).encode()
    headers = signature_headers(SIGNING_SECRET, signed)
    target = url(api_server, SIGNED_CONN, None)

    changed = post(api_server, signed.replace(b"STOP", b"STAY"), target=target, **headers)
    intact = post(api_server, signed, target=target, **headers)

    assert changed.status_code == 403
    assert intact.status_code == 200
    assert [e["payload"]["body"] for e in events(SINCH_INBOUND)] == ["STOP"]


def test_a_signed_connection_refuses_a_url_with_a_secret(api_server: ApiServer) -> None:
    response = post(api_server, mo(), target=url(api_server, SIGNED_CONN, URL_SECRET))

    assert response.status_code == 403
    assert events(SINCH_INBOUND) == []


def test_concurrent_copies_of_one_callback_make_one_event(api_server: ApiServer) -> None:
    body = mo("01KB2222222222222222222222", body="YES")
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post(api_server, body), range(8)))

    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(r.json()["status"] for r in responses) == ["created"] + ["duplicate"] * 7
    assert len(events(SINCH_INBOUND)) == 1
    assert queued_dags() == {"wh_sinch_inbound"}


def test_the_same_message_id_with_other_fields_is_still_one_inbound(api_server: ApiServer) -> None:
    first = post(api_server, mo("01KB3333333333333333333333"))
    again = post(api_server, mo("01KB3333333333333333333333", received_at="2026-11-27T10:00:05Z"))
    other = post(api_server, mo("01KB4444444444444444444444"))

    assert [r.json()["status"] for r in (first, again, other)] == ["created", "duplicate", "created"]
    assert len(events(SINCH_INBOUND)) == 2


def test_the_access_log_of_the_api_server_shows_no_url_secret(api_server: ApiServer) -> None:
    from starlette.testclient import TestClient

    logged: list[str] = []

    async def access_log(scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Where uvicorn's and Airflow's access logs read the path: the outer scope, after the app ran.
        await api_server.app(scope, receive, send)
        logged.append(scope["path"])

    client = TestClient(access_log)  # type: ignore[arg-type]
    response = client.post(f"{URL_PREFIX}/sinch/{SINCH_CONN}/{URL_SECRET}", json=mo())

    assert response.status_code == 200
    assert logged == [f"{URL_PREFIX}/sinch/{SINCH_CONN}/***"]
