from __future__ import annotations

from datetime import datetime, timedelta

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import DELIVERY_DELAY_S, SinchApi

OK, FAILS, SILENT = "+61400000001", "+61400000013", "+61400000099"
SENDER = {"from": "Acme"}


def sandbox_now(server: SandboxServer) -> datetime:
    response = requests.get(f"{server.url}/_sandbox/clock", timeout=10)
    return datetime.fromisoformat(response.json()["now"])


def test_statuses_move_with_the_clock_and_only_delivered_numbers_get_the_sms(
    api: SinchApi, server: SandboxServer
) -> None:
    batch = api.send(to=[OK, FAILS, SILENT], body="Hello", **SENDER)
    assert set(api.statuses(batch["id"]).values()) == {("Dispatched", 401)}
    server.advance(DELIVERY_DELAY_S)
    assert api.statuses(batch["id"]) == {
        OK: ("Delivered", 0),
        FAILS: ("Failed", 1),
        SILENT: ("Dispatched", 401),
    }
    assert [m["body"] for m in server.inbox(OK)] == ["Hello"]
    assert server.inbox(OK)[0]["from"] == "Acme"
    assert server.inbox(FAILS) == []
    server.advance(3 * 86400)
    assert api.statuses(batch["id"])[SILENT] == ("Expired", 406)
    assert server.inbox(SILENT) == []


def test_scheduled_batch_stays_queued_until_send_at(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    batch = api.send(to=[OK], body="Later", **SENDER, send_at=send_at.isoformat())
    assert api.statuses(batch["id"]) == {OK: ("Queued", 400)}
    server.advance(3600 - 5)
    assert api.statuses(batch["id"]) == {OK: ("Queued", 400)}
    server.advance(5)
    assert api.statuses(batch["id"]) == {OK: ("Dispatched", 401)}
    server.advance(DELIVERY_DELAY_S)
    assert api.statuses(batch["id"]) == {OK: ("Delivered", 0)}
    assert len(server.inbox(OK)) == 1


def test_send_at_in_the_past_goes_out_at_once(api: SinchApi, server: SandboxServer) -> None:
    past = sandbox_now(server) - timedelta(hours=1)
    batch = api.send(to=[OK], body="Now", **SENDER, send_at=past.isoformat())
    assert api.statuses(batch["id"]) == {OK: ("Dispatched", 401)}


def test_cancel_before_dispatch_cancels_everything(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    batch = api.send(to=[OK, FAILS], body="Never", **SENDER, send_at=send_at.isoformat())
    response = api.request("DELETE", f"/batches/{batch['id']}")
    assert response.status_code == 200
    assert response.json()["canceled"] is True
    assert response.json()["id"] == batch["id"]
    server.advance(2 * 3600)
    assert set(api.statuses(batch["id"]).values()) == {("Cancelled", 407)}
    assert server.inbox(OK) == []


def test_cancel_after_dispatch_changes_nothing(api: SinchApi, server: SandboxServer) -> None:
    batch = api.send(to=[OK], body="Sent", **SENDER)
    server.advance(DELIVERY_DELAY_S)
    response = api.request("DELETE", f"/batches/{batch['id']}")
    assert response.json()["canceled"] is True
    assert api.statuses(batch["id"]) == {OK: ("Delivered", 0)}
    assert len(server.inbox(OK)) == 1


def test_update_before_dispatch_changes_recipients_and_body(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    batch = api.send(to=[OK, FAILS], body="Old", **SENDER, send_at=send_at.isoformat())
    other = "+61400000002"
    response = api.request(
        "POST", f"/batches/{batch['id']}", json={"to_add": [other], "to_remove": [FAILS], "body": "New"}
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["to"], updated["body"], updated["id"]) == ([OK, other], "New", batch["id"])
    assert updated["modified_at"] >= batch["modified_at"]
    server.advance(3600 + DELIVERY_DELAY_S)
    assert [m["body"] for m in server.inbox(other)] == ["New"]
    assert server.inbox(FAILS) == []


def test_update_can_move_the_schedule(api: SinchApi, server: SandboxServer) -> None:
    now = sandbox_now(server)
    batch = api.send(to=[OK], body="Hi", **SENDER, send_at=(now + timedelta(hours=1)).isoformat())
    later = (now + timedelta(hours=5)).isoformat()
    assert api.request("POST", f"/batches/{batch['id']}", json={"send_at": later}).status_code == 200
    server.advance(2 * 3600)
    assert api.statuses(batch["id"]) == {OK: ("Queued", 400)}


def test_update_and_replace_after_dispatch_are_403(api: SinchApi) -> None:
    batch = api.send(to=[OK], body="Gone", **SENDER)
    update = api.request("POST", f"/batches/{batch['id']}", json={"body": "Too late"})
    replace = api.request("PUT", f"/batches/{batch['id']}", json={"to": [OK], "body": "Too late", **SENDER})
    for response in (update, replace):
        assert response.status_code == 403
        assert response.json()["code"] == "batch_already_dispatched"


def test_update_is_validated(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    batch = api.send(to=[OK], body="Hi", **SENDER, send_at=send_at.isoformat())
    bad = api.request("POST", f"/batches/{batch['id']}", json={"to_add": ["not-a-number"]})
    assert (bad.status_code, bad.json()["code"]) == (400, "syntax_invalid_parameter_format")
    assert bad.json()["text"].startswith("to_add[0]")
    no_url = api.request("POST", f"/batches/{batch['id']}", json={"delivery_report": "summary"})
    assert (no_url.status_code, no_url.json()["code"]) == (403, "missing_callback_url")


def test_replace_keeps_the_id_and_sends_only_the_new_content(api: SinchApi, server: SandboxServer) -> None:
    send_at = sandbox_now(server) + timedelta(hours=1)
    batch = api.send(to=[OK], body="Old", **SENDER, send_at=send_at.isoformat(), client_reference="keep?")
    other = "+61400000002"
    response = api.request("PUT", f"/batches/{batch['id']}", json={"to": [other], "body": "New", **SENDER})
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["id"] == batch["id"]
    assert "client_reference" not in replaced
    assert api.statuses(batch["id"]) == {other: ("Dispatched", 401)}
    server.advance(DELIVERY_DELAY_S)
    assert [m["body"] for m in server.inbox(other)] == ["New"]
    server.advance(2 * 3600)
    assert server.inbox(OK) == []


def test_parameters_and_unmatched_recipient_aborted_with_405(api: SinchApi, server: SandboxServer) -> None:
    other = "+61400000002"
    batch = api.send(
        to=[OK, other, "+61400000003"],
        body="Hi ${name}, your code is ${code}",
        parameters={
            "name": {OK: "Ann", other: "Bob"},
            "code": {OK: "A1", "default": "ZZ"},
        },
        **SENDER,
    )
    server.advance(DELIVERY_DELAY_S)
    statuses = api.statuses(batch["id"])
    assert statuses["+61400000003"] == ("Aborted", 405)
    assert [m["body"] for m in server.inbox(OK)] == ["Hi Ann, your code is A1"]
    assert [m["body"] for m in server.inbox(other)] == ["Hi Bob, your code is ZZ"]
    assert server.inbox("+61400000003") == []


def test_parts_limit_aborts_with_411_and_truncate_concat_sends_one_part(
    api: SinchApi, server: SandboxServer
) -> None:
    long_text = "a" * 200
    limited = api.send(to=[OK], body=long_text, max_number_of_message_parts=1, **SENDER)
    truncated = api.send(
        to=["+61400000002"], body=long_text, max_number_of_message_parts=1, truncate_concat=True, **SENDER
    )
    server.advance(DELIVERY_DELAY_S)
    assert api.statuses(limited["id"]) == {OK: ("Aborted", 411)}
    assert api.statuses(truncated["id"]) == {"+61400000002": ("Delivered", 0)}
    assert [m["body"] for m in server.inbox("+61400000002")] == ["a" * 160]


def test_state_survives_a_restart_with_a_state_file(tmp_path: object) -> None:
    from dataclasses import replace as copy_config

    from tests.sandbox.sinch.helpers import CONFIG

    config = copy_config(CONFIG, state_file=str(tmp_path) + "/sandbox.sqlite")
    with SandboxServer(config) as first:
        api = SinchApi(first.url, config.sinch_service_plan_id, config.sinch_api_token)
        batch_id = api.send(to=[OK], body="Persisted", **SENDER)["id"]
    with SandboxServer(config) as second:
        api = SinchApi(second.url, config.sinch_service_plan_id, config.sinch_api_token)
        assert api.request("GET", f"/batches/{batch_id}").json()["body"] == "Persisted"
        second.advance(DELIVERY_DELAY_S)
        assert api.statuses(batch_id) == {OK: ("Delivered", 0)}
