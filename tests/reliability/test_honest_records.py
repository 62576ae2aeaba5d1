"""Honest records after a failure: what any try sent is listed; an unreadable success is looked up first.

The sends go to the sandbox through the real vendor hooks; a :class:`FlakyHook` wraps one and fails the
calls a test names, as a broken network would, so that a try fails exactly where the test wants it to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsError, SmsServerError, SmsTransportError
from airflow_provider_sms.hooks.campaign import chunk_key
from airflow_provider_sms.hooks.sms import ChunkRecipient, SendChunk, SendOptions, SentChunk, SmsHook
from airflow_provider_sms.operators.send import PROGRESS_XCOM_KEY, SmsSendOperator, campaign_key
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import (
    SandboxServer,
    connection_env,
    fonedynamics_connection,
    sinch_connection,
)
from tests.reliability.conftest import CONN, VENDORS

NUMBERS = [f"+6140030{n:04d}" for n in range(1, 7)]  # three chunks of two


class FlakyHook:
    """A vendor hook whose look-ups and ``send_chunk`` calls fail where a test says, else pass through.

    :param hook: The real hook.
    :param failing_finds: Numbers (1-based) of the look-ups (``find_chunks`` listings and ``find_chunk``
        calls, counted together) that raise a network error; ``-1`` fails them all.
    :param failing_sends: Numbers (1-based) of the ``send_chunk`` calls that raise a 503.
    """

    def __init__(
        self, hook: SmsHook, failing_finds: set[int] | None = None, failing_sends: set[int] | None = None
    ):
        self._hook = hook
        self._failing_finds = failing_finds or set()
        self._failing_sends = failing_sends or set()
        self.finds = 0
        self.sends = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hook, name)

    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        self._look_up()
        return self._hook.find_chunk(key, since)

    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        self._look_up()
        return self._hook.find_chunks(key_prefix, since, chunks)

    def _look_up(self) -> None:
        self.finds += 1
        if self.finds in self._failing_finds or -1 in self._failing_finds:
            raise SmsTransportError(f"look-up {self.finds} failed: connection reset")

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        self.sends += 1
        if self.sends in self._failing_sends:
            raise SmsServerError(vendor=self._hook.vendor, status=503, method="POST", path="/send")
        return self._hook.send_chunk(chunk, options)


def run_try(
    vendor: str, hook: Any
) -> tuple[dict[str, Any] | None, BaseException | None, dict[str, Any] | None]:
    """Run one try of the same task instance; return its result, its error and its progress record."""
    ti = mock.Mock(dag_id="records", task_id="send", run_id=f"run-{vendor}", map_index=-1)
    operator = SmsSendOperator(
        task_id="send", sms_conn_id=CONN[vendor], to=NUMBERS, body="Honest", from_="Records", chunk_size=2
    )
    result = error = None
    with mock.patch("airflow_provider_sms.operators.send.SmsHook.for_connection", return_value=hook):
        try:
            result = operator.execute({"ti": ti})  # type: ignore[arg-type]
        except BaseException as exc:
            error = exc
    pushed = [c.kwargs["value"] for c in ti.xcom_push.call_args_list if c.kwargs["key"] == PROGRESS_XCOM_KEY]
    return result, error, (pushed[-1] if pushed else None)


def inbox_total(sandbox: SandboxServer) -> dict[str, int]:
    return {number: len(sandbox.inbox(number)) for number in NUMBERS}


@pytest.fixture
def reset(connections: SandboxServer) -> SandboxServer:
    connections.reset()
    return connections


def send_at_once(monkeypatch: pytest.MonkeyPatch, vendor: str, concurrent: int) -> None:
    """Let the vendor's reliability connection have ``concurrent`` chunk requests under way at once."""
    name = f"AIRFLOW_CONN_{CONN[vendor].upper()}"
    conn = json.loads(os.environ[name])
    conn["extra"] = {**conn["extra"], "max_concurrent_requests": concurrent}
    monkeypatch.setenv(name, json.dumps(conn))


@pytest.mark.parametrize("concurrent", [1, 4])
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_try_that_fails_on_its_first_look_up_still_lists_what_earlier_tries_sent(
    vendor: str, concurrent: int, reset: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_at_once(monkeypatch, vendor, concurrent)
    # Try 1 sends two chunks, then its third send gets a 503 (at once: any of the three chunks).
    first, error, record = run_try(vendor, FlakyHook(SmsHook.for_connection(CONN[vendor]), failing_sends={3}))
    assert first is None
    assert isinstance(error, SmsError)
    assert record is not None
    assert (record["chunks"], record["recipients"]) == (2, 4)
    # Try 2 fails on its very first look-up (each of its attempts); its record still lists the two chunks
    # try 1 sent, found by the record's own look-ups.
    flaky = FlakyHook(SmsHook.for_connection(CONN[vendor]), failing_finds={1, 2, 3})
    _, error, record = run_try(vendor, flaky)
    assert isinstance(error, SmsTransportError)
    assert record is not None
    assert (record["chunks"], record["recipients"], record["reused_chunks"]) == (2, 4, 2)
    assert "unchecked_from_chunk" not in record
    # Try 3 sends the rest: each number got one SMS.
    result, error, _ = run_try(vendor, SmsHook.for_connection(CONN[vendor]))
    assert error is None
    assert result is not None
    assert (result["chunks"], result["recipients"], result["reused_chunks"]) == (3, 6, 2)
    reset.advance(5)
    assert inbox_total(reset) == dict.fromkeys(NUMBERS, 1)


@pytest.mark.parametrize("concurrent", [1, 4])
@pytest.mark.parametrize("vendor", VENDORS)
def test_when_no_look_up_gets_through_the_record_says_what_it_could_not_check(
    vendor: str,
    concurrent: int,
    reset: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send_at_once(monkeypatch, vendor, concurrent)
    run_try(vendor, SmsHook.for_connection(CONN[vendor]))  # try 1 sends everything

    _, error, record = run_try(vendor, FlakyHook(SmsHook.for_connection(CONN[vendor]), failing_finds={-1}))

    assert isinstance(error, SmsTransportError)
    assert record is not None
    assert (record["chunks"], record["unchecked_from_chunk"]) == (0, 0)
    assert "from chunk 0 on nothing could be checked" in capsys.readouterr().out  # the task log


class CountingHook(FlakyHook):
    """Passes every call through, recording the number of each chunk it sends."""

    def __init__(self, hook: SmsHook) -> None:
        super().__init__(hook)
        self.sent_chunks: list[int] = []

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        self.sent_chunks.append(chunk.number)
        return super().send_chunk(chunk, options)


@pytest.mark.parametrize("concurrent", [1, 4])
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_re_run_after_a_try_that_sent_chunks_0_2_and_3_sends_only_chunk_1(
    vendor: str, concurrent: int, reset: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    send_at_once(monkeypatch, vendor, concurrent)
    numbers = [f"+6140031{n:04d}" for n in range(1, 9)]  # four chunks of two
    ti = mock.Mock(dag_id="records", task_id="send", run_id=f"subset-{vendor}-{concurrent}", map_index=-1)
    key = campaign_key(ti.dag_id, ti.task_id, ti.run_id, -1)
    hook = SmsHook.for_connection(CONN[vendor])
    # What a killed try with several chunks under way may leave: chunks 0, 2 and 3 sent, chunk 1 not.
    earlier = {}
    for number in (0, 2, 3):
        recipients = tuple(ChunkRecipient(p, numbers[p]) for p in (2 * number, 2 * number + 1))
        chunk = SendChunk(number, chunk_key(key, number), recipients)
        earlier[number] = hook.send_chunk(chunk, SendOptions(body="Subset", from_="Records")).batch_id
    counting = CountingHook(SmsHook.for_connection(CONN[vendor]))
    operator = SmsSendOperator(
        task_id="send", sms_conn_id=CONN[vendor], to=numbers, body="Subset", from_="Records", chunk_size=2
    )

    with mock.patch("airflow_provider_sms.operators.send.SmsHook.for_connection", return_value=counting):
        result = operator.execute({"ti": ti})  # type: ignore[arg-type]

    assert counting.sent_chunks == [1]
    assert (result["chunks"], result["recipients"], result["reused_chunks"]) == (4, 8, 3)
    assert [result["batch_ids"][n] for n in (0, 2, 3)] == [earlier[n] for n in (0, 2, 3)]
    reset.advance(5)
    assert [len(reset.inbox(n)) for n in numbers] == [1] * len(numbers)


def test_chunks_under_way_at_once_share_one_oauth2_token(
    reset: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = sinch_connection(reset.url, auth_type="oauth2")
    conn["extra"] = {**conn["extra"], "default_from": "Records", "max_concurrent_requests": 8}
    monkeypatch.setenv(*connection_env("oauth_at_once", conn))
    numbers = [f"+6140032{n:04d}" for n in range(1, 17)]
    operator = SmsSendOperator(
        task_id="send", sms_conn_id="oauth_at_once", to=numbers, body="Hi", chunk_size=2
    )
    ti = mock.Mock(dag_id="records", task_id="send", run_id="oauth", map_index=-1)

    result = operator.execute({"ti": ti})  # type: ignore[arg-type]

    assert (result["chunks"], result["recipients"]) == (8, 16)
    assert reset.stats()["counters"]["sinch.tokens_issued"] == 1  # fetched once, shared by every thread


# -- an empty or cut-short success to a send: look the key up before anything else -----------------------

BASE = "https://sms.test"
SINCH_BATCHES = f"{BASE}/xms/v1/{SandboxConfig().sinch_service_plan_id}/batches"
FONE_API = f"{BASE}/v2"


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[requests_mock.Mocker]:
    sinch = sinch_connection(BASE)
    sinch["extra"]["default_from"] = "Records"
    monkeypatch.setenv(*connection_env("mocked_sinch", sinch))
    monkeypatch.setenv(*connection_env("mocked_fone", fonedynamics_connection(BASE)))
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.mark.parametrize("reply", ["", '{"id": "01BATCH", "to": ["+6140'])
def test_an_unreadable_sinch_success_is_looked_up_not_sent_again(
    http: requests_mock.Mocker, reply: str
) -> None:
    found = {"id": "01BATCH", "to": [n.lstrip("+") for n in NUMBERS[:2]], "client_reference": "x"}
    http.get(
        SINCH_BATCHES, [{"json": {"batches": [], "count": 0}}, {"json": {"batches": [found], "count": 1}}]
    )
    http.post(SINCH_BATCHES, status_code=201, text=reply)
    operator = SmsSendOperator(task_id="send", sms_conn_id="mocked_sinch", to=NUMBERS[:2], body="Hi")
    ti = mock.Mock(dag_id="records", task_id="send", run_id="empty", map_index=-1)

    result = operator.execute({"ti": ti})  # type: ignore[arg-type]

    assert [r.method for r in http.request_history] == ["GET", "POST", "GET"]
    assert (result["batch_ids"], result["recipients"], result["reused_chunks"]) == (["01BATCH"], 2, 1)


def test_an_empty_fone_success_is_looked_up_not_sent_again(http: requests_mock.Mocker) -> None:
    sid = fonedynamics_connection(BASE)["extra"]["property_sid"]
    messages_url = f"{FONE_API}/Properties/{sid}/Messages"
    sent: list[dict[str, Any]] = []

    def listing(request: Any, context: Any) -> list[dict[str, Any]]:
        return sent if request.qs.get("results_skip", ["0"]) == ["0"] else []

    def accept(request: Any, context: Any) -> str:
        for position, message in enumerate(request.json()["Messages"]):
            sent.append(
                {"MessageSid": f"MS{position}", "To": message["To"], "ExternalId": message["ExternalId"]}
            )
        return ""

    http.get(messages_url, json=listing)
    http.post(f"{FONE_API}/Properties/{sid}/BatchMessages", status_code=200, text=accept)
    operator = SmsSendOperator(task_id="send", sms_conn_id="mocked_fone", to=NUMBERS[:2], body="Hi")
    ti = mock.Mock(dag_id="records", task_id="send", run_id="empty", map_index=-1)

    result = operator.execute({"ti": ti})  # type: ignore[arg-type]

    assert [r.method for r in http.request_history] == ["GET", "POST", "GET"]
    assert (result["recipients"], result["reused_chunks"]) == (2, 1)
