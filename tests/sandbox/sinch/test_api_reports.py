from __future__ import annotations

from datetime import datetime, timedelta

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import DELIVERY_DELAY_S, SinchApi

OK, OK2, FAILS, SILENT = "+61400000001", "+61400000002", "+61400000013", "+61400000099"
SENDER = {"from": "Acme"}


def delivered_batch(api: SinchApi, server: SandboxServer, **fields: object) -> str:
    batch_id: str = api.send(to=[OK, OK2, FAILS, SILENT], body="Hi", **SENDER, **fields)["id"]
    server.advance(DELIVERY_DELAY_S)
    return batch_id


def test_summary_and_full_reports(api: SinchApi, server: SandboxServer) -> None:
    batch_id = delivered_batch(api, server, client_reference="camp-1")
    summary = api.report(batch_id)
    assert summary == {
        "type": "delivery_report_sms",
        "batch_id": batch_id,
        "total_message_count": 4,
        "statuses": [
            {"code": 0, "status": "Delivered", "count": 2},
            {"code": 1, "status": "Failed", "count": 1},
            {"code": 401, "status": "Dispatched", "count": 1},
        ],
        "client_reference": "camp-1",
    }
    full = api.report(batch_id, type="full")
    assert full["statuses"][0]["recipients"] == [OK, OK2]


def test_report_filters_by_status_and_code(api: SinchApi, server: SandboxServer) -> None:
    batch_id = delivered_batch(api, server)
    by_status = api.report(batch_id, status="Failed,Dispatched")
    assert [s["status"] for s in by_status["statuses"]] == ["Failed", "Dispatched"]
    by_code = api.report(batch_id, code="0")
    assert [s["code"] for s in by_code["statuses"]] == [0]
    bad = api.request("GET", f"/batches/{batch_id}/delivery_report", params={"status": "Lost"})
    assert (bad.status_code, bad.json()["code"]) == (400, "syntax_invalid_parameter_format")


def test_unknown_report_type_is_404(api: SinchApi, server: SandboxServer) -> None:
    batch_id = delivered_batch(api, server)
    assert (
        api.request("GET", f"/batches/{batch_id}/delivery_report", params={"type": "detailed"}).status_code
        == 404
    )


def test_recipient_report(api: SinchApi, server: SandboxServer) -> None:
    batch_id = delivered_batch(api, server, client_reference="camp-1")
    for path_number in (OK, OK.lstrip("+"), "%2B" + OK.lstrip("+")):
        report = api.request("GET", f"/batches/{batch_id}/delivery_report/{path_number}").json()
        assert report["type"] == "recipient_delivery_report_sms"
        assert (report["batch_id"], report["recipient"]) == (batch_id, OK)
        assert (report["status"], report["code"]) == ("Delivered", 0)
        assert report["client_reference"] == "camp-1"
        assert report["at"].endswith("Z")
    missing = api.request("GET", f"/batches/{batch_id}/delivery_report/+61400000555")
    assert missing.status_code == 404


def test_delivery_report_list_holds_final_reports_only(api: SinchApi, server: SandboxServer) -> None:
    first = delivered_batch(api, server, client_reference="one")
    delivered_batch(api, server, client_reference="two")
    listing = api.request("GET", "/delivery_reports").json()
    assert listing["count"] == 6
    assert {r["recipient"] for r in listing["delivery_reports"]} == {OK, OK2, FAILS}
    page = api.request("GET", "/delivery_reports", params={"page": 1, "page_size": 4}).json()
    assert (page["page"], page["page_size"], page["count"]) == (1, 2, 6)
    failed = api.request("GET", "/delivery_reports", params={"status": "Failed"}).json()
    assert {r["recipient"] for r in failed["delivery_reports"]} == {FAILS}
    by_code = api.request("GET", "/delivery_reports", params={"code": "0", "client_reference": "one"}).json()
    assert by_code["count"] == 2
    assert {r["batch_id"] for r in by_code["delivery_reports"]} == {first}
    assert api.request("GET", "/delivery_reports", params={"page_size": 101}).status_code == 400


def test_delivery_report_list_window(api: SinchApi, server: SandboxServer) -> None:
    delivered_batch(api, server)
    now = datetime.fromisoformat(requests.get(f"{server.url}/_sandbox/clock", timeout=10).json()["now"])
    server.advance(2 * 86400 - 3600)
    assert api.request("GET", "/delivery_reports").json()["count"] == 0
    since = (now - timedelta(hours=1)).isoformat()
    assert api.request("GET", "/delivery_reports", params={"start_date": since}).json()["count"] == 3


def test_delivery_feedback(api: SinchApi, server: SandboxServer) -> None:
    enabled = api.send(to=[OK, OK2], body="Hi", **SENDER, feedback_enabled=True)["id"]
    server.advance(DELIVERY_DELAY_S)
    accepted = api.request("POST", f"/batches/{enabled}/delivery_feedback", json={"recipients": [OK]})
    assert (accepted.status_code, accepted.content) == (202, b"")
    assert (
        api.request("POST", f"/batches/{enabled}/delivery_feedback", json={"recipients": []}).status_code
        == 202
    )
    missing_key = api.request("POST", f"/batches/{enabled}/delivery_feedback", json={})
    assert (missing_key.status_code, missing_key.json()["code"]) == (400, "syntax_constraint_violation")
    stranger = api.request(
        "POST", f"/batches/{enabled}/delivery_feedback", json={"recipients": ["+61400000555"]}
    )
    assert stranger.status_code == 400
    disabled = api.send(to=[OK], body="Hi", **SENDER)["id"]
    refused = api.request("POST", f"/batches/{disabled}/delivery_feedback", json={"recipients": []})
    assert (refused.status_code, refused.json()["code"]) == (403, "feedback_not_enabled")
