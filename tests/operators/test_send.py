"""SmsSendOperator with a stub vendor hook: lookups, resume, ambiguous results, policies, errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest

from airflow_provider_sms.exceptions import SmsAmbiguousResultError, SmsCapabilityError, SmsServerError
from airflow_provider_sms.hooks.sms import SendChunk, SendLimits, SendOptions, SentChunk, SmsHook
from airflow_provider_sms.operators.send import PROGRESS_XCOM_KEY, SmsSendOperator
from airflow_provider_sms.version_compat import AirflowFailException, AirflowSkipException

NUMBERS = [f"+6140000{n:04d}" for n in range(10)]


class StubHook:
    """Records requests; ``existing`` keys count as already sent; ``failures`` raise on send, in order.

    Chunks go one at a time unless ``concurrent`` says otherwise (the order of ``sends`` is then not fixed).
    """

    vendor = "Sinch"
    chunk_sent = SmsHook.chunk_sent

    def __init__(
        self, existing: set[str] | None = None, failures: list[Exception] | None = None, concurrent: int = 1
    ) -> None:
        self.existing = set(existing or ())
        self.failures = list(failures or [])
        self.send_limits = SendLimits(concurrent)
        self.listings: list[tuple[str, int | None]] = []  # key prefix, number of keys
        self.lookups: list[str] = []
        self.sends: list[str] = []
        self.send_ats: list[datetime | None] = []

    def require(self, feature: str) -> None:
        pass

    def check_send_options(self, options: SendOptions) -> None:
        if "delivery_receipt" in options.vendor:
            raise SmsCapabilityError(self.vendor, "set delivery_receipt on a message")

    def message_parts(self, text: str, options: SendOptions) -> int:
        return 1

    def max_chunk_size(self, *, individual: bool) -> int:
        return 1000

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        pass

    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        self.lookups.append(key)
        return SentChunk(key, f"batch-{key}", 4, found=True) if key in self.existing else None

    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        self.listings.append((key_prefix, chunks))
        return {
            k: SentChunk(k, f"batch-{k}", 4, found=True) for k in self.existing if k.startswith(key_prefix)
        }

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        self.send_ats.append(options.send_at)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, SmsAmbiguousResultError) and "committed" in str(failure):
                self.existing.add(chunk.key)
            raise failure
        self.sends.append(chunk.key)
        self.existing.add(chunk.key)
        return SentChunk(chunk.key, f"batch-{chunk.key}", len(chunk.recipients))


def run(hook: StubHook, **kwargs: Any) -> tuple[dict[str, Any], mock.Mock]:
    ti = mock.Mock(dag_id="dag", task_id="send", run_id="run1", map_index=-1)
    args: dict[str, Any] = {"to": NUMBERS, "body": "hello", "chunk_size": 4, **kwargs}
    operator = SmsSendOperator(task_id="send", sms_conn_id="sms", **args)
    with mock.patch("airflow_provider_sms.operators.send.SmsHook.for_connection", return_value=hook):
        return operator.execute({"ti": ti}), ti  # type: ignore[arg-type]


def keys(hook: StubHook) -> list[str]:
    return [k.rsplit("-", 1)[1] for k in hook.sends]


def test_first_try_lists_the_keys_once_then_sends_everything() -> None:
    hook = StubHook()
    result, _ = run(hook)
    assert [(p.rsplit("-", 1)[1], chunks) for p, chunks in hook.listings] == [("c", 3)]  # the send's 3 keys
    assert hook.lookups == []
    assert keys(hook) == ["c0", "c1", "c2"]
    assert result["recipients"] == 10
    assert result["parts"] == 10
    assert result["reused_chunks"] == 0
    assert len(result["batch_ids"]) == 3


def test_a_retry_resumes_after_the_chunks_an_earlier_try_sent() -> None:
    first = StubHook()
    run(first)
    sent_before = set(first.sends[:2])
    hook = StubHook(existing=sent_before)
    result, _ = run(hook)
    assert (len(hook.listings), hook.lookups) == (1, [])
    assert keys(hook) == ["c2"]
    assert result["reused_chunks"] == 2
    assert result["batch_ids"] == [f"batch-{k}" for k in first.sends]


@pytest.mark.parametrize("concurrent", [1, 4])
def test_a_retry_sends_exactly_the_chunks_missing_whichever_subset_was_sent(concurrent: int) -> None:
    numbers = [f"+6140000{n:04d}" for n in range(20)]
    first = StubHook()
    run(first, to=numbers, chunk_size=4)
    earlier = {k for k in first.sends if k.rsplit("-", 1)[1] in ("c0", "c2", "c3")}  # chunk 1 went missing
    hook = StubHook(existing=earlier, concurrent=concurrent)
    result, _ = run(hook, to=numbers, chunk_size=4)
    assert sorted(keys(hook)) == ["c1", "c4"]
    assert result["batch_ids"] == [f"batch-{k}" for k in first.sends]
    assert (result["recipients"], result["reused_chunks"]) == (20, 3)


def test_an_ambiguous_send_that_took_effect_is_found_not_repeated() -> None:
    hook = StubHook(failures=[SmsAmbiguousResultError("committed, connection dropped")])
    result, _ = run(hook)
    assert keys(hook) == ["c1", "c2"]
    assert result["recipients"] == 4 + 4 + 2


def test_an_ambiguous_send_that_did_not_take_effect_is_sent_again() -> None:
    hook = StubHook(failures=[SmsAmbiguousResultError("lost before commit")])
    run(hook)
    assert keys(hook) == ["c0", "c1", "c2"]
    assert (len(hook.listings), len(hook.lookups)) == (1, 1)  # the first listing, then chunk 0's key


def test_progress_is_pushed_before_a_failure_is_raised() -> None:
    hook = StubHook()
    original = hook.send_chunk
    ti = mock.Mock(dag_id="dag", task_id="send", run_id="run1", map_index=-1)

    def fail_second(chunk: SendChunk, options: SendOptions) -> SentChunk:
        if chunk.number == 1:
            raise SmsServerError(vendor="Sinch", status=503)
        return original(chunk, options)

    hook.send_chunk = fail_second  # type: ignore[method-assign]
    operator = SmsSendOperator(task_id="send", sms_conn_id="sms", to=NUMBERS, body="hi", chunk_size=4)
    with (
        mock.patch("airflow_provider_sms.operators.send.SmsHook.for_connection", return_value=hook),
        pytest.raises(SmsServerError),
    ):
        operator.execute({"ti": ti})  # type: ignore[arg-type]
    ((_, push_kwargs),) = [(c.args, c.kwargs) for c in ti.xcom_push.call_args_list]
    assert push_kwargs["key"] == PROGRESS_XCOM_KEY
    assert push_kwargs["value"]["recipients"] == 4
    assert len(push_kwargs["value"]["batch_ids"]) == 1


def test_a_non_retryable_vendor_error_fails_without_retry() -> None:
    hook = StubHook(failures=[SmsCapabilityError("Sinch", "x")])
    with pytest.raises(AirflowFailException):
        run(hook)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"to": [*NUMBERS[:3], "0400"]}, "to\\[3\\]=\\*\\*00"),
        ({"chunk_size": 1001}, "chunk_size=1001"),
        ({"chunk_size": 0}, "chunk_size=0"),
        ({"chunk_size": "four"}, "chunk_size='four'"),
        ({"chunk_size": "1001"}, "chunk_size=1001"),
        ({"invalid_recipients": "drop"}, "invalid_recipients"),
        ({"past_schedule": "later"}, "past_schedule"),
        ({"client_reference": "bad ref"}, "client_reference"),
        ({"body": None}, "body"),
        ({"vendor_options": {"delivery_receipt": True}}, "Sinch has no API to set delivery_receipt"),
        ({"vendor_options": ["delivery_receipt"]}, "vendor_options=<list>: must be a mapping"),
    ],
)
def test_invalid_arguments_fail_before_any_request(kwargs: dict[str, Any], match: str) -> None:
    hook = StubHook()
    with pytest.raises(AirflowFailException, match=match):
        run(hook, **kwargs)
    assert (hook.listings, hook.lookups, hook.sends) == ([], [], [])


def test_a_templated_chunk_size_rendered_as_text_is_a_number() -> None:
    hook = StubHook()
    result, _ = run(hook, chunk_size="3")
    assert keys(hook) == ["c0", "c1", "c2", "c3"]
    assert result["recipients"] == 10


def test_invalid_recipients_skip_leaves_them_out_and_reports_them_masked() -> None:
    hook = StubHook()
    result, _ = run(hook, to=[*NUMBERS[:3], "0400123456"], invalid_recipients="skip")
    assert result["recipients"] == 3
    assert result["skipped"] == 1
    assert result["rejected"] == [
        {"field": "to[3]", "value": "04001**456", "rule": mock.ANY},
    ]


def test_past_send_at_policies() -> None:
    past = datetime.now(timezone.utc) - timedelta(days=3)
    for policy, error in (("skip", AirflowSkipException), ("fail", AirflowFailException)):
        hook = StubHook()
        with pytest.raises(error, match=policy):
            run(hook, send_at=past.isoformat(), past_schedule=policy)
        assert hook.listings == hook.lookups == []
    hook = StubHook()
    run(hook, send_at=past.isoformat())
    assert hook.send_ats == [None, None, None]
    future = datetime.now(timezone.utc) + timedelta(days=1)
    hook = StubHook()
    run(hook, send_at=future)
    assert hook.send_ats == [future] * 3


def test_the_docs_list_exactly_each_vendors_options() -> None:
    """The vendor option table in docs/operators.md is the vendor request models' own field list."""
    import re
    from pathlib import Path

    from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
    from airflow_provider_sms.hooks.sinch import SinchHook

    docs = (Path(__file__).parents[2] / "docs" / "operators.md").read_text()
    header = "| Sinch `vendor_options` (batch fields) | Fone Dynamics `vendor_options` (message fields) |"
    row = docs.split(header, 1)[1].splitlines()[2]
    sinch_cell, fone_cell = row.strip("|").split("|")
    assert set(re.findall(r"`(\w+)`", sinch_cell)) == SinchHook().vendor_option_names()
    assert set(re.findall(r"`(\w+)`", fone_cell)) == FoneDynamicsHook().vendor_option_names()
