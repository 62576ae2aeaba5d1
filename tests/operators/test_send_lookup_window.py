"""The idempotency look-up reads what the task instance's tries can have sent, not the account's history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from airflow_provider_sms.exceptions import SmsRateLimitError
from airflow_provider_sms.hooks.campaign import chunk_key
from airflow_provider_sms.hooks.sinch import SinchHook
from airflow_provider_sms.hooks.sms import (
    LOOKUP_CLOCK_SKEW,
    ChunkRecipient,
    SendChunk,
    SendOptions,
    SmsHook,
    earliest_send,
)
from airflow_provider_sms.operators.send import SmsSendOperator, campaign_key
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.e2e.send_helpers import inbox_counts, numbers, use_vendor

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def context(run_after: datetime | None, run_start: datetime | None, try_start: datetime | None) -> Any:
    ti = SimpleNamespace(dag_id="dag", task_id="send", run_id="run1", map_index=-1, start_date=try_start)
    ti.xcom_push = lambda **kwargs: None
    return {"ti": ti, "dag_run": SimpleNamespace(run_after=run_after, start_date=run_start)}


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ((T0, T0 + timedelta(hours=2), T0 + timedelta(days=3)), T0),  # a retry days later
        ((T0, None, T0 + timedelta(hours=5)), T0),  # a cleared run: its start_date was reset
        ((T0 + timedelta(hours=1), T0, T0 + timedelta(hours=1)), T0),  # dag.test(): run_after given late
        ((None, None, T0), T0),
        ((None, None, None), None),
    ],
)
def test_earliest_send_is_the_earliest_time_the_context_knows(
    times: tuple[datetime | None, ...], expected: datetime | None
) -> None:
    assert earliest_send(context(*times)) == expected


def test_earliest_send_ignores_what_is_not_an_aware_datetime() -> None:
    later = T0 + timedelta(hours=1)
    assert earliest_send(context(T0.replace(tzinfo=None), "2026-03-01", later)) == later


@pytest.fixture
def sent_requests() -> Iterator[list[requests.PreparedRequest]]:
    """Record every HTTP request this process sends from now on."""
    sent: list[requests.PreparedRequest] = []
    original = HTTPAdapter.send

    def recording(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        sent.append(request)
        return original(adapter, request, *args, **kwargs)

    HTTPAdapter.send = recording  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


@pytest.fixture
def request_count(sent_requests: list[requests.PreparedRequest]) -> Callable[[], int]:
    """Count every HTTP request this process sends from now on."""
    return lambda: len(sent_requests)


@pytest.fixture
def sandbox_hook(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], SmsHook]:
    """Return a function giving the hook of a ``sinch`` or ``fonedynamics`` connection to the sandbox."""
    return lambda vendor: SmsHook.for_connection(use_vendor(monkeypatch, sandbox, vendor))


def sandbox_now(sandbox: SandboxServer) -> datetime:
    return datetime.fromisoformat(sandbox.stats()["now"]).astimezone(timezone.utc)


def seed_older_messages(sandbox: SandboxServer, count: int) -> None:
    """Send ``count`` messages of other campaigns, 1,000 a request, straight to the sandbox."""
    cfg = sandbox.config
    with requests.Session() as session:
        session.auth = (cfg.fone_account_sid, cfg.fone_token)
        for start in range(0, count, 1000):
            messages = [
                {"From": "Acme", "To": number, "Text": "older", "ExternalId": f"older-{start}-c0.{i}"}
                for i, number in enumerate(numbers(1000, start=start))
            ]
            url = f"{sandbox.url}/v2/Properties/{cfg.fone_property_sid}/BatchMessages"
            session.post(url, json={"Messages": messages}, timeout=60).raise_for_status()


def test_fifty_thousand_older_messages_cost_the_fone_look_up_one_request(
    sandbox: SandboxServer,
    sandbox_hook: Callable[[str], SmsHook],
    request_count: Callable[[], int],
) -> None:
    seed_older_messages(sandbox, 50_000)
    sandbox.advance(3600)
    started = sandbox_now(sandbox)
    hook = sandbox_hook("fonedynamics")
    key = chunk_key("sms-send-0123456789abcdef", 0)
    chunk = SendChunk(0, key, tuple(ChunkRecipient(i, n) for i, n in enumerate(numbers(3, start=90_000))))
    hook.send_chunk(chunk, SendOptions(body="campaign", from_="Acme"))

    before = request_count()
    found = hook.find_chunk(key, since=started)
    windowed = request_count() - before

    assert found is not None
    assert (found.accepted, found.found_indexes) == (3, frozenset({0, 1, 2}))
    assert windowed == 1  # one page: the campaign's own messages; the 50,000 older ones are not read
    # Without the campaign's window the look-up pages through the property's history (250+ requests);
    # one page of it shows the older messages are there to be read.
    page = hook.list_messages_page(date_from=started - timedelta(days=1), date_to=started, results_count=5)
    assert len(page) == 5


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_a_look_up_from_after_a_send_does_not_see_it_and_one_from_before_does(
    sandbox: SandboxServer, sandbox_hook: Callable[[str], SmsHook], vendor: str
) -> None:
    hook = sandbox_hook(vendor)
    key = chunk_key("sms-send-fedcba9876543210", 0)
    sent_at = sandbox_now(sandbox)
    chunk = SendChunk(0, key, (ChunkRecipient(0, numbers(1, start=91_000)[0]),))
    hook.send_chunk(chunk, SendOptions(body="window", from_="Acme"))
    sandbox.advance(3600)

    assert hook.find_chunk(key, since=sent_at + LOOKUP_CLOCK_SKEW + timedelta(minutes=30)) is None
    assert hook.find_chunk(key, since=sent_at + LOOKUP_CLOCK_SKEW - timedelta(seconds=30)) is not None
    assert hook.find_chunk(key, since=sent_at) is not None


@pytest.mark.parametrize("vendor", ["sinch", "fonedynamics"])
def test_a_try_after_a_failed_one_hours_later_finds_what_it_sent_through_the_runs_run_after(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, vendor, max_retries=0)
    recipients = numbers(10, start=92_000)  # chunks of 4: three requests
    operator = SmsSendOperator(
        task_id="send", sms_conn_id=conn_id, to=recipients, body="Once", from_="SmsTest", chunk_size=4
    )
    first_try = sandbox_now(sandbox)
    # The first chunk's look-up and send pass; the second chunk's send is refused (429) and, without
    # retries, ends the try after one chunk went out, like a try killed there.
    sandbox.set_faults(rate_limit_per_s=2)
    with pytest.raises(SmsRateLimitError):
        operator.execute(context(first_try, first_try, first_try))
    sandbox.clear_faults()
    sandbox.advance(2 * 3600)
    # The next try starts two hours later in a run whose start_date a clear reset: only run_after
    # still reaches back to the first try.
    later = sandbox_now(sandbox)

    result = operator.execute(context(first_try, later, later))

    assert (result["reused_chunks"], result["recipients"]) == (1, len(recipients))
    sandbox.advance(5)
    assert inbox_counts(sandbox, recipients) == {1: len(recipients)}


def seed_other_batches(sandbox: SandboxServer, count: int) -> None:
    """Create ``count`` Sinch batches of other sends, one request each, straight to the sandbox."""
    cfg = sandbox.config
    url = f"{sandbox.url}/xms/v1/{cfg.sinch_service_plan_id}/batches"
    batch = {"from": "Acme", "to": numbers(1, start=95_000), "body": "other"}
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {cfg.sinch_api_token}"
        for n in range(count):
            session.post(
                url, json={**batch, "client_reference": f"other-c{n}"}, timeout=30
            ).raise_for_status()


def test_a_sinch_re_run_on_a_busy_account_looks_its_keys_up_instead_of_listing_every_batch(
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    sandbox_hook: Callable[[str], SmsHook],
    sent_requests: list[requests.PreparedRequest],
) -> None:
    conn_id = use_vendor(monkeypatch, sandbox, "sinch")
    recipients = numbers(10, start=93_000)  # chunks of 4: keys -c0, -c1, -c2
    operator = SmsSendOperator(
        task_id="send", sms_conn_id=conn_id, to=recipients, body="Once", from_="SmsTest", chunk_size=4
    )
    first_try = sandbox_now(sandbox)
    # An earlier try sent chunks 0 and 2, not 1; then the account sent 450 batches of other sends.
    hook, key = sandbox_hook("sinch"), campaign_key("dag", "send", "run1", -1)
    assert isinstance(hook, SinchHook)
    for number in (0, 2):
        positions = range(len(recipients))[4 * number : 4 * number + 4]
        chunk = SendChunk(
            number, chunk_key(key, number), tuple(ChunkRecipient(i, recipients[i]) for i in positions)
        )
        hook.send_chunk(chunk, SendOptions(body="Once", from_="SmsTest"))
    seed_other_batches(sandbox, 450)
    listing = hook.list_batches_page(start_date=first_try - LOOKUP_CLOCK_SKEW, page_size=100)
    assert listing.count == 452  # listing them all would take 5 requests
    sandbox.advance(60)
    this_try = context(first_try, first_try, sandbox_now(sandbox))
    del sent_requests[:]

    result = operator.execute(this_try)

    queries = [parse_qs(urlsplit(r.url or "").query) for r in sent_requests]
    references = [q.get("client_reference", ["(all)"])[0].removeprefix(key) for q in queries]
    # The listing's first page, then each of the send's 3 keys: the earlier batches are not on that page.
    assert [(r.method, ref) for r, ref in zip(sent_requests, references, strict=True)] == [
        ("GET", "(all)"),
        ("GET", "-c0"),
        ("GET", "-c1"),
        ("GET", "-c2"),
        ("POST", "(all)"),  # chunk 1, the only one missing
    ]
    assert queries[0]["page_size"] == ["100"]
    assert (result["reused_chunks"], result["recipients"]) == (2, len(recipients))
    sandbox.advance(5)
    assert inbox_counts(sandbox, recipients) == {1: len(recipients)}
