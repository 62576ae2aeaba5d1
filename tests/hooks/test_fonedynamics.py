"""FoneDynamicsHook: endpoints, batch ids, what it cannot do, sending, tracking and find_batches.

Unit tests stub HTTP with requests-mock; tracking and look-ups talk to the sandbox. Reading the connection
is in ``test_fonedynamics_connection.py``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient
from airflow_provider_sms.exceptions import SmsBadRequestError, SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks import fonedynamics
from airflow_provider_sms.hooks.fonedynamics import FoneBatchRef, FoneDynamicsHook, RequestPacer, paced_pages
from airflow_provider_sms.hooks.sms import (
    ChunkRecipient,
    SendChunk,
    SendOptions,
    SentChunk,
    SmsHook,
)
from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED, KeyedBatch, PlannedChange
from airflow_provider_sms.models.fonedynamics import FoneMessage
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.hooks.conftest import FD_ACCOUNT, FD_PROPERTY, FD_TOKEN, SetConnection

API = "https://api.fonedynamics.com/v2"
MESSAGES = f"{API}/Properties/{FD_PROPERTY}/Messages"
BATCH_URL = f"{API}/Properties/{FD_PROPERTY}/BatchMessages"
MESSAGE = {"MessageSid": "MS01", "To": "+61400000002", "From": "+61400000001", "Text": "Hi"}
#: README.md, which lists the endpoint methods of each hook.
README = Path(__file__).parents[2] / "README.md"
#: The lookup window: 14 days back (Sinch's list window), 1 day ahead (clock skew).
FONE_LOOKUP_BEFORE = timedelta(days=14)
FONE_LOOKUP_AFTER = timedelta(days=1)


def query_of(request: Any) -> dict[str, str]:
    """Return a request's query string as sent (requests-mock's ``qs`` lower-cases values)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


@pytest.fixture
def hook(fonedynamics_conn: str) -> FoneDynamicsHook:
    return FoneDynamicsHook(sms_conn_id=fonedynamics_conn)


# -- one method per endpoint ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "http_method", "url", "response"),
    [
        ("send_message", (), {"to": "+61400000002", "text": "Hi"}, "POST", MESSAGES, {"Message": MESSAGE}),
        ("send_messages", ([{"to": "+61400000002", "text": "Hi"}],), {}, "POST", BATCH_URL, [MESSAGE]),
        ("get_message", ("MS01",), {}, "GET", f"{API}/Messages/MS01", {"Message": MESSAGE}),
        (
            "list_messages_page",
            (),
            {"date_from": 1_700_000_000, "date_to": 1_700_003_600},
            "GET",
            MESSAGES,
            [],
        ),
    ],
)
def test_methods_make_the_client_request(
    hook: FoneDynamicsHook,
    http: requests_mock.Mocker,
    method: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    http_method: str,
    url: str,
    response: object,
) -> None:
    http.register_uri(http_method, url, json=response)

    getattr(hook, method)(*args, **kwargs)

    assert [(r.method, r.url.split("?")[0]) for r in http.request_history] == [(http_method, url)]


def test_listing_takes_the_clients_page_size_unless_given(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.get(MESSAGES, json=[])

    assert list(hook.list_messages(date_from=1_700_000_000, date_to=1_700_003_600, status="Failed")) == []
    hook.list_messages_page(date_from=1_700_000_000, date_to=1_700_003_600, results_count=5, results_skip=10)

    first, second = (query_of(r) for r in http.request_history)
    assert (first["Results_Count"], first["Status"]) == ("200", "Failed")
    assert (second["Results_Count"], second["Results_Skip"]) == ("5", "10")


CLIENT_METHODS = sorted(
    name
    for name, _ in inspect.getmembers(FoneDynamicsClient, inspect.isfunction)
    if not name.startswith("_") and name != "close"
)


def test_the_client_has_the_endpoints_the_hook_mirrors() -> None:
    assert CLIENT_METHODS == [
        "get_message",
        "list_messages",
        "list_messages_page",
        "send_message",
        "send_messages",
        "send_wire_messages",
    ]


@pytest.mark.parametrize("name", CLIENT_METHODS)
def test_each_endpoint_is_a_hook_method_with_the_clients_real_parameters(name: str) -> None:
    method = FoneDynamicsHook.__dict__[name]
    hook_parameters = inspect.signature(method).parameters
    client_parameters = inspect.signature(getattr(FoneDynamicsClient, name)).parameters

    assert inspect.isfunction(method)
    assert [(p.name, p.kind) for p in hook_parameters.values()] == [
        (p.name, p.kind) for p in client_parameters.values()
    ]
    for parameter in hook_parameters.values():
        if parameter.name != "results_count":  # None: the client's own default page size
            assert parameter.default == client_parameters[parameter.name].default, parameter.name
    assert method.__doc__


class RecordingClient:
    """Stands in for ``FoneDynamicsClient``: records each call and returns its name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    def __getattr__(self, name: str) -> Callable[..., str]:
        def record(*args: object, **kwargs: object) -> str:
            self.calls.append((name, args, kwargs))
            return f"result of {name}"

        return record


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "client_kwargs"),
    [
        ("send_message", ({"to": "+1"},), {"text": "x"}, {"property_sid": None, "text": "x"}),
        ("send_messages", ([{"to": "+1"}],), {"property_sid": "PR2"}, {"property_sid": "PR2"}),
        ("get_message", ("MS1",), {}, {}),
        (
            "list_messages",
            (),
            {"date_from": 1, "date_to": 2},
            {"date_from": 1, "date_to": 2, "status": None, "direction": None, "property_sid": None},
        ),
        (
            "list_messages_page",
            (),
            {"date_from": 1, "date_to": 2, "results_count": 9},
            {
                "date_from": 1,
                "date_to": 2,
                "status": None,
                "direction": None,
                "results_skip": 0,
                "property_sid": None,
                "results_count": 9,
            },
        ),
    ],
)
def test_each_endpoint_method_calls_the_client_method_of_its_name(
    name: str, args: tuple[object, ...], kwargs: dict[str, object], client_kwargs: dict[str, object]
) -> None:
    hook = FoneDynamicsHook(sms_conn_id="unused")
    client = RecordingClient()
    hook._client = client  # type: ignore[assignment]

    assert getattr(hook, name)(*args, **kwargs) == f"result of {name}"
    assert client.calls == [(name, args, client_kwargs)]


def test_every_fone_dynamics_method_the_readme_lists_exists() -> None:
    listed = re.search(r"^- Fone Dynamics: (.*?)\.\n", README.read_text(encoding="utf-8"), re.M | re.S)

    assert listed is not None
    names = re.findall(r"`(\w+)`", listed.group(1))
    assert names == ["send_message", "send_messages", "get_message", "list_messages"]
    for name in names:
        assert inspect.isfunction(FoneDynamicsHook.__dict__.get(name)), name


# -- batch ids: <key>@<unix seconds> -----------------------------------------------------------------------


def test_fone_batch_ref_round_trips_and_owns_its_external_ids() -> None:
    ref = FoneBatchRef("sms-abc123-c00002", 1790000000)
    assert str(ref) == "sms-abc123-c00002@1790000000"
    assert FoneBatchRef.parse(str(ref)) == ref
    assert ref.external_id(7) == "sms-abc123-c00002.7"
    assert ref.owns("sms-abc123-c00002.7")
    assert not ref.owns("sms-abc123-c000021.7")
    assert not ref.owns(None)


@pytest.mark.parametrize("bad", ["", "key", "key@", "@123", "k/y@123", "key@12x", "key@123\n"])
def test_fone_batch_ref_rejects_other_forms(bad: str) -> None:
    with pytest.raises(SmsValidationError, match="<key>@<unix seconds>"):
        FoneBatchRef.parse(bad)


# -- what Fone Dynamics cannot do, refused before any request ---------------------------------------------

REFUSED: list[tuple[str, Callable[[FoneDynamicsHook], object]]] = [
    ("replace a batch", lambda hook: hook.plan_replace(["k@1700000000"], {"body": "x"})),
    ("update a batch", lambda hook: hook.plan_update(["k@1700000000"], {"body": "x"})),
    ("cancel a batch", lambda hook: hook.plan_cancel(["k@1700000000"])),
    ("report delivery feedback", lambda hook: hook.plan_feedback(["k@1700000000"], [])),
    ("cancel a batch", lambda hook: hook.apply_change(PlannedChange("k@1700000000", "cancel"))),
    (
        "set expire_at",
        lambda hook: hook.check_send_options(SendOptions(expire_at=datetime.now(timezone.utc))),
    ),
]


@pytest.mark.parametrize(("words", "ask"), REFUSED)
def test_what_the_vendor_cannot_do_is_refused_before_any_request(
    hook: FoneDynamicsHook, http: requests_mock.Mocker, words: str, ask: Callable[[FoneDynamicsHook], object]
) -> None:
    with pytest.raises(
        SmsCapabilityError, match=rf"^Fone Dynamics has no API to {words}.*; no request was made$"
    ):
        ask(hook)

    assert http.request_history == []


# -- sending: a chunk is one BatchMessages request, ExternalIds <key>.<position> ---------------------------

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


def test_chunk_size_is_the_same_whether_or_not_texts_are_individual(hook: FoneDynamicsHook) -> None:
    assert (hook.max_chunk_size(individual=False), hook.max_chunk_size(individual=True)) == (1000, 1000)


def test_send_chunk_posts_one_batch_with_rendered_texts_and_position_external_ids(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.post(BATCH_URL, json=[accepted(i, r.to, 1_700_000_000 + i) for i, r in enumerate(CHUNK.recipients)])

    hook.send_chunk(CHUNK, OPTIONS)

    assert http.call_count == 1
    assert http.last_request.json() == {
        "Messages": [
            {"From": "+61400000001", "To": to, "Text": text, "ExternalId": f"{KEY}.{i}"}
            for i, (to, text) in enumerate(
                [
                    ("+61400000101", "Hi Ann, code ${x}"),
                    ("+61400000102", "Hi you, code ${x}"),
                    ("+61400000103", "Hi Bo, code ${x}"),
                ]
            )
        ]
    }


def test_a_chunk_of_checked_numbers_for_one_text_posts_what_the_per_message_models_would(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    numbers = [f"+6140000{n:04d}" for n in range(1000)]
    recipients = tuple(ChunkRecipient(i, n) for i, n in enumerate(numbers))
    options = SendOptions(body="Hi", from_="Acme", vendor={"delivery_receipt": True})
    http.post(BATCH_URL, json=[accepted(i, n, 1_700_000_000) for i, n in enumerate(numbers)])

    hook.send_chunk(SendChunk(0, KEY, recipients, numbers), options)  # numbers checked by the engine
    hook.send_chunk(SendChunk(0, KEY, recipients), options)  # each message built and checked

    fast_body, each_body = (r.json() for r in http.request_history)
    assert fast_body == each_body
    assert fast_body["Messages"][999] == {
        "From": "Acme",
        "To": numbers[999],
        "Text": "Hi",
        "ExternalId": f"{KEY}.999",
        "DeliveryReceipt": True,
    }


def test_a_chunk_of_checked_numbers_for_one_text_still_has_its_shared_fields_checked(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(0, KEY, (ChunkRecipient(0, "+61400000101"),), ["+61400000101"])
    options = SendOptions(body="Hi", send_at=datetime(2030, 1, 1, tzinfo=timezone.utc))

    with pytest.raises(SmsValidationError, match=r"messages\[0\]\.schedule=\d+: must be at most 14 days"):
        hook.validate_chunk(chunk, options, datetime(2029, 12, 1, tzinfo=timezone.utc))

    assert http.call_count == 0


def test_send_chunk_carries_the_schedule_sender_and_message_options(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    send_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    vendor_options = {
        "delivery_receipt": True,
        "delivery_receipt_webhook_uri": "https://example.com/receipts",
        "delivery_receipt_webhook_method": "POST",
    }
    options = SendOptions(body="Hello", from_="Acme", send_at=send_at, vendor=vendor_options)
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1)])

    hook.check_send_options(options)
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
    options = SendOptions(
        body="Reply YES", vendor={"webhook_uri": "https://example.com/replies", "webhook_method": "POST"}
    )
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1)])

    FoneDynamicsHook(sms_conn_id=conn_id).send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), options)

    (message,) = http.last_request.json()["Messages"]
    assert "From" not in message
    assert (message["WebhookUri"], message["WebhookMethod"]) == ("https://example.com/replies", "POST")


def test_individual_messages_send_each_recipients_own_text(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    recipients = (
        ChunkRecipient(0, "+61400000101", body="One ${name}"),
        ChunkRecipient(1, "+61400000102", body="Two"),
    )
    http.post(BATCH_URL, json=[accepted(0, "+61400000101", 1), accepted(1, "+61400000102", 1)])

    hook.send_chunk(SendChunk(2, KEY, recipients), SendOptions())

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

    assert hook.send_chunk(CHUNK, OPTIONS) == SentChunk(key=KEY, batch_id=f"{KEY}@1700000005", accepted=3)


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
    http.get(MESSAGES, json=[])
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
    http.get(
        MESSAGES,
        json=[
            accepted(0, "+61400000101", 1_700_000_020),
            accepted(0, "+61400000301", 1_500_000_000, key=KEY.replace("-c0", "-c01")),
            {**accepted(0, "+61400000201", 1_600_000_000), "ExternalId": None},
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
        MESSAGES,
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
    http.get(MESSAGES, [{"json": stranger}, {"json": [accepted(1, "+61400000102", 1_700_000_030)]}])

    found = hook.find_chunk(KEY)

    assert found is not None
    assert (found.accepted, found.batch_id) == (1, f"{KEY}@1700000030")
    assert [query_of(r)["Results_Skip"] for r in http.request_history] == ["0", "200"]


def test_find_chunk_after_a_partial_refusal_finds_the_same_batch_without_sending(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    first, third = accepted(0, "+61400000101", 1_700_000_009), accepted(2, "+61400000103", 1_700_000_010)
    http.post(BATCH_URL, json=[first, REFUSAL, third])
    http.get(MESSAGES, json=[third, first])

    sent = hook.send_chunk(CHUNK, OPTIONS)
    found = hook.find_chunk(KEY)

    assert found is not None
    assert (found.batch_id, found.accepted, found.found) == (sent.batch_id, 2, True)
    assert found.found_indexes == frozenset({0, 2})
    assert [r.method for r in http.request_history] == ["POST", "GET"]


def test_preview_counts_parts_and_encodings_locally(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    names = ("A" * 160, "Zoë", "Ł")
    chunk = SendChunk(
        0, KEY, tuple(ChunkRecipient(i, f"+6140000010{i}", {"name": n}) for i, n in enumerate(names))
    )
    options = SendOptions(body="${name}", parameter_keys=frozenset({"name"}))

    preview = hook.preview_chunk(chunk, options)
    long_text = hook.preview_chunk(
        SendChunk(0, KEY, (ChunkRecipient(0, "+61400000101", {"name": "A" * 161}),)), options
    )

    assert [(m.index, m.parts, m.encoding) for m in preview.messages] == [
        (0, 1, "GSM"),
        (1, 1, "UNICODE"),
        (2, 1, "UNICODE"),
    ]
    assert (preview.recipients, preview.parts) == (3, 3)
    assert (long_text.recipients, long_text.parts, long_text.messages[0].encoding) == (1, 2, "GSM")
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
            SendOptions(body="Hi", from_="Acme", vendor={"forward_to_sms": "+61400000009"}),
            r"messages\[0\]\.forward_to_sms",
        ),
        (SendOptions(body="   "), r"messages\[0\]\.text"),
    ],
)
def test_validate_chunk_names_the_broken_rule_without_sending(
    hook: FoneDynamicsHook, http: requests_mock.Mocker, options: SendOptions, match: str
) -> None:
    with pytest.raises(SmsValidationError, match=match):
        hook.validate_chunk(CHUNK, options, datetime(2029, 12, 1, tzinfo=timezone.utc))

    assert http.call_count == 0


# -- tracking against the sandbox: window listing, ownership, the get_message refresh ------------------------


@pytest.fixture
def sandbox_fone(sandbox_hook: Callable[[str], SmsHook]) -> FoneDynamicsHook:
    hook = sandbox_hook("fonedynamics")
    assert isinstance(hook, FoneDynamicsHook)
    return hook


def send(hook: FoneDynamicsHook, key: str, *numbers: str) -> str:
    messages = [
        {"to": number, "text": "x", "from_": "Alerts", "external_id": f"{key}.{position}"}
        for position, number in enumerate(numbers)
    ]
    results = hook.send_messages(messages)
    return str(FoneBatchRef(key, min(m.created for m in results if isinstance(m, FoneMessage) and m.created)))


class CallCounter:
    def __init__(self, hook: FoneDynamicsHook, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = {"list_messages": 0, "get_message": 0}
        client = hook.get_conn()
        for name in self.calls:
            monkeypatch.setattr(client, name, self._counting(name, getattr(client, name)))

    def _counting(self, name: str, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return wrapper


def test_batch_status_counts_only_the_messages_the_batch_owns(
    sandbox: SandboxServer, sandbox_fone: FoneDynamicsHook
) -> None:
    batch_id = send(sandbox_fone, "mine", "+61400000001", "+61400000013", "+61400000099")
    send(sandbox_fone, "other", "+61400000002")
    send(sandbox_fone, "mine2", "+61400000003")
    sandbox.advance(5)

    status = sandbox_fone.batch_status(batch_id)

    assert status.total == 3
    assert status.by_status() == {"delivered": 1, "failed": 1, "sent": 1}
    assert not status.complete


def test_recipient_states_keep_the_order_of_positions(sandbox_fone: FoneDynamicsHook) -> None:
    numbers = [f"+614000001{n:02d}" for n in range(12)]
    batch_id = send(sandbox_fone, "ordered", *numbers)

    assert [s.recipient for s in sandbox_fone.recipient_states(batch_id)] == numbers
    asked = sandbox_fone.recipient_states(batch_id, ["+61400000111", "+61400000999"])
    assert [s.recipient for s in asked] == ["+61400000111", "+61400000999"]
    assert asked[0].state.vendor_status in ("Processing", "Submitted", "Delivered")
    assert asked[1].state == NOT_YET_REPORTED


def test_after_the_first_listing_only_unfinished_messages_are_fetched_again(
    sandbox: SandboxServer, sandbox_fone: FoneDynamicsHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = send(sandbox_fone, "refresh", "+61400000001", "+61400000002")
    counter = CallCounter(sandbox_fone, monkeypatch)

    first = sandbox_fone.batch_status(batch_id)
    sandbox.advance(5)
    second = sandbox_fone.batch_status(batch_id)
    third = sandbox_fone.batch_status(batch_id)

    assert first.by_status() == {"sent": 2}
    assert second.by_status() == third.by_status() == {"delivered": 2}
    assert counter.calls == {"list_messages": 1, "get_message": 2}


def test_more_unfinished_messages_than_the_limit_are_listed_again(
    sandbox_fone: FoneDynamicsHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonedynamics, "REFRESH_BY_GET_LIMIT", 1)
    batch_id = send(sandbox_fone, "relist", "+61400000001", "+61400000002")
    counter = CallCounter(sandbox_fone, monkeypatch)

    sandbox_fone.batch_status(batch_id)
    sandbox_fone.batch_status(batch_id)

    assert counter.calls == {"list_messages": 2, "get_message": 0}


def test_a_batch_id_not_of_the_form_key_at_unix_is_rejected_before_any_request(
    sandbox_fone: FoneDynamicsHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = CallCounter(sandbox_fone, monkeypatch)

    with pytest.raises(SmsValidationError, match="batch_id='MG123': a Fone Dynamics batch id has the form"):
        sandbox_fone.check_batch_id("MG123")
    with pytest.raises(SmsValidationError):
        sandbox_fone.batch_status("MG123")
    sandbox_fone.check_batch_id("key@1700000000")

    assert counter.calls == {"list_messages": 0, "get_message": 0}


def test_failed_recipients_are_the_failed_numbers_and_never_the_unfinished(
    sandbox: SandboxServer, sandbox_fone: FoneDynamicsHook
) -> None:
    batch_id = send(sandbox_fone, "fails", "+61400000001", "+61400000013", "+61400000099")
    again = send(sandbox_fone, "again", "+61400000013")
    sandbox.advance(5)

    assert sandbox_fone.failed_recipients([batch_id, again]) == ["+61400000013"]
    assert sandbox_fone.failed_recipients([batch_id], statuses=("delivered",)) == ["+61400000001"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_pacer_spaces_requests_by_its_interval() -> None:
    clock = FakeClock()
    pacer = RequestPacer(4.0, clock=clock.time, sleep=clock.sleep)

    for _ in range(3):
        pacer.wait()
    clock.now += 10
    pacer.wait()

    assert clock.slept == [0.25, 0.25]


def test_paced_pages_waits_once_before_each_page() -> None:
    waits: list[int] = []
    seen: list[int] = []

    class CountingPacer(RequestPacer):
        def wait(self) -> None:
            waits.append(len(seen))

    for item in paced_pages(iter(range(5)), 2, CountingPacer(1.0)):
        seen.append(item)

    assert seen == [0, 1, 2, 3, 4]
    assert waits == [0, 2, 4]


# -- find_batches: the batches of a key prefix since a date --------------------------------------------------


def test_find_batches_groups_messages_by_key_and_keeps_the_prefix(sandbox_fone: FoneDynamicsHook) -> None:
    sent = {
        key: sandbox_fone.send_chunk(SendChunk(0, key, CHUNK.recipients[:n]), OPTIONS).batch_id
        for n, key in ((1, "camp-a-c0"), (2, "camp-a-c1"), (1, "camp-b-c0"))
    }
    sandbox_fone.send_message(to="+61400000101", text="no key", from_="Alerts")

    found = sandbox_fone.find_batches("camp-a-", datetime.now(timezone.utc) - timedelta(hours=1))

    assert found == [
        KeyedBatch("camp-a-c0", sent["camp-a-c0"], ("+61400000101",)),
        KeyedBatch("camp-a-c1", sent["camp-a-c1"], ("+61400000101", "+61400000102")),
    ]
    long_ago = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert [b.key for b in sandbox_fone.find_batches("camp-", long_ago)] == sorted(sent)
    assert sandbox_fone.find_batches("camp-a-", datetime.now(timezone.utc) + timedelta(hours=1)) == []


def test_find_batches_lists_from_since_or_the_lookup_window_to_a_day_ahead(
    hook: FoneDynamicsHook, http: requests_mock.Mocker
) -> None:
    http.get(
        MESSAGES,
        json=[
            accepted(1, "+61400000102", 1_700_000_009, key="k-1"),
            accepted(0, "+61400000101", 1_700_000_005, key="k-1"),
            accepted(0, "+61400000103", None, key="k-2"),
            {**accepted(0, "+61400000104", 1, key="k-3"), "ExternalId": None},
        ],
    )
    since = datetime.now(timezone.utc) - timedelta(days=2)

    found = hook.find_batches("k-", since)
    hook.find_batches("", datetime(2000, 1, 1, tzinfo=timezone.utc))

    assert found == [
        KeyedBatch("k-1", "k-1@1700000005", ("+61400000102", "+61400000101")),
        KeyedBatch("k-2", f"k-2@{int(since.timestamp())}", ("+61400000103",)),
    ]
    assert hook.find_batches("", since) == found
    first, second, _ = (query_of(r) for r in http.request_history)
    assert (first["Date_From"], first["Direction"]) == (str(int(since.timestamp())), "Transmit")
    now = datetime.now(timezone.utc)
    assert int(first["Date_To"]) == pytest.approx((now + FONE_LOOKUP_AFTER).timestamp(), abs=5)
    window_start = (now - FONE_LOOKUP_BEFORE + timedelta(minutes=5)).timestamp()
    assert int(second["Date_From"]) == pytest.approx(window_start, abs=5)
