"""The campaign engine's parts: idempotency keys, schedule policy, recipient sources and chunk checks."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pendulum
import pytest

from airflow_provider_sms.exceptions import SmsServerError, SmsValidationError
from airflow_provider_sms.hooks.campaign import (
    E164_LINES,
    KEY_PATTERN,
    MAX_CHUNKS,
    Campaign,
    CsvSource,
    ListedRecipients,
    ListSource,
    MessagesSource,
    ParameterValues,
    PastSchedule,
    PlannedChunk,
    RecipientSource,
    Schedule,
    chunk_key,
    parse_when,
    recipient_source,
    resolve_schedule,
)
from airflow_provider_sms.hooks.fonedynamics import FoneBatchRef
from airflow_provider_sms.hooks.sms import (
    ChunkRecipient,
    ChunkSent,
    RecipientPacer,
    SendChunk,
    SendLimits,
    SendOptions,
    SentChunk,
    SmsHook,
)
from airflow_provider_sms.models.sms import count_parts, is_e164
from airflow_provider_sms.operators.send import campaign_key


class PartsHook:
    """The one hook method chunk planning asks: how many parts a text takes (Sinch's rule on truncation)."""

    vendor = "Stub"

    def message_parts(self, text: str, options: SendOptions) -> int:
        return 1 if options.vendor.get("truncate_concat") else count_parts(text).parts


def plan_chunks(source: RecipientSource, size: int, key: str, options: SendOptions) -> list[PlannedChunk]:
    campaign = Campaign(PartsHook(), options, Schedule(None, None), PastSchedule.SEND_NOW, source, size, key)  # type: ignore[arg-type]
    return list(campaign.chunks())


BASE = ("dag", "send", "manual__2026-01-01T00:00:00+00:00", -1)


def test_same_task_instance_same_key_and_readable() -> None:
    key = campaign_key(*BASE)
    assert key == campaign_key(*BASE)
    assert key.startswith("sms-send-")
    assert chunk_key(key, 3) == f"{key}-c3"


@pytest.mark.parametrize(
    "other",
    [
        ("dag2", "send", BASE[2], -1),
        ("dag", "send2", BASE[2], -1),
        ("dag", "send", "manual__2026-01-02T00:00:00+00:00", -1),
        ("dag", "send", BASE[2], 0),
    ],
)
def test_each_identity_part_changes_the_key(other: tuple[str, str, str, int]) -> None:
    assert campaign_key(*other) != campaign_key(*BASE)


def test_longest_key_fits_the_pattern_and_fone_external_ids() -> None:
    key = chunk_key(campaign_key("d" * 250, "t." * 125, "r" * 250, 99999, prefix="p" * 40), MAX_CHUNKS - 1)
    assert KEY_PATTERN.match(key)
    assert len(FoneBatchRef(key, 0).external_id(999)) <= 100


def test_chunk_number_out_of_range_is_refused() -> None:
    with pytest.raises(SmsValidationError, match="at most"):
        chunk_key("sms-x-0", MAX_CHUNKS)


def test_prefix_rule() -> None:
    assert campaign_key(*BASE, prefix="Spring_Sale-2026").startswith("Spring_Sale-2026-send-")
    with pytest.raises(SmsValidationError) as caught:
        campaign_key(*BASE, prefix="has space")
    (problem,) = caught.value.problems
    assert problem.field == "client_reference"
    assert "1-40 characters" in problem.rule
    with pytest.raises(SmsValidationError):
        campaign_key(*BASE, prefix="x" * 41)


NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 5, 2, tzinfo=timezone.utc), datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (datetime(2026, 5, 2), datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (pendulum.datetime(2026, 5, 2, tz="Australia/Sydney"), datetime(2026, 5, 1, 14, tzinfo=timezone.utc)),
        ("2026-05-02T00:00:00+10:00", datetime(2026, 5, 1, 14, tzinfo=timezone.utc)),
        ("2026-05-02T00:00:00", datetime(2026, 5, 2, tzinfo=timezone.utc)),
        ("2026-05-02", datetime(2026, 5, 2, tzinfo=timezone.utc)),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_when_accepts(value: object, expected: datetime | None) -> None:
    assert parse_when("send_at", value) == expected


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-45", 1746100000, ["2026-05-02"]])
def test_parse_when_rejects(value: object) -> None:
    with pytest.raises(SmsValidationError, match=r"send_at=.*ISO-8601"):
        parse_when("send_at", value)


def test_future_send_at_is_kept_whatever_the_policy() -> None:
    later = NOW + timedelta(hours=1)
    for policy in PastSchedule:
        assert resolve_schedule(later, None, policy, NOW) == Schedule(later, None)


def test_send_now_drops_a_past_send_at_and_keeps_the_expiry_distance() -> None:
    past = NOW - timedelta(days=100)
    result = resolve_schedule(past, past + timedelta(hours=6), PastSchedule.SEND_NOW, NOW)
    assert result == Schedule(None, NOW + timedelta(hours=6), was_past=True)


@pytest.mark.parametrize("policy", [PastSchedule.SKIP, PastSchedule.FAIL])
def test_skip_and_fail_mark_the_schedule_past(policy: PastSchedule) -> None:
    result = resolve_schedule(NOW, None, policy, NOW)
    assert result.was_past
    assert result.send_at == NOW


def test_a_send_at_that_passes_during_the_send_is_dropped_from_later_requests() -> None:
    schedule = Schedule(NOW, None)
    assert schedule.due_by(NOW - timedelta(seconds=1)) is schedule
    assert schedule.due_by(NOW).send_at is None


PARAMS = {"name": {"+61400000001": "Ann", "default": "friend"}}


def test_list_source_with_parameters_and_a_number_rendered_as_int() -> None:
    source = recipient_source(["+61400000001", 61400000002, None], None, PARAMS)
    assert isinstance(source, ListSource)
    items = list(source)
    assert [i.recipient.to for i in items[:2]] == ["+61400000001", "+61400000002"]
    assert items[0].recipient.values == {"name": "Ann"}
    assert items[1].recipient.values == {}
    assert items[2].problem is not None
    assert items[2].problem.field == "to[2]"


def test_one_number_string_is_one_recipient() -> None:
    assert [i.recipient.to for i in recipient_source("+61400000001", None, None)] == ["+61400000001"]


def test_csv_source_streams_rows_with_columns_as_values(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n+61400000001,\n+61400000002,Bob\n", encoding="utf-8")
    source = recipient_source(str(path), None, PARAMS)
    assert isinstance(source, CsvSource)
    first, second = list(source)
    assert first.recipient.values == {"name": "Ann"}  # empty cell: the parameters apply
    assert second.recipient.values == {"name": "Bob"}
    assert second.where == "to[1] (line 3)"
    assert len(list(source)) == 2  # readable again


def test_csv_without_phone_column_or_unreadable_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("number\n+61400000001\n", encoding="utf-8")
    with pytest.raises(SmsValidationError, match="'phone' column"):
        recipient_source(str(path), None, None)
    with pytest.raises(SmsValidationError, match="readable CSV"):
        recipient_source(str(tmp_path / "missing.csv"), None, None)


def test_messages_source_checks_each_message() -> None:
    messages = [
        {"to": "+61400000001", "body": "hi"},
        {"to": "+61400000002", "body": "  "},
        {"to": None, "body": "x"},
        {"to": "+61400000004", "body": "x", "from": "Me"},
        {"to": 61400000005, "body": 42},
    ]
    source = recipient_source(None, messages, None)
    assert isinstance(source, MessagesSource)
    items = list(source)
    assert items[0].problem is None
    assert items[0].recipient.body == "hi"
    # A native template render's int number gets its '+' back, an int body is its digits.
    assert (items[4].problem, items[4].recipient.to, items[4].recipient.body) == (None, "+61400000005", "42")
    assert [i.problem.field for i in items[1:] if i.problem] == [
        "messages[1].body",
        "messages[2].to",
        "messages[3]",
    ]


@pytest.mark.parametrize(
    ("to", "messages", "parameters", "match"),
    [
        (None, None, None, "exactly one of"),
        (["+61400000001"], [{"to": "+61400000001", "body": "x"}], None, "exactly one of"),
        (None, [{"to": "+61400000001", "body": "x"}], PARAMS, "carry their own texts"),
        (None, "not a list", None, "list of messages"),
        ("['+61400000001']", None, None, "rendered to text"),
        ({"+61400000001": 1}, None, None, "list of numbers"),
        (["+61400000001"], None, {"name": {"0400": "x"}}, "E.164 recipient"),
    ],
)
def test_bad_arguments_are_refused(to: object, messages: object, parameters: object, match: str) -> None:
    with pytest.raises(SmsValidationError, match=match):
        recipient_source(to, messages, parameters)


def test_parameter_defaults() -> None:
    assert ParameterValues.parse(PARAMS).defaults() == {"name": "friend"}
    assert ParameterValues.parse(None).defaults() == {}


NUMBERS = [f"+6140000{n:04d}" for n in range(7)]


def plan(
    numbers: list[object], options: SendOptions, size: int = 3, parameters: object = None
) -> list[PlannedChunk]:
    return list(plan_chunks(ListSource(numbers, ParameterValues.parse(parameters)), size, "sms-t-0", options))


def test_chunks_hold_fixed_source_positions_and_keys() -> None:
    planned = plan(list(NUMBERS), SendOptions(body="hi"))
    assert [len(p.chunk.recipients) for p in planned] == [3, 3, 1]
    assert [p.chunk.key for p in planned] == ["sms-t-0-c0", "sms-t-0-c1", "sms-t-0-c2"]
    assert [r.position for r in planned[1].chunk.recipients] == [3, 4, 5]


def test_a_bad_number_is_left_out_of_its_chunk_with_a_masked_problem() -> None:
    numbers: list[object] = list(NUMBERS)
    numbers[4] = "0400123456"
    planned = plan(numbers, SendOptions(body="hi"))
    assert [r.position for r in planned[1].chunk.recipients] == [3, 5]
    (problem,) = planned[1].problems
    assert problem.field == "to[4]"
    assert problem.value == "04001**456"
    assert "E.164" in problem.rule


def test_a_number_listed_again_is_left_out_in_any_chunk_and_never_an_error() -> None:
    again = int(NUMBERS[0].lstrip("+"))  # the same number, as a native template render gives it
    numbers: list[object] = [NUMBERS[0], f" {NUMBERS[0]} ", NUMBERS[1], again, NUMBERS[2], NUMBERS[1]]
    planned = plan(numbers, SendOptions(body="hi"))
    assert [[r.position for r in p.chunk.recipients] for p in planned] == [[0, 2], [4]]
    assert [p.field for chunk in planned for p in chunk.repeats] == ["to[1]", "to[3]", "to[5]"]
    assert planned[1].repeats[0].rule.startswith("repeats to[0]: each number gets one SMS per send")
    assert planned[1].repeats[0].value == "+6140****000"
    assert all(chunk.problems == () for chunk in planned)


def test_a_placeholder_without_value_or_default_rejects_the_recipient() -> None:
    params = {"name": {NUMBERS[0]: "Ann"}}
    options = SendOptions(body="Hi ${name} ${other}", parameter_keys=frozenset({"name"}))
    planned = plan(NUMBERS[:2], options, parameters=params)
    assert [r.to for r in planned[0].chunk.recipients] == [NUMBERS[0]]
    assert "${name}" in planned[0].problems[0].rule
    with_default = SendOptions(
        body="Hi ${name}", defaults={"name": "there"}, parameter_keys=frozenset({"name"})
    )
    assert plan(NUMBERS[:2], with_default, parameters=params)[0].problems == ()


def test_too_many_parts_is_rejected_unless_truncated() -> None:
    long_text = "x" * 200  # two GSM-7 parts
    limited = SendOptions(body=long_text, vendor={"max_number_of_message_parts": 1})
    assert "takes 2 SMS parts" in plan(NUMBERS[:1], limited)[0].problems[0].rule
    assert (
        plan(NUMBERS[:1], SendOptions(body=long_text, vendor={"max_number_of_message_parts": 2}))[0].problems
        == ()
    )
    truncated = SendOptions(
        body=long_text, vendor={"max_number_of_message_parts": 1, "truncate_concat": True}
    )
    assert plan(NUMBERS[:1], truncated)[0].problems == ()


def test_a_clean_list_is_cut_into_chunks_of_its_numbers_as_the_per_recipient_checks_would_plan_them() -> None:
    numbers = [f" +614{n:08d}" for n in range(2500)]  # surrounding space is dropped, as one by one
    fast = plan(list(numbers), SendOptions(body="hi"), size=1000)
    one_by_one = plan([*numbers, 61400000000], SendOptions(body="hi"), size=1000)  # an int: checked singly

    assert all(isinstance(p.chunk.recipients, ListedRecipients) for p in fast)
    assert not any(isinstance(p.chunk.recipients, ListedRecipients) for p in one_by_one)
    for quick, single in zip(fast, one_by_one, strict=True):
        assert (quick.chunk.number, quick.chunk.key, quick.problems) == (
            single.chunk.number,
            single.chunk.key,
            (),
        )
        assert list(quick.chunk.recipients) == list(single.chunk.recipients)[: len(quick.chunk.recipients)]
        assert quick.chunk.checked_numbers == [r.to for r in quick.chunk.recipients]
    assert fast[2].chunk.recipients[-1] == ChunkRecipient(2499, "+61400002499")
    with pytest.raises(IndexError):
        fast[2].chunk.recipients[500]


@pytest.mark.parametrize(
    "bad",
    ["+61499999991\n+61499999992", "+61499999\u20289999", "61400000009", "+61 400000009", "", "+6140000000a"],
)
def test_a_list_with_one_bad_number_is_checked_one_by_one_and_the_number_left_out(bad: str) -> None:
    numbers = [f"+614{n:08d}" for n in range(5)]
    numbers[3] = bad
    planned = plan(list(numbers), SendOptions(body="hi"), size=3)

    assert not any(isinstance(p.chunk.recipients, ListedRecipients) for p in planned)
    assert [r.position for p in planned for r in p.chunk.recipients] == [0, 1, 2, 4]
    assert [p.field for chunk in planned for p in chunk.problems] == ["to[3]"]


def test_the_whole_list_check_agrees_with_the_one_number_rule() -> None:
    samples = ["+61400000001", "+1234567", "+123456789012345", "+1234567890123456", "+123456", "+0123456789"]
    samples += ["+61400000001 ", "+6140000000\u0661", "+61400000001\u2028", "++61400000001", "+61400000001+"]
    for sample in samples:
        assert bool(E164_LINES.fullmatch(sample)) == is_e164(sample), sample


def test_a_list_repeating_a_number_or_with_parameters_is_checked_one_by_one() -> None:
    numbers = [f"+614{n:08d}" for n in range(5)]
    repeated = plan([*numbers, numbers[0]], SendOptions(body="hi"), size=3)
    personal = plan(list(numbers), SendOptions(body="hi"), size=3, parameters={"x": {numbers[0]: "1"}})
    placeholders = plan(list(numbers), SendOptions(body="hi ${x}", parameter_keys=frozenset({"x"})), size=3)

    for planned in (repeated, personal, placeholders):
        assert not any(isinstance(p.chunk.recipients, ListedRecipients) for p in planned)
    assert [p.field for chunk in repeated for p in chunk.repeats] == ["to[5]"]


def test_a_clean_list_is_sent_as_validated_without_a_recipient_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = [f"+614{n:08d}" for n in range(5)]
    campaign, hook = sending_campaign(ListSource(numbers, ParameterValues()), 2, body="Hi")
    planned = [p.chunk for p in campaign.chunks()]
    campaign.validate()

    def checked_again(*args: object) -> None:
        raise AssertionError("a recipient was checked again")

    monkeypatch.setattr(Campaign, "_recipient_problem", checked_again)
    monkeypatch.setattr("airflow_provider_sms.hooks.campaign.E164_LINES", None)  # no number checked again
    list(campaign.send())

    assert [(c.number, c.key, c.checked_numbers) for c in hook.sent] == [
        (c.number, c.key, c.checked_numbers) for c in planned
    ]
    assert [c.checked_numbers for c in hook.sent] == [numbers[:2], numbers[2:4], numbers[4:]]


def test_messages_keep_their_own_texts() -> None:
    source = MessagesSource([{"to": NUMBERS[0], "body": "one"}, {"to": NUMBERS[1], "body": "two"}])
    planned = list(plan_chunks(source, 1, "sms-t-0", SendOptions()))
    assert [p.chunk.recipients[0].body for p in planned] == ["one", "two"]


class SendingHook(PartsHook):
    """Takes every chunk it is asked to send, and finds none sent before; one chunk at a time."""

    send_limits = SendLimits(1)
    chunk_sent = SmsHook.chunk_sent

    def __init__(self) -> None:
        self.sent: list[SendChunk] = []

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        pass

    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        return None

    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        return {}

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        self.sent.append(chunk)
        return SentChunk(chunk.key, f"batch-{chunk.number}", len(chunk.recipients))


def sending_campaign(
    source: RecipientSource, size: int, body: str = "Hi ${name}"
) -> tuple[Campaign, SendingHook]:
    hook = SendingHook()
    options = SendOptions(body=body, defaults={"name": "you"}, parameter_keys=frozenset({"name"}))
    campaign = Campaign(
        hook,  # type: ignore[arg-type]
        options,
        Schedule(None, None),
        PastSchedule.SEND_NOW,
        source,
        size,
        "sms-send-0123456789abcdef",
        "skip",
    )
    return campaign, hook


def test_the_send_after_validate_sends_what_the_checks_planned_without_checking_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers: list[object] = ["+61400000001", "0400", "+61400000002", "+61400000001", None, "+61400000003"]
    campaign, hook = sending_campaign(ListSource(numbers, ParameterValues()), 2)
    planned = [p.chunk for p in campaign.chunks() if p.chunk.recipients]
    rejected = campaign.validate()

    def checked_again(*args: object) -> None:
        raise AssertionError("a recipient was checked again")

    monkeypatch.setattr(Campaign, "_recipient_problem", checked_again)
    outcomes = list(campaign.send())

    assert (rejected.count, rejected.repeats) == (3, 1)
    assert hook.sent == planned
    assert [[r.position for r in c.recipients] for c in hook.sent] == [[0], [2], [5]]
    assert [o.chunk.number for o in outcomes] == [0, 1, 2]


def test_a_csv_file_changed_after_it_was_validated_stops_the_send_before_its_next_chunk(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n+61400000001,Ann\n+61400000002,Bo\n+61400000003,Cy\n")
    campaign, hook = sending_campaign(recipient_source(str(path), None, None), 2)
    campaign.validate()
    sending = campaign.send()
    next(sending)
    path.write_text("phone,name\n+61400000001,Ann\n+61400000002,Bo\n+61400000009,Eve, the new one\n")

    with pytest.raises(SmsValidationError, match="changed after it was validated"):
        next(sending)
    assert [len(c.recipients) for c in hook.sent] == [2]


@pytest.mark.parametrize(
    "numbers",
    [
        [f"+614000000{n:02d}" for n in range(7)],  # a clean list: checked whole, cut into chunks
        [f"+614000000{n:02d}" for n in range(6)] + [None],  # one by one; chunk 3 keeps no recipient
    ],
)
def test_the_look_up_learns_how_many_keys_the_send_has_once_it_is_validated(
    numbers: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    campaign, hook = sending_campaign(ListSource(numbers, ParameterValues()), 2, body="Hi")
    told: list[int | None] = []

    def find_chunks(
        prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        told.append(chunks)
        if len(told) == 2:
            raise SmsServerError(vendor="Stub", status=503)
        return {}

    hook.find_chunks = find_chunks  # type: ignore[method-assign]
    campaign.find_sent()
    campaign.validate()
    with caplog.at_level(logging.WARNING, logger="airflow_provider_sms.hooks.campaign"):
        list(campaign.send())

    assert told == [None, 4, 4]  # 7 positions in chunks of 2: keys -c0 to -c3; the failed look-up made again
    prefix = f"{campaign.key}-c"
    assert caplog.messages == [
        f"Looking up what earlier tries sent (keys {prefix}<chunk>) failed (SmsServerError), trying again"
    ]


def test_a_failed_look_up_of_one_chunks_key_is_logged_naming_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    campaign, hook = sending_campaign(ListSource(["+61400000001"], ParameterValues()), 2, body="Hi")
    failures = [SmsServerError(vendor="Stub", status=503)]

    def find_chunk(key: str, since: datetime | None = None) -> SentChunk | None:
        if failures:
            raise failures.pop()
        return None

    hook.find_chunk = find_chunk  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="airflow_provider_sms.hooks.campaign"):
        assert campaign.find(f"{campaign.key}-c0") is None

    assert caplog.messages == [
        f"Looking up chunk key {campaign.key}-c0 failed (SmsServerError), trying again"
    ]


# -- several chunks under way at once: the sliding window, the order of outcomes, failures, the rate ------


class SlowHook(SendingHook):
    """Takes each chunk after ``seconds``, recording when each request started and ended; ``failing``
    chunk numbers raise a 503 instead."""

    def __init__(self, concurrent: int, seconds: float = 0.03, failing: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.send_limits = SendLimits(concurrent)
        self.seconds, self.failing = seconds, failing
        self.events: list[tuple[str, int]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        with self._lock:
            self.events.append(("start", chunk.number))
            self.threads.add(threading.current_thread().name)
        time.sleep(self.seconds)
        with self._lock:
            self.events.append(("end", chunk.number))
        if chunk.number in self.failing:
            raise SmsServerError(vendor="Stub", status=503)
        return SentChunk(chunk.key, f"batch-{chunk.number}", len(chunk.recipients))


def slow_campaign(hook: SlowHook, recipients: int = 40, size: int = 4) -> Campaign:
    numbers = [f"+614000{n:05d}" for n in range(recipients)]
    return Campaign(
        hook,  # type: ignore[arg-type]
        SendOptions(body="Hi"),
        Schedule(None, None),
        PastSchedule.SEND_NOW,
        ListSource(numbers, ParameterValues()),
        size,
        "sms-send-0123456789abcdef",
    )


def most_at_once(events: list[tuple[str, int]]) -> int:
    under_way, most = 0, 0
    for what, _ in events:
        under_way += 1 if what == "start" else -1
        most = max(most, under_way)
    return most


@pytest.mark.parametrize("concurrent", [1, 2, 4])
def test_chunk_n_starts_only_after_chunk_n_minus_k_finished_and_outcomes_come_in_order(
    concurrent: int,
) -> None:
    hook = SlowHook(concurrent)
    outcomes = list(slow_campaign(hook).send())

    assert [o.chunk.number for o in outcomes] == list(range(10))
    assert [o.sent.batch_id for o in outcomes] == [f"batch-{n}" for n in range(10)]
    for n in range(concurrent, 10):
        assert hook.events.index(("end", n - concurrent)) < hook.events.index(("start", n))
    assert most_at_once(hook.events) <= concurrent
    assert most_at_once(hook.events) > 1 or concurrent == 1  # each request takes 30 ms: they overlap
    assert len(hook.threads) <= concurrent


def test_after_a_failure_nothing_more_starts_and_the_requests_under_way_finish_first() -> None:
    hook = SlowHook(4, failing=frozenset({2}))
    outcomes: list[ChunkSent] = []
    with pytest.raises(SmsServerError):
        outcomes.extend(slow_campaign(hook).send())  # keeps what came before the error

    assert [o.chunk.number for o in outcomes] == [0, 1]
    started = [n for what, n in hook.events if what == "start"]
    assert max(started) < 2 + 4  # chunk 6 would have waited for chunk 2
    assert sorted(started) == sorted(n for what, n in hook.events if what == "end")  # none left behind


def test_chunks_found_sent_are_not_sent_again_whichever_subset_an_earlier_try_sent() -> None:
    hook = SlowHook(4)
    campaign = slow_campaign(hook, recipients=20)
    earlier = {n: SentChunk(chunk_key(campaign.key, n), f"old-{n}", 4, found=True) for n in (0, 2, 3)}
    hook.find_chunks = lambda prefix, since=None, chunks=None: {s.key: s for s in earlier.values()}  # type: ignore[method-assign]

    outcomes = list(campaign.send())

    assert sorted(n for what, n in hook.events if what == "start") == [1, 4]
    assert [o.sent.batch_id for o in outcomes] == ["old-0", "batch-1", "old-2", "old-3", "batch-4"]


def test_the_pacer_charges_each_chunk_its_recipients_before_its_request() -> None:
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = RecipientPacer(100, clock=lambda: now[0], sleep=sleep)
    pacer.take(50)  # the first chunk goes at once
    pacer.take(100)  # waits for the first chunk's 50 recipients: 0.5 s
    now[0] += 0.25
    pacer.take(10)  # 1 s for the second chunk's 100, 0.25 s of it already passed
    now[0] += 5
    pacer.take(10)  # idle time is not saved up beyond one chunk
    assert slept == [0.5, 0.75]


def test_a_send_with_a_rate_takes_as_long_as_its_recipients_need() -> None:
    hook = SlowHook(4, seconds=0)
    hook.send_limits = SendLimits(4, max_recipients_per_second=200)
    started = time.monotonic()
    assert len(list(slow_campaign(hook, recipients=40).send())) == 10
    # 10 chunks of 4: the last starts after the first nine's 36 recipients are paid for, 0.18 s
    assert 0.17 <= time.monotonic() - started < 2
