"""SinchHook: one method per endpoint, sending, tracking, find_batches and the batch lifecycle.

Unit tests stub HTTP with requests-mock; tracking, look-ups and lifecycle changes talk to the sandbox.
Reading the connection is in ``test_sinch_connection.py``.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.exceptions import SmsAuthenticationError, SmsRefusedError, SmsValidationError
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.hooks.sms import (
    ChunkRecipient,
    SendChunk,
    SendOptions,
    SentChunk,
    SmsHook,
)
from airflow_provider_sms.hooks.tracking import NOT_YET_REPORTED, KeyedBatch, PlannedChange
from airflow_provider_sms.models.sinch import SinchTextBatchRequest, SinchUpdateBatchRequest
from airflow_provider_sms.models.sms import NeutralStatus
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.hooks.conftest import SINCH_PLAN, SINCH_TOKEN, SetConnection

EU_BATCHES = f"https://eu.sms.api.sinch.com/xms/v1/{SINCH_PLAN}/batches"
BATCH = {"id": "01BATCH", "type": "mt_text", "to": ["61400000002"], "from": "Acme", "body": "Hi"}
EMPTY_PAGE = {"count": 0, "page": 0, "page_size": 1, "batches": []}
#: README.md, which lists the endpoint methods of each hook.
README = Path(__file__).parents[2] / "README.md"


def query_of(request: Any) -> dict[str, str]:
    """Return a request's query string as sent (requests-mock's ``qs`` lower-cases values)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


def in_hours(hours: float) -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours)


# -- one method per endpoint ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "http_method", "path", "response"),
    [
        ("send_batch", (), {"to": ["+61400000002"], "from_": "Acme", "body": "Hi"}, "POST", "", BATCH),
        ("dry_run", (), {"to": ["+61400000002"], "from_": "Acme", "body": "Hi"}, "POST", "/dry_run", {}),
        ("list_batches_page", (), {"page_size": 1}, "GET", "", EMPTY_PAGE),
        ("get_batch", ("01BATCH",), {}, "GET", "/01BATCH", BATCH),
        ("update_batch", ("01BATCH",), {"body": "New"}, "POST", "/01BATCH", BATCH),
        ("replace_batch", ("01BATCH",), {"to": ["+61400000002"], "body": "Hi"}, "PUT", "/01BATCH", BATCH),
        ("cancel_batch", ("01BATCH",), {}, "DELETE", "/01BATCH", BATCH),
        ("get_delivery_report", ("01BATCH",), {}, "GET", "/01BATCH/delivery_report", {"batch_id": "01BATCH"}),
        (
            "get_recipient_delivery_report",
            ("01BATCH", "+61400000002"),
            {},
            "GET",
            "/01BATCH/delivery_report/%2B61400000002",
            {"batch_id": "01BATCH", "recipient": "+61400000002", "code": 0, "status": "Delivered"},
        ),
    ],
)
def test_methods_make_the_client_request(
    sinch_token_conn: str,
    http: requests_mock.Mocker,
    method: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    http_method: str,
    path: str,
    response: dict[str, object],
) -> None:
    http.register_uri(http_method, EU_BATCHES + path, json=response)

    getattr(SinchHook(sms_conn_id=sinch_token_conn), method)(*args, **kwargs)

    assert [(r.method, r.url.split("?")[0]) for r in http.request_history] == [
        (http_method, EU_BATCHES + path)
    ]


def test_listing_methods_walk_every_page(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(EU_BATCHES, json={"count": 1, "page": 0, "page_size": 30, "batches": [BATCH]})
    reports_url = EU_BATCHES.replace("/batches", "/delivery_reports")
    http.get(reports_url, json={"count": 0, "page": 0, "page_size": 30, "delivery_reports": []})
    hook = SinchHook(sms_conn_id=sinch_token_conn)

    assert [b.id for b in hook.list_batches(client_reference="k")] == ["01BATCH"]
    assert list(hook.list_delivery_reports(status="Failed")) == []
    assert hook.list_delivery_reports_page(page_size=5).delivery_reports == []
    assert [r.url.split("?")[0] for r in http.request_history] == [EU_BATCHES, reports_url, reports_url]


def test_delivery_feedback_posts_the_recipients(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.post(EU_BATCHES + "/01BATCH/delivery_feedback", status_code=202)

    SinchHook(sms_conn_id=sinch_token_conn).send_delivery_feedback("01BATCH", ["+61400000002"])

    assert http.last_request.json() == {"recipients": ["+61400000002"]}


def test_errors_propagate_from_endpoint_methods(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(EU_BATCHES + "/01BATCH", status_code=401, json={"code": "unauthorized", "text": "no"})

    with pytest.raises(SmsAuthenticationError):
        SinchHook(sms_conn_id=sinch_token_conn).get_batch("01BATCH")


CLIENT_METHODS = sorted(
    name
    for name, _ in inspect.getmembers(SinchClient, inspect.isfunction)
    if not name.startswith("_") and name != "close"
)


@pytest.mark.parametrize("name", CLIENT_METHODS)
def test_each_endpoint_is_a_hook_method_with_the_clients_real_parameters(name: str) -> None:
    method = SinchHook.__dict__[name]
    hook_parameters = inspect.signature(method).parameters
    client_parameters = inspect.signature(getattr(SinchClient, name)).parameters

    assert inspect.isfunction(method)
    assert [(p.name, p.kind, p.default) for p in hook_parameters.values()] == [
        (p.name, p.kind, p.default) for p in client_parameters.values()
    ]
    assert method.__doc__


class RecordingClient:
    """Stands in for ``SinchClient``: records each call and returns its name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    def __getattr__(self, name: str) -> Callable[..., str]:
        def record(*args: object, **kwargs: object) -> str:
            self.calls.append((name, args, kwargs))
            return f"result of {name}"

        return record


#: Endpoint methods that return the neutral ``InboundSms`` instead of the client's vendor model (tested with
#: HTTP in tests/hooks/test_inbound.py).
NEUTRAL_RESULTS = {"get_inbound", "list_inbounds"}


@pytest.mark.parametrize("name", CLIENT_METHODS)
def test_each_endpoint_method_calls_the_client_method_of_its_name(name: str) -> None:
    hook = SinchHook(sms_conn_id="unused")
    client = RecordingClient()
    hook._client = client  # type: ignore[assignment]
    parameters = list(inspect.signature(getattr(SinchHook, name)).parameters.values())[1:]
    args = [f"arg-{p.name}" for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]

    if name in NEUTRAL_RESULTS:
        with pytest.raises(AttributeError):  # the recorded "result" is a str, not a vendor model to convert
            list(getattr(hook, name)(*args))
        result: object = f"result of {name}"
    else:
        result = getattr(hook, name)(*args)

    assert (result, [(call[0], call[1][: len(args)]) for call in client.calls]) == (
        None if name == "send_delivery_feedback" else f"result of {name}",
        [(name, tuple(args))],
    )


def test_every_sinch_method_the_readme_lists_exists() -> None:
    listed = re.search(r"^- Sinch: (.*?)\.\n", README.read_text(encoding="utf-8"), re.M | re.S)

    assert listed is not None
    names = re.findall(r"`(\w+)`", listed.group(1))
    assert len(names) == 11
    assert set(names) <= set(CLIENT_METHODS)
    for name in names:
        assert inspect.isfunction(SinchHook.__dict__.get(name)), name


# -- sending: a chunk is one batch keyed by its client_reference ------------------------------------------

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


def batch(batch_id: str, to: list[str], key: str | None = KEY) -> dict[str, Any]:
    """Return a batch resource as Sinch returns it."""
    return {
        "id": batch_id,
        "type": "mt_text",
        "to": [n.lstrip("+") for n in to],
        "from": "Acme",
        "body": "Hi",
        "client_reference": key,
    }


def page(*batches: dict[str, Any]) -> dict[str, Any]:
    return {"count": len(batches), "page": 0, "page_size": 100, "batches": list(batches)}


@pytest.fixture
def hook(set_connection: SetConnection) -> SinchHook:
    conn_id = set_connection(
        "sinch_sending",
        "sinch",
        login=SINCH_PLAN,
        password=SINCH_TOKEN,
        extra={"region": "eu", "default_from": "ConnSender"},
    )
    return SinchHook(sms_conn_id=conn_id)


def test_chunk_sizes_and_message_parts(hook: SinchHook) -> None:
    assert (hook.max_chunk_size(individual=False), hook.max_chunk_size(individual=True)) == (1000, 1)
    assert hook.message_parts("x" * 200, SendOptions()) == 2
    assert hook.message_parts("x" * 200, SendOptions(vendor={"truncate_concat": True})) == 1


def test_send_chunk_posts_one_batch_keyed_by_client_reference_with_the_used_parameters(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.post(EU_BATCHES, json=batch("01BATCH", [r.to for r in CHUNK.recipients]))

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
    send_at = in_hours(2)
    vendor_options = {
        "delivery_report": "per_recipient",
        "callback_url": "https://example.com/reports",
        "flash_message": False,
        "max_number_of_message_parts": 3,
        "truncate_concat": False,
        "feedback_enabled": True,
    }
    options = SendOptions(
        body="Plain text", send_at=send_at, expire_at=send_at + timedelta(hours=3), vendor=vendor_options
    )
    http.post(EU_BATCHES, json=batch("01BATCH", ["+61400000101"]))

    hook.check_send_options(options)
    hook.send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), options)

    body = http.last_request.json()
    assert body["from"] == "ConnSender"
    assert "parameters" not in body
    assert datetime.fromisoformat(body.pop("send_at").replace("Z", "+00:00")) == send_at
    expire_at = datetime.fromisoformat(body.pop("expire_at").replace("Z", "+00:00"))
    assert expire_at == send_at + timedelta(hours=3)
    assert {
        k: v for k, v in body.items() if k not in ("to", "from", "body", "type", "client_reference")
    } == vendor_options


def test_without_any_sender_a_chunk_is_refused_before_any_request(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    conn_id = set_connection(
        "sinch_nofrom", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra={"region": "eu"}
    )
    hook = SinchHook(sms_conn_id=conn_id)
    chunk = SendChunk(0, KEY, CHUNK.recipients[:1])

    for attempt in (
        lambda: hook.send_chunk(chunk, SendOptions(body="Hi")),
        lambda: hook.preview_chunk(chunk, SendOptions(body="Hi")),
        lambda: hook.validate_chunk(chunk, SendOptions(body="Hi"), datetime.now(timezone.utc)),
    ):
        with pytest.raises(SmsValidationError) as caught:
            attempt()
        [problem] = caught.value.problems
        assert problem.field == "from_"
        assert "extra.default_from on connection 'sinch_nofrom'" in problem.rule
        assert "extra.has_default_originator" in problem.rule
        assert "code 410" in problem.rule
    assert http.call_count == 0


def test_a_plan_with_a_default_originator_sends_without_from(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    extra = {"region": "eu", "has_default_originator": True}
    conn_id = set_connection("sinch_plan_from", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra=extra)
    http.post(EU_BATCHES, json=batch("01BATCH", ["+61400000101"]))

    SinchHook(sms_conn_id=conn_id).send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), SendOptions(body="Hi"))

    assert "from" not in http.last_request.json()


def test_the_connections_default_sender_is_used_when_the_task_gives_none(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    extra = {"region": "eu", "default_from": "Acme"}
    conn_id = set_connection(
        "sinch_default_from", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra=extra
    )
    http.post(EU_BATCHES, json=batch("01BATCH", ["+61400000101"]))

    SinchHook(sms_conn_id=conn_id).send_chunk(SendChunk(0, KEY, CHUNK.recipients[:1]), SendOptions(body="Hi"))

    assert http.last_request.json()["from"] == "Acme"


def test_an_individual_message_is_its_own_batch_without_parameters(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(7, KEY, (ChunkRecipient(7, "+61400000101", {"name": "x"}, body="Own ${name} text"),))
    http.post(EU_BATCHES, json=batch("01OWN", ["+61400000101"]))

    hook.send_chunk(chunk, SendOptions(from_="Acme"))

    body = http.last_request.json()
    assert (body["body"], body["to"], body["client_reference"]) == ("Own ${name} text", ["+61400000101"], KEY)
    assert "parameters" not in body


def test_find_chunk_lists_batches_by_client_reference_over_the_list_window(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.get(EU_BATCHES, json={"count": 0, "page": 0, "page_size": 30, "batches": []})
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
    first, later = batch("01FIRST", ["+61400000101", "+61400000102"]), batch("01LATER", ["+61400000103"])
    http.get(EU_BATCHES, json={**page(first, later), "page_size": 30})

    found = hook.find_chunk(KEY)

    assert found == SentChunk(key=KEY, batch_id="01FIRST", accepted=2, found=True)
    assert http.call_count == 1


def test_preview_asks_the_dry_run_per_recipient_and_maps_numbers_to_positions(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.post(
        EU_BATCHES + "/dry_run",
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
    hook.validate_chunk(CHUNK, OPTIONS, datetime.now(timezone.utc))

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
            SendOptions(body="Hi", vendor={"max_number_of_message_parts": 0}),
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


def test_a_chunk_of_checked_numbers_is_posted_as_the_whole_model_would_be(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    numbers = [f"+6140000{n:04d}" for n in range(1000)]
    recipients = tuple(ChunkRecipient(i, n) for i, n in enumerate(numbers))
    options = SendOptions(body="Hi", from_="Acme", vendor={"delivery_report": "full"})
    http.post(EU_BATCHES, status_code=201, json=batch("01NEW", numbers))

    sent = hook.send_chunk(SendChunk(0, KEY, recipients, numbers), options)

    whole = hook.send_chunk  # the same chunk, its numbers not marked as checked: the model is built whole
    http.post(EU_BATCHES, status_code=201, json=batch("01WHOLE", numbers))
    whole(SendChunk(0, KEY, recipients), options)
    fast_body, whole_body = (r.json() for r in http.request_history)
    assert fast_body == whole_body
    assert fast_body["to"] == numbers
    assert (fast_body["from"], fast_body["delivery_report"]) == ("Acme", "full")
    assert (sent.batch_id, sent.accepted) == ("01NEW", 1000)


def test_a_chunk_of_checked_numbers_still_has_its_shared_fields_checked(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    chunk = SendChunk(0, KEY, (ChunkRecipient(0, "+61400000101"),), ["+61400000101"])
    options = SendOptions(body="Hi", expire_at=datetime(2020, 1, 1, tzinfo=timezone.utc))

    with pytest.raises(SmsValidationError, match=r"expire_at=\S+: must be after now"):
        hook.validate_chunk(chunk, options, datetime(2025, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(SmsValidationError, match=r"expire_at=\S+: must be after now"):
        hook.send_chunk(chunk, options)  # checked against the time of sending

    assert http.call_count == 0


# -- tracking, against the sandbox's delivery reports -----------------------------------------------------


@pytest.fixture
def sandbox_sinch(sandbox_hook: Callable[[str], SmsHook]) -> SinchHook:
    hook = sandbox_hook("sinch")
    assert isinstance(hook, SinchHook)
    return hook


def settle(hook: SmsHook, batch_id: str) -> None:
    deadline = time.monotonic() + 10
    while not hook.batch_status(batch_id).complete and time.monotonic() < deadline:
        time.sleep(0.1)


def test_batch_status_counts_each_state_and_is_complete_once_all_final(sandbox_sinch: SinchHook) -> None:
    batch_id = sandbox_sinch.send_batch(
        to=["+61400000001", "+61400000002", "+61400000013"], from_="Alerts", body="x"
    ).id

    settle(sandbox_sinch, batch_id)
    status = sandbox_sinch.batch_status(batch_id)

    assert status.complete
    assert (status.total, status.final) == (3, 3)
    assert status.by_status() == {"delivered": 2, "failed": 1}
    assert status.by_vendor_status() == {"Delivered": 2, "Failed": 1}


def test_a_scheduled_batch_is_pending_and_not_complete(sandbox_sinch: SinchHook) -> None:
    batch_id = sandbox_sinch.send_batch(to=["+61400000001"], from_="Alerts", body="x", send_at=in_hours(2)).id

    status = sandbox_sinch.batch_status(batch_id)

    assert not status.complete
    assert status.by_status() == {"pending": 1}


def test_recipient_states_lists_every_reported_recipient_and_pads_asked_ones(
    sandbox_sinch: SinchHook,
) -> None:
    batch_id = sandbox_sinch.send_batch(to=["+61400000001", "+61400000013"], from_="Alerts", body="x").id
    settle(sandbox_sinch, batch_id)

    every = {s.recipient: s.state.status for s in sandbox_sinch.recipient_states(batch_id)}
    asked = sandbox_sinch.recipient_states(batch_id, ["+61400000013", "+61400000077"])

    assert every == {"+61400000001": NeutralStatus.DELIVERED, "+61400000013": NeutralStatus.FAILED}
    assert [(s.recipient, s.state.status) for s in asked] == [
        ("+61400000013", NeutralStatus.FAILED),
        ("+61400000077", NeutralStatus.PENDING),
    ]
    assert asked[1].state == NOT_YET_REPORTED
    assert "+61400000013" not in repr(asked[0])


def test_failed_recipients_are_the_failed_and_expired_numbers_by_their_best_state(
    sandbox: SandboxServer, sandbox_sinch: SinchHook
) -> None:
    sent_now = sandbox_sinch.send_batch(
        to=["+61400000001", "+61400000013", "+61400000099"], from_="Alerts", body="x", expire_at=in_hours(1)
    ).id
    scheduled = sandbox_sinch.send_batch(
        to=["+61400000013"], from_="Alerts", body="x", send_at=in_hours(5)
    ).id
    sandbox.advance(2 * 3600)

    assert sandbox_sinch.failed_recipients([sent_now, scheduled]) == ["+61400000013", "+61400000099"]
    assert sandbox_sinch.failed_recipients([sent_now], statuses=("failed",)) == ["+61400000013"]
    assert sandbox_sinch.failed_recipients([scheduled]) == []


# -- find_batches: the batches of a key prefix since a date -----------------------------------------------


def test_find_batches_lists_the_window_and_keeps_the_prefix(sandbox_sinch: SinchHook) -> None:
    sent = {
        key: sandbox_sinch.send_chunk(SendChunk(0, key, CHUNK.recipients[:n]), OPTIONS).batch_id
        for n, key in ((1, "camp-a-c0"), (2, "camp-a-c1"), (1, "camp-b-c0"))
    }
    sandbox_sinch.send_batch(to=["+61400000101"], from_="Alerts", body="no key")

    found = sandbox_sinch.find_batches("camp-a-", datetime.now(timezone.utc) - timedelta(hours=1))

    assert sorted(found, key=lambda b: b.key) == [
        KeyedBatch("camp-a-c0", sent["camp-a-c0"], ("+61400000101",)),
        KeyedBatch("camp-a-c1", sent["camp-a-c1"], ("+61400000101", "+61400000102")),
    ]
    long_ago = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert sorted(b.key for b in sandbox_sinch.find_batches("camp-", long_ago)) == sorted(sent)
    assert sandbox_sinch.find_batches("camp-a-", datetime.now(timezone.utc) + timedelta(hours=1)) == []


def test_find_batches_starts_no_earlier_than_the_list_window_allows(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.get(
        EU_BATCHES, json=page(batch("01A", ["+61400000101"], "k-1"), batch("01B", ["+61400000102"], None))
    )
    before = datetime.now(timezone.utc)

    found = hook.find_batches("k-", datetime(2000, 1, 1, tzinfo=timezone.utc))

    query = query_of(http.last_request)
    start = datetime.fromisoformat(query.pop("start_date").replace("Z", "+00:00"))
    assert before - LIST_WINDOW < start <= datetime.now(timezone.utc) - LIST_WINDOW + timedelta(minutes=5)
    assert query == {"page": "0", "page_size": "100"}
    assert found == [KeyedBatch("k-1", "01A", ("+61400000101",))]


def test_find_batches_of_an_empty_prefix_gives_every_keyed_batch_and_no_other(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    keyed, unkeyed = batch("01A", ["+61400000101"], "k-1"), batch("01B", ["+61400000102"], None)
    http.get(EU_BATCHES, json=page(keyed, unkeyed, {**unkeyed, "id": "01C", "client_reference": ""}))

    assert hook.find_batches("", datetime.now(timezone.utc)) == [KeyedBatch("k-1", "01A", ("+61400000101",))]


# -- changing batches already sent: plan (validate, read) first, then apply -------------------------------


def scheduled(hook: SinchHook, to: list[str], **fields: Any) -> str:
    """Send a batch scheduled two hours ahead and return its id."""
    fields = {"from_": "Acme", "body": "Old", "send_at": in_hours(2), **fields}
    return str(hook.send_batch(to=to, **fields).id)


def test_plan_replace_keeps_what_each_batch_had_and_changes_nothing_until_applied(
    sandbox_sinch: SinchHook,
) -> None:
    send_at = in_hours(2)
    first = scheduled(
        sandbox_sinch,
        ["+61400000001", "+61400000002"],
        send_at=send_at,
        client_reference="camp-c0",
        feedback_enabled=True,
        delivery_report="full",
        callback_url="http://127.0.0.1:9/reports",
    )
    second = scheduled(sandbox_sinch, ["+61400000003"], send_at=send_at, client_reference="camp-c1")

    changes = sandbox_sinch.plan_replace([first, second], {"body": "New", "to": None})

    assert [(c.batch_id, c.action) for c in changes] == [(first, "replace"), (second, "replace")]
    request = changes[0].request
    assert isinstance(request, SinchTextBatchRequest)
    assert (request.to, request.from_, request.body) == (["+61400000001", "+61400000002"], "Acme", "New")
    assert (request.client_reference, request.send_at, request.feedback_enabled) == ("camp-c0", send_at, True)
    assert (request.delivery_report, request.callback_url) == ("full", "http://127.0.0.1:9/reports")
    assert sandbox_sinch.get_batch(first).body == "Old"

    outcomes = [sandbox_sinch.apply_change(change) for change in changes]

    assert outcomes == [{"outcome": "replaced", "recipients": 2}, {"outcome": "replaced", "recipients": 1}]
    replaced = sandbox_sinch.get_batch(second)
    assert (replaced.body, [n.lstrip("+") for n in replaced.to], replaced.send_at) == (
        "New",
        ["61400000003"],
        send_at,
    )


def test_a_replacement_takes_the_connection_sender_and_drops_a_send_time_gone_by(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    gone_by = {**batch("B1", ["+61400000001"]), "send_at": "2020-01-01T00:00:00.000Z"}
    del gone_by["from"]
    http.get(EU_BATCHES + "/B1", json=gone_by)

    (change,) = hook.plan_replace(["B1"], {"body": "New"})

    assert isinstance(change.request, SinchTextBatchRequest)
    assert (change.request.from_, change.request.send_at) == ("ConnSender", None)


def test_new_recipients_of_a_replacement_need_a_single_batch_and_are_checked_before_any_request(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    with pytest.raises(SmsValidationError, match="to=<1 numbers>: applies to one batch only, but 2 batches"):
        hook.plan_replace(["B1", "B2"], {"body": "x", "to": ["+61400000001"]})
    with pytest.raises(
        SmsValidationError, match=r"to\[1\]=61400\*\*\*002: looks like a phone number without"
    ):
        hook.plan_replace(["B1"], {"body": "x", "to": ["+61400000001", "61400000002"]})
    with pytest.raises(SmsValidationError, match="body='': must contain at least one non-space character"):
        hook.plan_replace(["B1"], {"body": ""})

    assert http.request_history == []


def test_a_batch_already_dispatched_cannot_be_replaced_or_updated(sandbox_sinch: SinchHook) -> None:
    batch_id = str(sandbox_sinch.send_batch(to=["+61400000001"], from_="Acme", body="Now").id)
    (replace,) = sandbox_sinch.plan_replace([batch_id], {"body": "Too late"})
    (update,) = sandbox_sinch.plan_update([batch_id], {"body": "Too late"})

    for change in (replace, update):
        with pytest.raises(
            SmsRefusedError, match=f"Sinch batch {batch_id} was already dispatched or cancelled"
        ):
            sandbox_sinch.apply_change(change)


def test_plan_update_validates_the_change_once_and_apply_changes_only_the_given_fields(
    sandbox_sinch: SinchHook,
) -> None:
    batch_id = scheduled(sandbox_sinch, ["+61400000001"], client_reference="camp-c0")

    (change,) = sandbox_sinch.plan_update([batch_id], {"to_add": [61400000005], "body": None})

    assert isinstance(change.request, SinchUpdateBatchRequest)
    assert (change.request.to_add, change.request.body) == (["+61400000005"], None)
    assert sandbox_sinch.apply_change(change) == {"outcome": "updated", "recipients": 2}
    updated = sandbox_sinch.get_batch(batch_id)
    assert (sorted(n.lstrip("+") for n in updated.to), updated.body, updated.client_reference) == (
        ["61400000001", "61400000005"],
        "Old",
        "camp-c0",
    )


def test_plan_update_refuses_bad_changes_before_any_request(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    with pytest.raises(SmsValidationError, match="to_add=<1 numbers>: applies to one batch only, but 2"):
        hook.plan_update(["B1", "B2"], {"to_add": ["+61400000001"]})
    with pytest.raises(SmsValidationError, match=r"to_add\[0\]=04001\*\*456"):
        hook.plan_update(["B1"], {"to_add": ["0400123456"]})

    assert http.request_history == []


def test_cancel_says_from_the_report_how_many_messages_it_stopped(sandbox_sinch: SinchHook) -> None:
    waiting = scheduled(sandbox_sinch, ["+61400000001", "+61400000002"])
    gone = str(sandbox_sinch.send_batch(to=["+61400000003"], from_="Acme", body="Now").id)
    settle(sandbox_sinch, gone)

    changes = sandbox_sinch.plan_cancel([waiting, gone])

    assert changes == [PlannedChange(waiting, "cancel"), PlannedChange(gone, "cancel")]
    assert [sandbox_sinch.apply_change(c) for c in changes] == [
        {"outcome": "cancelled", "messages": 2, "cancelled": 2, "not_cancelled": {}},
        {"outcome": "already_final", "messages": 1, "cancelled": 0, "not_cancelled": {"Delivered": 1}},
    ]
    assert sandbox_sinch.batch_status(waiting).by_status() == {"cancelled": 2}


def test_a_cancel_some_of_whose_messages_had_gone_out_is_partly_cancelled(
    hook: SinchHook, http: requests_mock.Mocker
) -> None:
    http.delete(EU_BATCHES + "/B1", json=batch("B1", ["+61400000001"]))
    statuses = [
        {"code": 407, "status": "Cancelled", "count": 2},
        {"code": 0, "status": "Delivered", "count": 1},
        {"code": 400, "status": "Dispatched", "count": 1},
    ]
    http.get(EU_BATCHES + "/B1/delivery_report", json={"batch_id": "B1", "statuses": statuses})

    outcome = hook.apply_change(PlannedChange("B1", "cancel"))

    assert outcome == {
        "outcome": "partly_cancelled",
        "messages": 4,
        "cancelled": 2,
        "not_cancelled": {"Delivered": 1, "Dispatched": 1},
    }


def test_plan_feedback_assigns_each_number_to_the_batch_holding_it(
    sandbox: SandboxServer, sandbox_sinch: SinchHook
) -> None:
    first = scheduled(sandbox_sinch, ["+61400000001", "+61400000002"], feedback_enabled=True, send_at=None)
    second = scheduled(sandbox_sinch, ["+61400000003"], feedback_enabled=True, send_at=None)
    settle(sandbox_sinch, first)

    changes = sandbox_sinch.plan_feedback([first, second], ["+61400000002", 61400000003])
    every = sandbox_sinch.plan_feedback([first, second], [])

    assert changes == [
        PlannedChange(first, "feedback", ["+61400000002"]),
        PlannedChange(second, "feedback", ["+61400000003"]),
    ]
    assert every == [PlannedChange(first, "feedback", []), PlannedChange(second, "feedback", [])]
    assert sandbox_sinch.apply_change(changes[0]) == {"outcome": "reported", "recipients": 1}
    assert sandbox_sinch.apply_change(every[1]) == {"outcome": "reported", "recipients": "all"}
    assert sandbox.stats()["counters"]["sinch.delivery_feedback"] == 2


def test_plan_feedback_refuses_numbers_outside_the_batches_and_batches_without_feedback(
    sandbox_sinch: SinchHook,
) -> None:
    with_feedback = scheduled(sandbox_sinch, ["+61400000001"], feedback_enabled=True)
    without = scheduled(sandbox_sinch, ["+61400000002"], feedback_enabled=False)

    with pytest.raises(SmsValidationError) as outsider:
        sandbox_sinch.plan_feedback([with_feedback], ["+61400000001", "+61400000777"])
    with pytest.raises(SmsValidationError) as disabled:
        sandbox_sinch.plan_feedback([with_feedback, without], [])

    assert [str(p) for p in outsider.value.problems] == [
        "recipients[1]=+6140****777: is not a recipient of the batch"
    ]
    assert [str(p) for p in disabled.value.problems] == [
        f"batch_id[1]={without!r}: the batch was sent without feedback_enabled"
    ]
