"""Sinch inbound (MO) messages over HTTP: injection, GET /inbounds and /inbounds/{id}, errors, idempotency."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import CONFIG, SinchApi
from tests.sandbox.sinch.test_api_auth import token_response

HANDSET, OTHER_HANDSET = "+61400000001", "+61400000002"
PLAN_NUMBER, SHORT_CODE = "+61400000100", "76543"
SINCH_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def inject(server: SandboxServer, **fields: Any) -> requests.Response:
    return requests.post(f"{server.url}/_sandbox/inbound", json={"vendor": "sinch", **fields}, timeout=10)


def inbounds(api: SinchApi, **params: Any) -> dict[str, Any]:
    response = api.request("GET", "/inbounds", params=params)
    assert response.status_code == 200, response.text
    listed: dict[str, Any] = response.json()
    return listed


def test_an_injected_message_is_served_by_get_and_list(api: SinchApi, server: SandboxServer) -> None:
    created = server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="STOP")

    fetched = api.request("GET", f"/inbounds/{created['id']}")
    listed = inbounds(api)

    assert (created["vendor"], created["created"]) == ("sinch", True)
    assert fetched.status_code == 200
    assert fetched.json() == created["inbound"]
    assert listed == {"page": 0, "page_size": 1, "count": 1, "inbounds": [created["inbound"]]}
    inbound = created["inbound"]
    assert set(inbound) == {"type", "id", "from", "to", "body", "received_at"}
    assert (inbound["type"], inbound["id"], inbound["from"], inbound["to"], inbound["body"]) == (
        "mo_text",
        created["id"],
        HANDSET,
        PLAN_NUMBER,
        "STOP",
    )
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", created["id"])
    assert SINCH_TIME.match(inbound["received_at"])


def test_operator_id_is_served_when_given(server: SandboxServer) -> None:
    created = server.inject_inbound("sinch", sender=HANDSET, to=SHORT_CODE, body="hi", operator_id="50501")

    assert created["inbound"]["operator_id"] == "50501"
    assert created["inbound"]["to"] == SHORT_CODE


def test_unknown_inbound_is_404(api: SinchApi) -> None:
    response = api.request("GET", "/inbounds/01ARZ3NDEKTSV4RRFFQ69G5FAV")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "text": "inbound '01ARZ3NDEKTSV4RRFFQ69G5FAV' not found"}


def test_inbounds_need_the_token_and_take_oauth2_on_the_project(server: SandboxServer) -> None:
    created = server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="x")
    wrong = SinchApi(server.url, CONFIG.sinch_service_plan_id, "wrong").request("GET", "/inbounds")
    token = token_response(server, CONFIG.sinch_key_id, CONFIG.sinch_key_secret).json()["access_token"]
    project = SinchApi(server.url, CONFIG.sinch_project_id, token)

    assert wrong.status_code == 401
    assert project.request("GET", f"/inbounds/{created['id']}").json()["id"] == created["id"]
    assert inbounds(project)["count"] == 1


def test_list_is_newest_first_in_pages_of_30_by_default(api: SinchApi, server: SandboxServer) -> None:
    ids = [
        server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body=str(n))["id"] for n in range(31)
    ]
    server.advance(1)

    first, second = inbounds(api), inbounds(api, page=1)
    small = inbounds(api, page=2, page_size=5)

    assert (first["count"], first["page_size"], second["page_size"]) == (31, 30, 1)
    assert [i["id"] for i in first["inbounds"] + second["inbounds"]] == ids[::-1]
    assert [i["body"] for i in small["inbounds"]] == ["20", "19", "18", "17", "16"]


@pytest.mark.parametrize(("params", "field"), [({"page_size": 101}, "page_size"), ({"page": -1}, "page")])
def test_bad_paging_is_400(api: SinchApi, params: dict[str, Any], field: str) -> None:
    response = api.request("GET", "/inbounds", params=params)

    assert response.status_code == 400
    assert response.json()["text"].startswith(field)


def test_to_filter_takes_a_comma_list_with_or_without_plus(api: SinchApi, server: SandboxServer) -> None:
    server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="a")
    server.inject_inbound("sinch", sender=HANDSET, to=SHORT_CODE, body="b")
    server.inject_inbound("sinch", sender=HANDSET, to="+61400000200", body="c")

    both = inbounds(api, to=f"{PLAN_NUMBER.lstrip('+')},{SHORT_CODE}")
    one = inbounds(api, to=PLAN_NUMBER)

    assert [i["body"] for i in both["inbounds"]] == ["b", "a"]
    assert [i["body"] for i in one["inbounds"]] == ["a"]


def test_date_window_defaults_to_the_last_24_hours(api: SinchApi, server: SandboxServer) -> None:
    old = server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="old")
    server.advance(25 * 3600)
    new = server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="new")
    old_at, new_at = old["inbound"]["received_at"], new["inbound"]["received_at"]

    assert [i["body"] for i in inbounds(api)["inbounds"]] == ["new"]
    assert [i["body"] for i in inbounds(api, start_date=old_at)["inbounds"]] == ["new", "old"]
    assert [i["body"] for i in inbounds(api, start_date=old_at, end_date=new_at)["inbounds"]] == ["old"]
    bad = api.request("GET", "/inbounds", params={"start_date": "yesterday"})
    assert (bad.status_code, bad.json()["code"]) == (400, "syntax_invalid_parameter_format")


def test_a_reply_to_a_batch_goes_to_its_number_and_echoes_its_client_reference(
    api: SinchApi, server: SandboxServer
) -> None:
    batch = api.send(
        to=[HANDSET, OTHER_HANDSET], body="Reply YES", **{"from": PLAN_NUMBER}, client_reference="c-7"
    )
    other = api.send(to=[HANDSET], body="Other", **{"from": PLAN_NUMBER}, client_reference="c-8")
    server.inject_inbound("sinch", sender=OTHER_HANDSET, body="unrelated", to=PLAN_NUMBER)

    reply = server.inject_inbound("sinch", sender=HANDSET, body="YES", in_reply_to=batch["id"])["inbound"]
    server.inject_inbound("sinch", sender=HANDSET, body="NO", in_reply_to=other["id"])

    assert (reply["to"], reply["client_reference"]) == (PLAN_NUMBER, "c-7")
    assert [i["body"] for i in inbounds(api, client_reference="c-7")["inbounds"]] == ["YES"]


@pytest.mark.parametrize(
    ("fields", "status", "detail"),
    [
        ({"from": "12", "to": PLAN_NUMBER}, 400, "from: '12' is not valid: must be an MSISDN"),
        ({"from": "+6140000000000100", "to": PLAN_NUMBER}, 400, "from: '+6140*********100' is not valid"),
        ({"from": HANDSET, "to": "12"}, 400, "to: '12' is not valid: must be a phone number or short code"),
        ({"from": HANDSET}, 400, "to: is required unless in_reply_to names a batch"),
        (
            {"from": HANDSET, "to": PLAN_NUMBER, "operator_id": "x"},
            400,
            "operator_id: 'x' must be an MCC/MNC",
        ),
        ({"from": HANDSET, "in_reply_to": "01NOPE"}, 404, "in_reply_to: batch '01NOPE' not found"),
    ],
)
def test_bad_injections_name_the_field(
    server: SandboxServer, fields: dict[str, Any], status: int, detail: str
) -> None:
    response = inject(server, body="x", **fields)

    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_a_reply_must_come_from_a_recipient_and_to_a_number(api: SinchApi, server: SandboxServer) -> None:
    numbered = api.send(to=[HANDSET], body="Hi", **{"from": PLAN_NUMBER})
    named = api.send(to=[HANDSET], body="Hi", **{"from": "Acme"})

    stranger = inject(server, **{"from": OTHER_HANDSET}, body="x", in_reply_to=numbered["id"])
    to_a_name = inject(server, **{"from": HANDSET}, body="x", in_reply_to=named["id"])
    named_with_to = inject(server, **{"from": HANDSET}, body="x", in_reply_to=named["id"], to=SHORT_CODE)

    assert stranger.status_code == 400
    assert stranger.json()["detail"] == f"from: '+6140****002' is not a recipient of batch '{numbered['id']}'"
    assert OTHER_HANDSET not in stranger.text
    assert to_a_name.status_code == 400
    assert "alphanumeric sender 'Acme', which takes no replies" in to_a_name.json()["detail"]
    assert named_with_to.status_code == 201


@pytest.mark.parametrize(
    "fields",
    [
        {"vendor": "nokia", "from": HANDSET, "to": PLAN_NUMBER, "body": "x"},
        {"vendor": "sinch", "from": HANDSET, "to": PLAN_NUMBER},
        {"vendor": "sinch", "from": HANDSET, "to": PLAN_NUMBER, "body": "x", "colour": "red"},
        {"vendor": "sinch", "from": HANDSET, "to": PLAN_NUMBER, "body": "x" * 2001},
    ],
)
def test_malformed_injections_are_422(server: SandboxServer, fields: dict[str, Any]) -> None:
    response = requests.post(f"{server.url}/_sandbox/inbound", json=fields, timeout=10)

    assert response.status_code == 422


def test_the_same_key_returns_the_same_message_once(api: SinchApi, server: SandboxServer) -> None:
    first = inject(server, **{"from": HANDSET}, to=PLAN_NUMBER, body="STOP", idempotency_key="k-1")
    again = inject(server, **{"from": HANDSET}, to=PLAN_NUMBER, body="STOP", idempotency_key="k-1")
    other = inject(server, **{"from": HANDSET}, to=PLAN_NUMBER, body="STOP", idempotency_key="k-2")
    reused = inject(server, **{"from": HANDSET}, to=PLAN_NUMBER, body="START", idempotency_key="k-1")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json() == {**first.json(), "created": False}
    assert other.json()["id"] != first.json()["id"]
    assert reused.status_code == 409
    assert reused.json()["detail"] == "idempotency_key: 'k-1' was already used for a different message"
    assert inbounds(api)["count"] == 2
    assert server.stats()["counters"]["sinch.inbounds_received"] == 2


def test_reset_forgets_inbounds(api: SinchApi, server: SandboxServer) -> None:
    created = server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="x", idempotency_key="k")
    server.reset()

    assert api.request("GET", f"/inbounds/{created['id']}").status_code == 404
    assert server.inject_inbound("sinch", sender=HANDSET, to=PLAN_NUMBER, body="y", idempotency_key="k")[
        "created"
    ]
