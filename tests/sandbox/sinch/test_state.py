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
