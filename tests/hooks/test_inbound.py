"""Inbound messages on both vendor hooks: every Sinch filter and page, Fone Dynamics by direction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsNotFoundError, SmsValidationError
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.hooks.sms import SmsHook
from airflow_provider_sms.models.inbound import InboundSms
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.hooks.conftest import SINCH_PLAN

HANDSET, OTHER_HANDSET = "+61400000002", "+61400000003"
SINCH_NUMBER, FONE_NUMBER, OTHER_NUMBER = "+61400000100", "+61299990000", "+61299990001"
SINCH_INBOUNDS = f"https://eu.sms.api.sinch.com/xms/v1/{SINCH_PLAN}/inbounds"


def _sinch_item(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": "mo_text",
        "id": f"01INBOUND{n:04d}",
        "from": "61400000002",
        "to": "61400000100",
        "body": f"text {n}",
        "received_at": "2026-11-27T10:00:00.123Z",
        **fields,
    }


def test_sinch_list_inbounds_sends_every_filter_and_walks_every_page(
    sinch_token_conn: str, http: requests_mock.Mocker
) -> None:
    pages = [
        {"count": 3, "page": 0, "page_size": 2, "inbounds": [_sinch_item(1), _sinch_item(2)]},
        {"count": 3, "page": 1, "page_size": 2, "inbounds": [_sinch_item(3, client_reference="c-7")]},
    ]
    http.get(SINCH_INBOUNDS, [{"json": page} for page in pages])
    hook = SinchHook(sinch_token_conn)

    found = list(
        hook.list_inbounds(
            to=[SINCH_NUMBER, "76543"],
            start_date=datetime(2026, 11, 27, 9, tzinfo=timezone.utc),
            end_date=datetime(2026, 11, 27, 11, tzinfo=timezone.utc),
            client_reference="c-7",
            page_size=2,
        )
    )

    queries = [parse_qs(urlsplit(request.url).query) for request in http.request_history]
    assert [q["page"] for q in queries] == [["0"], ["1"]]
    assert queries[0] == {
        "page": ["0"],
        "page_size": ["2"],
        "to": [f"{SINCH_NUMBER},76543"],
        "start_date": ["2026-11-27T09:00:00.000Z"],
        "end_date": ["2026-11-27T11:00:00.000Z"],
        "client_reference": ["c-7"],
    }
    assert [message.id for message in found] == ["01INBOUND0001", "01INBOUND0002", "01INBOUND0003"]
    assert found[0] == InboundSms(
        vendor="sinch",
        id="01INBOUND0001",
        from_number=HANDSET,
        to_number=SINCH_NUMBER,
        body="text 1",
        received_at=datetime(2026, 11, 27, 10, 0, 0, 123000, tzinfo=timezone.utc),
    )
    assert found[2].in_reply_to == "c-7"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page": -1}, "page"),
        ({"to": ["0400 000 100"]}, "to[0]"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"client_reference": "x" * 129}, "client_reference"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_sinch_bad_filters_are_refused_before_any_request(
    sinch_token_conn: str, http: requests_mock.Mocker, query: dict[str, Any], field: str
) -> None:
    with pytest.raises(SmsValidationError) as raised:
        SinchHook(sinch_token_conn).list_inbounds(**query)

    assert field in [problem.field for problem in raised.value.problems]
    assert "0400 000 100" not in str(raised.value)
    assert http.call_count == 0


def test_sinch_get_inbound_maps_a_404_to_not_found(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(f"{SINCH_INBOUNDS}/01NOPE", status_code=404, json={"code": "not_found", "text": "not found"})

    with pytest.raises(SmsNotFoundError, match="not found"):
        SinchHook(sinch_token_conn).get_inbound("01NOPE")


def test_sinch_inbounds_through_the_sandbox(
    sandbox: SandboxServer, sandbox_hook: Callable[[str], SmsHook]
) -> None:
    hook = cast(SinchHook, sandbox_hook("sinch"))
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    batch = hook.send_batch(to=[HANDSET], body="Reply YES", client_reference="c-9", from_=SINCH_NUMBER)
    first = sandbox.inject_inbound("sinch", sender=HANDSET, to=SINCH_NUMBER, body="STOP")
    elsewhere = sandbox.inject_inbound("sinch", sender=OTHER_HANDSET, to="+61400000200", body="hi")
    reply = sandbox.inject_inbound("sinch", sender=HANDSET, body="YES", in_reply_to=batch.id)

    to_number = hook.inbound_messages(SINCH_NUMBER, since)
    fetched = hook.get_inbound(reply["id"])
    answering = list(hook.list_inbounds(client_reference="c-9", start_date=since))

    assert [m.id for m in to_number] == [first["id"], reply["id"]]
    assert elsewhere["id"] not in [m.id for m in to_number]
    assert to_number[0].to_payload() == {
        "kind": "inbound",
        "vendor": "sinch",
        "id": first["id"],
        "from": HANDSET,
        "to": SINCH_NUMBER,
        "body": "STOP",
        "received_at": first["inbound"]["received_at"][:19] + "Z",
        "in_reply_to": None,
    }
    assert fetched == to_number[1]
    assert (fetched.body, fetched.in_reply_to) == ("YES", "c-9")
    assert [m.id for m in answering] == [reply["id"]]


def test_sinch_inbounds_walk_every_page_of_the_sandbox(
    sandbox: SandboxServer, sandbox_hook: Callable[[str], SmsHook]
) -> None:
    hook = cast(SinchHook, sandbox_hook("sinch"))
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    ids = [
        sandbox.inject_inbound("sinch", sender=HANDSET, to=SINCH_NUMBER, body=str(n))["id"] for n in range(7)
    ]

    listed = [m.id for m in hook.list_inbounds(to=[SINCH_NUMBER], start_date=since, page_size=3)]

    assert listed == ids[::-1]
    assert [m.id for m in hook.inbound_messages(SINCH_NUMBER, since)] == ids


def test_fonedynamics_inbound_messages_through_the_sandbox(
    sandbox: SandboxServer, sandbox_hook: Callable[[str], SmsHook]
) -> None:
    hook = cast(FoneDynamicsHook, sandbox_hook("fonedynamics"))
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    outbound = hook.send_message(to=HANDSET, text="Reply YES", external_id="order-7")
    reply = sandbox.inject_inbound(
        "fonedynamics", sender=HANDSET, body="YES", in_reply_to=outbound.message_sid
    )
    owned = sandbox.inject_inbound("fonedynamics", sender=OTHER_HANDSET, to=FONE_NUMBER, body="STOP")
    other = sandbox.inject_inbound("fonedynamics", sender=OTHER_HANDSET, to=OTHER_NUMBER, body="other")

    every = list(
        hook.list_inbound_messages(date_from=since, date_to=since + timedelta(hours=2), results_count=1)
    )
    to_owned = hook.inbound_messages(FONE_NUMBER, since)
    to_lease = hook.inbound_messages(str(outbound.from_), since)

    assert sorted(m.id for m in every) == sorted([reply["id"], owned["id"], other["id"]])
    assert [m.id for m in to_owned] == [owned["id"]]
    assert to_owned[0].to_payload() == {
        "kind": "inbound",
        "vendor": "fonedynamics",
        "id": owned["id"],
        "from": OTHER_HANDSET,
        "to": FONE_NUMBER,
        "body": "STOP",
        "received_at": datetime.fromtimestamp(owned["inbound"]["Received"], timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "in_reply_to": None,
    }
    assert [(m.id, m.body, m.in_reply_to) for m in to_lease] == [(reply["id"], "YES", "order-7")]
