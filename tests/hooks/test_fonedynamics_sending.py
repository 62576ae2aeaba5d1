"""FoneDynamicsSending with stubbed HTTP: request bodies, partial refusals, lookups by ExternalId, preview."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsBadRequestError, SmsValidationError
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from airflow_provider_sms.hooks.sending import ChunkRecipient, SendChunk, SendOptions, SentChunk
from tests.hooks.conftest import FD_ACCOUNT, FD_PROPERTY, FD_TOKEN, SetConnection

#: The lookup window: 14 days back (Sinch's list window), 1 day ahead (clock skew).
FONE_LOOKUP_BEFORE = timedelta(days=14)
FONE_LOOKUP_AFTER = timedelta(days=1)
API = "https://api.fonedynamics.com/v2"
BATCH_URL = f"{API}/Properties/{FD_PROPERTY}/BatchMessages"
LIST_URL = f"{API}/Properties/{FD_PROPERTY}/Messages"
KEY = "sms-send-0123456789abcdef-c0"
CHUNK = SendChunk(
    0,
    KEY,
    (
        ChunkRecipient(4, "+61400000101", {"name": "Ann"}),
        ChunkRecipient(5, "+61400000102"),
        ChunkRecipient(6, "+61400000103", {"name": "Bo"}),
    ),
)
OPTIONS = SendOptions(
    body="Hi ${name}, code ${x}", defaults={"name": "you"}, parameter_keys=frozenset({"name"})
)
REFUSAL = {
    "ErrorCode": "INVALID_PHONENUMBER_FORMAT",
    "Message": "To parameter is not in E.164 format",
    "Errors": [{"FieldName": "To"}],
}


def accepted(position: int, to: str, created: int | None, key: str = KEY) -> dict[str, Any]:
    """Return a Message resource as the vendor returns an accepted message."""
    message: dict[str, Any] = {
        "MessageSid": f"MS{position}{to[-3:]}",
        "To": to,
        "From": "+61400000001",
        "Text": "Hi",
        "Status": "Processing",
        "Direction": "Transmit",
        "ExternalId": f"{key}.{position}",
    }
    if created is not None:
        message["Created"] = created
    return message


def query_of(request: Any) -> dict[str, str]:
    """Return a request's query string as sent (requests-mock's ``qs`` lower-cases values)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


@pytest.fixture
def hook(fonedynamics_conn: str) -> FoneDynamicsHook:
    return FoneDynamicsHook(sms_conn_id=fonedynamics_conn)


def test_send_chunk_posts_one_batch_with_rendered_texts_and_position_external_ids(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCH_URL, json=[accepted(i, r.to, 1_700_000_000 + i) for i, r in enumerate(CHUNK.recipients)])

    hook.send_chunk(CHUNK, OPTIONS)

    assert http.call_count == 1
    assert http.last_request.json() == {
        "Messages": [
            {
                "From": "+61400000001",
                "To": "+61400000101",
                "Text": "Hi Ann, code ${x}",
                "ExternalId": f"{KEY}.0",
            },
            {
                "From": "+61400000001",
                "To": "+61400000102",
                "Text": "Hi you, code ${x}",
                "ExternalId": f"{KEY}.1",
            },
            {
                "From": "+61400000001",
                "To": "+61400000103",
                "Text": "Hi Bo, code ${x}",
                "ExternalId": f"{KEY}.2",
            },
        ]
    }


def test_send_chunk_carries_the_schedule_sender_and_message_options(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    send_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    options = SendOptions(
        body="Hello",
        from_="Acme",
        send_at=send_at,
        delivery_receipt=True,
        delivery_receipt_webhook_uri="https://example.com/receipts",
        delivery_receipt_webhook_method="POST",
    )
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1)])

    hook.send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), options)

    (message,) = http.last_request.json()["Messages"]
    assert message == {
        "From": "Acme",
        "To": "+61400000101",
        "Text": "Hello",
        "Schedule": int(send_at.timestamp()),
        "DeliveryReceipt": True,
        "DeliveryReceiptWebhookUri": "https://example.com/receipts",
        "DeliveryReceiptWebhookMethod": "POST",
        "ExternalId": f"{KEY}.0",
    }


def test_without_any_sender_the_from_field_is_left_out_for_a_leased_number(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    conn_id = set_connection(
        "fone_leased",
        "fonedynamics",
        login=FD_ACCOUNT,
        password=FD_TOKEN,
        extra={"property_sid": FD_PROPERTY},
    )
    options = SendOptions(body="Reply YES", webhook_uri="https://example.com/replies", webhook_method="POST")
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1)])

    FoneDynamicsHook(sms_conn_id=conn_id).send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), options)

    (message,) = http.last_request.json()["Messages"]
    assert "From" not in message
    assert (message["WebhookUri"], message["WebhookMethod"]) == ("https://example.com/replies", "POST")


def test_individual_messages_send_each_recipients_own_text(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(
        2,
        KEY,
        (
            ChunkRecipient(0, "+61400000101", body="One ${name}"),
            ChunkRecipient(1, "+61400000102", body="Two"),
        ),
    )
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1), accepted(1, "+61400000102", 1)])

    hook.send_chunk(chunk, SendOptions())

    assert [m["Text"] for m in http.last_request.json()["Messages"]] == ["One ${name}", "Two"]


def test_send_chunk_names_the_batch_by_key_and_first_creation_time(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(
        BATCH_URL,
        json=[
            accepted(0, "+61400000101", 1_700_000_007),
            accepted(1, "+61400000102", 1_700_000_005),
            accepted(2, "+61400000103", None),
        ],
    )

    sent = hook.send_chunk(CHUNK, OPTIONS)

    assert sent == SentChunk(key=KEY, batch_id=f"{KEY}@1700000005", accepted=3)


def test_a_partly_refused_batch_reports_the_refused_positions_and_names_the_accepted_ones(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(
        BATCH_URL,
        json=[
            accepted(0, "+61400000101", 1_700_000_009),
            REFUSAL,
            accepted(2, "+61400000103", 1_700_000_010),
        ],
    )

    sent = hook.send_chunk(CHUNK, OPTIONS)

    assert sent.accepted == 2
    assert sent.rejected == ((1, "INVALID_PHONENUMBER_FORMAT: To parameter is not in E.164 format"),)
    assert sent.batch_id == f"{KEY}@1700000009"
    assert "+6140000010" not in repr(sent)


def test_a_refusal_without_code_or_text_still_gives_a_reason(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1_700_000_009), {"Errors": []}])

    sent = hook.send_chunk(SendChunk(0, KEY, CHUNK.recipients[:2]), OPTIONS)

    assert sent.rejected == ((1, "refused"),)


def test_a_wholly_refused_batch_is_named_after_the_send_time(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCH_URL, json=[REFUSAL])
    before = int(datetime.now(timezone.utc).timestamp())

    sent = hook.send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), OPTIONS)

    created = int(sent.batch_id.rsplit("@", 1)[1])
    assert before <= created <= before + 5
    assert (sent.accepted, sent.rejected) == (0, ((0, REFUSAL["ErrorCode"] + ": " + REFUSAL["Message"]),))


def test_a_request_refused_as_a_whole_raises_a_bad_request_error(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCH_URL, json={"ResponseStatus": {"ErrorCode": "FormatException", "Message": "Bad body"}})

    with pytest.raises(SmsBadRequestError, match="FormatException"):
        hook.send_chunk(CHUNK, OPTIONS)


def test_find_chunk_searches_sent_messages_over_the_lookup_window(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.get(LIST_URL, json=[])
    before = datetime.now(timezone.utc)

    assert hook.find_chunk(KEY) is None

    after = datetime.now(timezone.utc)
    query = query_of(http.last_request)
    assert (query["Direction"], query["Results_Count"], query["Results_Skip"]) == ("Transmit", "200", "0")
    assert int((before - FONE_LOOKUP_BEFORE).timestamp()) <= int(query["Date_From"])
    assert int(query["Date_From"]) <= int((after - FONE_LOOKUP_BEFORE).timestamp())
    assert int((before + FONE_LOOKUP_AFTER).timestamp()) <= int(query["Date_To"])
    assert int(query["Date_To"]) <= int((after + FONE_LOOKUP_AFTER).timestamp())


def test_find_chunk_counts_only_messages_whose_external_id_the_key_owns(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    other_chunk = KEY.replace("-c0", "-c01")
    unrelated = {**accepted(0, "+61400000201", 1_600_000_000), "ExternalId": None}
    http.get(
        LIST_URL,
        json=[
            accepted(0, "+61400000101", 1_700_000_020),
            accepted(0, "+61400000301", 1_500_000_000, key=other_chunk),
            unrelated,
            accepted(2, "+61400000103", 1_700_000_010),
            {**accepted(0, "+61400000401", 1_400_000_000), "ExternalId": KEY},
        ],
    )

    found = hook.find_chunk(KEY)

    assert found == SentChunk(
        key=KEY, batch_id=f"{KEY}@1700000010", accepted=2, found=True, found_indexes=frozenset({0, 2})
    )


def test_find_chunk_cannot_tell_positions_apart_when_an_external_id_has_no_number(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.get(
        LIST_URL,
        json=[
            accepted(0, "+61400000101", 1_700_000_020),
            {**accepted(1, "+61400000102", 1), "ExternalId": f"{KEY}.x"},
        ],
    )

    found = hook.find_chunk(KEY)

    assert found is not None
    assert (found.accepted, found.found_indexes) == (2, None)


def test_find_chunk_reads_every_page(hook: FoneDynamicsHook, http: requests_mock.Mocker) -> None:
    stranger = [accepted(0, f"+614000{n:05d}", 1_600_000_000, key="other-key-c0") for n in range(200)]
    http.get(
        LIST_URL,
        [
            {"json": stranger},
            {"json": [accepted(1, "+61400000102", 1_700_000_030)]},
        ],
    )

    found = hook.find_chunk(KEY)

    assert found is not None
    assert (found.accepted, found.batch_id) == (1, f"{KEY}@1700000030")
    assert [query_of(r)["Results_Skip"] for r in http.request_history] == ["0", "200"]


def test_find_chunk_after_a_partial_refusal_finds_the_same_batch_without_sending(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    first, third = accepted(0, "+61400000101", 1_700_000_009), accepted(2, "+61400000103", 1_700_000_010)
    http.post(BATCH_URL, json=[first, REFUSAL, third])
    http.get(LIST_URL, json=[third, first])

    sent = hook.send_chunk(CHUNK, OPTIONS)
    found = hook.find_chunk(KEY)

    assert found is not None
    assert (found.batch_id, found.accepted, found.found) == (sent.batch_id, 2, True)
    assert found.found_indexes == frozenset({0, 2})
    assert [r.method for r in http.request_history] == ["POST", "GET"]


def test_preview_counts_parts_and_encodings_locally(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(
        0,
        KEY,
        (
            ChunkRecipient(0, "+61400000101", {"name": "A" * 160}),
            ChunkRecipient(1, "+61400000102", {"name": "Zoë"}),
            ChunkRecipient(2, "+61400000103", {"name": "Ł"}),
        ),
    )
    options = SendOptions(body="${name}", parameter_keys=frozenset({"name"}))

    preview = hook.preview_chunk(chunk, options)

    assert [(m.index, m.parts, m.encoding) for m in preview.messages] == [
        (0, 1, "GSM"),
        (1, 1, "UNICODE"),
        (2, 1, "UNICODE"),
    ]
    long_text = hook.preview_chunk(
        SendChunk(0, KEY, (ChunkRecipient(0, "+61400000101", {"name": "A" * 161}),)), options
    )
    assert (long_text.recipients, long_text.parts, long_text.messages[0].encoding) == (1, 2, "GSM")
    assert (preview.recipients, preview.parts) == (3, 3)
    assert http.call_count == 0


def test_validate_chunk_builds_the_request_without_sending(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    now = datetime.now(timezone.utc)

    hook.validate_chunk(CHUNK, SendOptions(body="Hi", send_at=now + timedelta(days=13)), now)

    assert http.call_count == 0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            SendOptions(body="Hi", send_at=datetime(2030, 1, 1, tzinfo=timezone.utc)),
            r"messages\[0\]\.schedule=\d+: must be at most 14 days",
        ),
        (
            SendOptions(body="Hi", from_="Acme", forward_to_sms="+61400000009"),
            r"messages\[0\]\.forward_to_sms",
        ),
        (SendOptions(body="   "), r"messages\[0\]\.text"),
    ],
)
def test_validate_chunk_names_the_broken_rule_without_sending(
    hook: FoneDynamicsHook, http: requests_mock.Mocker, options: SendOptions, match: str
) -> None:
    now = datetime(2029, 12, 1, tzinfo=timezone.utc)

    with pytest.raises(SmsValidationError, match=match):
        hook.validate_chunk(CHUNK, options, now)

    assert http.call_count == 0
