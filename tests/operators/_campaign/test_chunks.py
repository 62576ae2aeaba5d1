"""Chunking by source position, and the per-recipient rules (each with a passing and a failing case)."""

from __future__ import annotations

from airflow_provider_sms.hooks.sending import SendOptions
from airflow_provider_sms.operators._campaign.chunks import plan_chunks
from airflow_provider_sms.operators._campaign.sources import ListSource, MessagesSource, ParameterValues

NUMBERS = [f"+6140000{n:04d}" for n in range(7)]


def plan(numbers: list[object], options: SendOptions, size: int = 3, parameters: object = None) -> list:  # type: ignore[type-arg]
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


def test_a_number_twice_in_a_chunk_is_rejected_but_allowed_in_another_chunk() -> None:
    numbers: list[object] = [NUMBERS[0], NUMBERS[0], NUMBERS[1], NUMBERS[0]]
    planned = plan(numbers, SendOptions(body="hi"))
    assert [p.field for p in planned[0].problems] == ["to[1]"]
    assert "listed twice" in planned[0].problems[0].rule
    assert planned[1].problems == ()


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
    limited = SendOptions(body=long_text, max_number_of_message_parts=1)
    assert "2 parts" in plan(NUMBERS[:1], limited)[0].problems[0].rule
    assert plan(NUMBERS[:1], SendOptions(body=long_text, max_number_of_message_parts=2))[0].problems == ()
    truncated = SendOptions(body=long_text, max_number_of_message_parts=1, truncate_concat=True)
    assert plan(NUMBERS[:1], truncated)[0].problems == ()


def test_messages_keep_their_own_texts() -> None:
    source = MessagesSource([{"to": NUMBERS[0], "body": "one"}, {"to": NUMBERS[1], "body": "two"}])
    planned = list(plan_chunks(source, 1, "sms-t-0", SendOptions()))
    assert [p.chunk.recipients[0].body for p in planned] == ["one", "two"]
