"""SinchSending with stubbed HTTP: batch bodies, parameters, lookups by client_reference, dry-run preview."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.sending import ChunkRecipient, SendChunk, SendOptions, SentChunk
from airflow_provider_sms.hooks.sinch import SinchHook
from tests.hooks.conftest import SINCH_PLAN, SINCH_TOKEN, SetConnection

BATCHES = f"https://eu.sms.api.sinch.com/xms/v1/{SINCH_PLAN}/batches"
DRY_RUN = f"{BATCHES}/dry_run"
#: How far back a lookup sees: Sinch's 14-day list window.
LIST_WINDOW = timedelta(days=14)
KEY = "sms-send-0123456789abcdef-c0"
CHUNK = SendChunk(
    0,
    KEY,
    (
        ChunkRecipient(4, "+61400000101", {"name": "Ann", "code": "A1"}),
        ChunkRecipient(5, "+61400000102"),
        ChunkRecipient(6, "+61400000103", {"name": "Bo", "unused": "z"}),
    ),
)
OPTIONS = SendOptions(
    body="Hi ${name}, your code is ${code} ${x}",
    defaults={"name": "you"},
    parameter_keys=frozenset({"name", "code", "unused"}),
    from_="Acme",
)


def batch(batch_id: str, to: list[str], key: str = KEY) -> dict[str, Any]:
    """Return a batch resource as Sinch returns it."""
    return {
        "id": batch_id,
        "type": "mt_text",
        "to": [n.lstrip("+") for n in to],
        "from": "Acme",
        "body": "Hi",
        "client_reference": key,
    }


def query_of(request: Any) -> dict[str, str]:
    """Return a request's query string as sent (requests-mock's ``qs`` lower-cases values)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


@pytest.fixture
def conn_id(set_connection: SetConnection) -> str:
    return set_connection(
        "sinch_sending",
        "sinch",
        login=SINCH_PLAN,
        password=SINCH_TOKEN,
        extra={"region": "eu", "default_from": "ConnSender"},
    )


@pytest.fixture
def hook(conn_id: str) -> SinchHook:
    return SinchHook(sms_conn_id=conn_id)


def test_send_chunk_posts_one_batch_keyed_by_client_reference_with_the_used_parameters(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCHES, json=batch("01BATCH", [r.to for r in CHUNK.recipients]))

    sent = hook.send_chunk(CHUNK, OPTIONS)

    assert http.last_request.json() == {
        "type": "mt_text",
        "to": ["+61400000101", "+61400000102", "+61400000103"],
        "from": "Acme",
        "body": "Hi ${name}, your code is ${code} ${x}",
        "client_reference": KEY,
        "parameters": {
            "code": {"+61400000101": "A1"},
            "name": {"+61400000101": "Ann", "+61400000103": "Bo", "default": "you"},
        },
    }
    assert sent == SentChunk(key=KEY, batch_id="01BATCH", accepted=3)


def test_send_chunk_falls_back_to_the_connection_sender_and_carries_batch_options(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    send_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=2)
    options = SendOptions(
        body="Plain text",
        send_at=send_at,
        expire_at=send_at + timedelta(hours=3),
        delivery_report="per_recipient",
        callback_url="https://example.com/reports",
        flash_message=False,
        max_number_of_message_parts=3,
        truncate_concat=False,
        feedback_enabled=True,
    )
    http.post(BATCHES, json=batch("01BATCH", ["+61400000101"]))

    hook.send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), options)

    body = http.last_request.json()
    assert body["from"] == "ConnSender"
    assert "parameters" not in body
    assert datetime.fromisoformat(body.pop("send_at").replace("Z", "+00:00")) == send_at
    assert datetime.fromisoformat(body.pop("expire_at").replace("Z", "+00:00")) == send_at + timedelta(
        hours=3
    )
    assert {k: v for k, v in body.items() if k not in ("to", "from", "body", "type", "client_reference")} == {
        "delivery_report": "per_recipient",
        "callback_url": "https://example.com/reports",
        "flash_message": False,
        "max_number_of_message_parts": 3,
        "truncate_concat": False,
        "feedback_enabled": True,
    }


def test_without_any_sender_the_from_field_is_left_out(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    conn_id = set_connection(
        "sinch_nofrom", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra={"region": "eu"}
    )
    http.post(BATCHES, json=batch("01BATCH", ["+61400000101"]))

    SinchHook(sms_conn_id=conn_id).send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), SendOptions(body="Hi"))

    assert "from" not in http.last_request.json()


def test_an_individual_message_is_its_own_batch_without_parameters(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(7, KEY, (ChunkRecipient(7, "+61400000101", {"name": "x"}, body="Own ${name} text"),))
    http.post(BATCHES, json=batch("01OWN", ["+61400000101"]))

    hook.send_chunk(chunk, SendOptions(from_="Acme"))

    body = http.last_request.json()
    assert (body["body"], body["to"], body["client_reference"]) == ("Own ${name} text", ["+61400000101"], KEY)
    assert "parameters" not in body


def test_find_chunk_lists_batches_by_client_reference_over_the_list_window(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.get(BATCHES, json={"count": 0, "page": 0, "page_size": 30, "batches": []})
    before = datetime.now(timezone.utc)

    assert hook.find_chunk(KEY) is None

    after = datetime.now(timezone.utc)
    query = query_of(http.last_request)
    start = datetime.fromisoformat(query.pop("start_date").replace("Z", "+00:00"))
    assert before - LIST_WINDOW - timedelta(milliseconds=1) <= start <= after - LIST_WINDOW
    assert query == {"client_reference": KEY, "page": "0", "page_size": "30"}
    assert http.call_count == 1


def test_find_chunk_returns_the_first_batch_carrying_the_key(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.get(
        BATCHES,
        json={
            "count": 2,
            "page": 0,
            "page_size": 30,
            "batches": [
                batch("01FIRST", ["+61400000101", "+61400000102"]),
                batch("01LATER", ["+61400000103"]),
            ],
        },
    )

    found = hook.find_chunk(KEY)

    assert found == SentChunk(key=KEY, batch_id="01FIRST", accepted=2, found=True)
    assert http.call_count == 1


def test_preview_asks_the_dry_run_per_recipient_and_maps_numbers_to_positions(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.post(
        DRY_RUN,
        json={
            "number_of_recipients": 3,
            "number_of_messages": 4,
            "per_recipient": [
                {"recipient": "61400000103", "number_of_parts": 2, "body": "Hi Bo", "encoding": "UNICODE"},
                {"recipient": "61400000101", "number_of_parts": 1, "body": "Hi Ann", "encoding": "GSM"},
                {"recipient": "61499999999", "number_of_parts": 9, "body": "?", "encoding": "GSM"},
                {"recipient": "61400000102"},
            ],
        },
    )

    preview = hook.preview_chunk(CHUNK, OPTIONS)

    request = http.last_request
    assert query_of(request) == {"per_recipient": "true", "number_of_recipients": "3"}
    assert request.json()["client_reference"] == KEY
    assert request.json()["parameters"]["name"]["default"] == "you"
    assert (preview.recipients, preview.parts) == (3, 4)
    assert [(m.index, m.parts, m.encoding) for m in preview.messages] == [
        (2, 2, "UNICODE"),
        (0, 1, "GSM"),
        (1, 0, "unknown"),
    ]


def test_validate_chunk_builds_the_batch_without_sending(hook: SinchHook, http: requests_mock.Mocker) -> None:
    now = datetime.now(timezone.utc)

    hook.validate_chunk(CHUNK, OPTIONS, now)

    assert http.call_count == 0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            SendOptions(body="Hi", expire_at=datetime(2020, 1, 1, tzinfo=timezone.utc)),
            r"expire_at=\S+: must be after now",
        ),
        (SendOptions(body="Hi", from_="A sender name far too long"), r"from_=.*1-11 characters"),
        (
            SendOptions(body="Hi", max_number_of_message_parts=0),
            "max_number_of_message_parts=0: must be at least 1",
        ),
    ],
)
def test_validate_chunk_names_the_broken_rule_without_sending(
    hook: SinchHook, http: requests_mock.Mocker, options: SendOptions, match: str
) -> None:
    with pytest.raises(SmsValidationError, match=match):
        hook.validate_chunk(CHUNK, options, datetime(2025, 1, 1, tzinfo=timezone.utc))

    assert http.call_count == 0
