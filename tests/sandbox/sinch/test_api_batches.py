from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import SinchApi

A, B, C = "+61400000001", "+61400000002", "+61400000003"


def sandbox_now(server: SandboxServer) -> datetime:
    response = requests.get(f"{server.url}/_sandbox/clock", timeout=10)
    return datetime.fromisoformat(response.json()["now"].replace("Z", "+00:00"))


def test_send_returns_the_created_batch(api: SinchApi) -> None:
    batch = api.send(to=[A, B], body="Hello", **{"from": "Acme"}, client_reference="ref-1")
    assert len(batch["id"]) == 26
    assert batch["to"] == [A, B]
    assert batch["from"] == "Acme"
    assert batch["type"] == "mt_text"
    assert batch["canceled"] is False
    assert batch["client_reference"] == "ref-1"
    for stamp in ("created_at", "modified_at", "send_at", "expire_at"):
        assert batch[stamp].endswith("Z")
    assert api.request("GET", f"/batches/{batch['id']}").json() == batch


def test_binary_batch_is_accepted(api: SinchApi) -> None:
    body = base64.b64encode(b"\x01\x02\x03").decode()
    batch = api.send(type="mt_binary", to=[A], body=body, udh="050003CC0201", **{"from": "Acme"})
    assert (batch["type"], batch["udh"]) == ("mt_binary", "050003CC0201")


def test_unknown_batch_is_404(api: SinchApi) -> None:
    for method in ("GET", "DELETE"):
        assert api.request(method, "/batches/01NOTHERE0000000000000000").status_code == 404
    assert api.request("POST", "/batches/01NOTHERE0000000000000000", json={"body": "x"}).status_code == 404
    assert api.request("GET", "/batches/01NOTHERE0000000000000000/delivery_report").status_code == 404


def test_body_without_json_content_type_is_415(api: SinchApi) -> None:
    response = api.request("POST", "/batches", data=b'{"to": []}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_malformed_json_is_syntax_invalid_json(api: SinchApi) -> None:
    response = api.request("POST", "/batches", data=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "syntax_invalid_json"


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"to": ["+61400000001", "0400 000 002"]}, 400, "syntax_invalid_parameter_format", "to[1]"),
        ({"from": "Far too long sender"}, 400, "syntax_invalid_parameter_format", "from"),
        ({"send_at": "soon"}, 400, "syntax_invalid_parameter_format", "send_at"),
        ({"to": []}, 400, "syntax_constraint_violation", "to"),
        ({"to": [f"+614000{n:05d}" for n in range(1001)]}, 400, "syntax_constraint_violation", "to"),
        ({"body": "x" * 2001}, 400, "syntax_constraint_violation", "body"),
        ({"client_reference": "r" * 129}, 400, "syntax_constraint_violation", "client_reference"),
        (
            {"callback_url": "http://127.0.0.1/" + "p" * 2032},
            400,
            "syntax_constraint_violation",
            "callback_url",
        ),
        ({"from_ton": 7}, 400, "syntax_constraint_violation", "from_ton"),
        ({"from_npi": 19}, 400, "syntax_constraint_violation", "from_npi"),
        (
            {"max_number_of_message_parts": 0},
            400,
            "syntax_constraint_violation",
            "max_number_of_message_parts",
        ),
        ({"delivery_report": "full"}, 403, "missing_callback_url", "delivery_report"),
    ],
)
def test_validation_errors_have_sinch_shape(
    api: SinchApi, change: dict[str, object], status: int, code: str, field: str
) -> None:
    response = api.request("POST", "/batches", json={"to": [A], "from": "Acme", "body": "Hi", **change})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "text"}
    assert body["code"] == code
    assert body["text"].startswith(field)


def test_bad_number_is_masked_in_the_error(api: SinchApi) -> None:
    response = api.request("POST", "/batches", json={"to": ["+61 488 023 555"], "from": "Acme", "body": "Hi"})
    assert "488 023" not in response.text


def test_binary_over_140_bytes_is_a_constraint_violation(api: SinchApi) -> None:
    body = base64.b64encode(b"x" * 135).decode()
    response = api.request(
        "POST",
        "/batches",
        json={"type": "mt_binary", "to": [A], "from": "Acme", "body": body, "udh": "050003CC0201"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "syntax_constraint_violation")


def test_expire_at_rules(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    base = {"to": [A], "from": "Acme", "body": "Hi", "send_at": send_at.isoformat()}
    too_late = {**base, "expire_at": (send_at + timedelta(days=3, minutes=1)).isoformat()}
    before = {**base, "expire_at": (send_at - timedelta(minutes=1)).isoformat()}
    for body in (too_late, before):
        response = api.request("POST", "/batches", json=body)
        assert (response.status_code, response.json()["code"]) == (400, "syntax_constraint_violation")
    ok = api.request(
        "POST", "/batches", json={**base, "expire_at": (send_at + timedelta(days=3)).isoformat()}
    )
    assert ok.status_code == 201


def test_list_pages_newest_first(api: SinchApi) -> None:
    ids = [api.send(to=[A], body=f"n{n}", **{"from": "Acme"})["id"] for n in range(5)]
    first = api.request("GET", "/batches", params={"page": 0, "page_size": 2}).json()
    assert (first["page"], first["page_size"], first["count"]) == (0, 2, 5)
    assert [b["id"] for b in first["batches"]] == [ids[4], ids[3]]
    last = api.request("GET", "/batches", params={"page": 2, "page_size": 2}).json()
    assert (last["page_size"], [b["id"] for b in last["batches"]]) == (1, [ids[0]])
    assert api.request("GET", "/batches").json()["page_size"] == 5


def test_list_page_size_limit(api: SinchApi) -> None:
    assert api.request("GET", "/batches", params={"page_size": 100}).status_code == 200
    too_big = api.request("GET", "/batches", params={"page_size": 101})
    assert (too_big.status_code, too_big.json()["code"]) == (400, "syntax_constraint_violation")


def test_list_filters_by_sender_and_client_reference(api: SinchApi) -> None:
    api.send(to=[A], body="a", **{"from": "Acme"}, client_reference="x")
    api.send(to=[A], body="b", **{"from": "+61400000999"}, client_reference="y")
    api.send(to=[A], body="c", **{"from": "Other"})
    by_sender = api.request("GET", "/batches", params={"from": "61400000999,Acme"}).json()
    assert sorted(b["body"] for b in by_sender["batches"]) == ["a", "b"]
    by_reference = api.request("GET", "/batches", params={"client_reference": "y"}).json()
    assert [b["body"] for b in by_reference["batches"]] == ["b"]


def test_list_defaults_to_24_hours_and_never_goes_past_14_days(api: SinchApi, server: SandboxServer) -> None:
    created = sandbox_now(server)
    api.send(to=[A], body="old", **{"from": "Acme"})
    server.advance(2 * 86400)
    assert api.request("GET", "/batches").json()["count"] == 0
    since = (created - timedelta(minutes=1)).isoformat()
    assert api.request("GET", "/batches", params={"start_date": since}).json()["count"] == 1
    until = (created - timedelta(seconds=1)).isoformat()
    assert (
        api.request("GET", "/batches", params={"start_date": since, "end_date": until}).json()["count"] == 0
    )
    server.advance(13 * 86400)
    assert api.request("GET", "/batches", params={"start_date": since}).json()["count"] == 0


def test_bad_list_dates_are_format_errors(api: SinchApi) -> None:
    response = api.request("GET", "/batches", params={"start_date": "yesterday"})
    assert (response.status_code, response.json()["code"]) == (400, "syntax_invalid_parameter_format")


def test_dates_without_offset_are_utc(api: SinchApi, server: SandboxServer) -> None:
    send_at = (sandbox_now(server) + timedelta(hours=2)).astimezone(timezone.utc).replace(tzinfo=None)
    batch = api.send(to=[A], body="Hi", **{"from": "Acme"}, send_at=send_at.isoformat())
    assert batch["send_at"].startswith(send_at.strftime("%Y-%m-%dT%H:%M:%S"))
