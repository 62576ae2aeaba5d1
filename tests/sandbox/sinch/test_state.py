from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

from airflow_provider_sms.sandbox.context import outcome_for
from airflow_provider_sms.sandbox.sinch.content import parse_content
from airflow_provider_sms.sandbox.sinch.lifecycle import advance
from airflow_provider_sms.sandbox.sinch.state import (
    CROCKFORD,
    Batch,
    SinchState,
    dump_batch,
    dump_tokens,
    load_batch,
    load_tokens,
    new_batch_id,
    queued_recipients,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def test_batch_ids_look_like_ulids_and_sort_by_time() -> None:
    rng = random.Random(1)
    first = new_batch_id(T0, rng)
    second = new_batch_id(T0 + timedelta(milliseconds=1), rng)
    assert len(first) == 26
    assert set(first) <= set(CROCKFORD)
    assert first < second


def test_state_survives_a_json_round_trip() -> None:
    content = parse_content(
        {"to": ["+61400000001"], "from": "Acme", "body": "Hi", "send_at": T0.isoformat()}, T0
    )
    batch = Batch("B1", content, T0, T0, T0, queued_recipients(content.to, T0))
    advance(batch, T0 + timedelta(seconds=5), 2.0, outcome_for)
    state = SinchState(batches={"B1": batch}, tokens={"tok": T0})
    restored = SinchState.load(json.loads(json.dumps(state.dump())))
    assert restored.tokens == {"tok": T0}
    again = restored.batches["B1"]
    assert again.content == content
    assert again.recipients == batch.recipients
    assert again.dispatched is True


def test_a_saved_batch_shares_nothing_mutable_with_the_live_one() -> None:
    content = parse_content(
        {"to": ["+61400000001"], "from": "Acme", "body": "Hi ${n}", "parameters": {"n": {"default": "x"}}}, T0
    )
    batch = Batch("B1", content, T0, T0, T0, queued_recipients(content.to, T0))
    saved = dump_batch(batch)
    advance(batch, T0, 2.0, outcome_for)
    content.to.append("+61400000002")
    content.parameters["n"]["default"] = "changed"

    again = load_batch(json.loads(json.dumps(saved)))
    assert again.recipients["+61400000001"].status == "Queued"
    assert again.content.to == ["+61400000001"]
    assert again.content.parameters == {"n": {"default": "x"}}


def test_a_batch_round_trip_keeps_every_field() -> None:
    content = parse_content(
        {
            "to": ["+61400000001", "61400000013"],
            "from": "Acme",
            "body": "Hi",
            "send_at": T0.isoformat(),
            "expire_at": (T0 + timedelta(days=1)).isoformat(),
            "client_reference": "ref-1",
        },
        T0,
    )
    batch = Batch("B1", content, T0, T0 + timedelta(seconds=1), T0, queued_recipients(content.to, T0))
    advance(batch, T0 + timedelta(seconds=5), 2.0, outcome_for)
    batch.recipients["+61400000001"].feedback_at = T0 + timedelta(seconds=9)
    batch.summary_sent = True

    assert load_batch(json.loads(json.dumps(dump_batch(batch)))) == batch


def test_tokens_round_trip() -> None:
    tokens = {"a": T0, "b": T0 + timedelta(hours=1)}
    assert load_tokens(json.loads(json.dumps(dump_tokens(tokens)))) == tokens


def test_find_recipient_matches_with_or_without_plus() -> None:
    content = parse_content({"to": ["+61400000001", "61400000002"], "from": "Acme", "body": "Hi"}, T0)
    batch = Batch("B1", content, T0, T0, T0, queued_recipients(content.to, T0))

    assert batch.find_recipient("61400000001") is batch.recipients["+61400000001"]
    assert batch.find_recipient(" +61400000002") is batch.recipients["61400000002"]
    assert batch.find_recipient("+61400000003") is None
