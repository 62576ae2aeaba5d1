from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_sms.sandbox.context import outcome_for
from airflow_provider_sms.sandbox.sinch.content import parse_content
from airflow_provider_sms.sandbox.sinch.lifecycle import advance, cancel, next_change_at
from airflow_provider_sms.sandbox.sinch.state import Batch, queued_recipients

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
DELAY = 2.0


def make_batch(**fields: Any) -> Batch:
    data = {"to": ["+61400000001", "+61400000013", "+61400000099"], "from": "Acme", "body": "Hi", **fields}
    content = parse_content(data, T0)
    return Batch("B1", content, T0, T0, T0, queued_recipients(content.to, T0))


def statuses(batch: Batch) -> dict[str, tuple[str, int]]:
    return {number: (r.status, r.code) for number, r in batch.recipients.items()}


def test_everyone_starts_queued() -> None:
    batch = make_batch(send_at=(T0 + timedelta(hours=1)).isoformat())
    assert advance(batch, T0, DELAY, outcome_for) == []
    assert set(statuses(batch).values()) == {("Queued", 400)}


def test_dispatch_then_outcome_by_number_then_expiry() -> None:
    batch = make_batch()
    changes = advance(batch, T0, DELAY, outcome_for)
    assert len(changes) == 3
    assert set(statuses(batch).values()) == {("Dispatched", 401)}
    advance(batch, T0 + timedelta(seconds=DELAY), DELAY, outcome_for)
    assert statuses(batch) == {
        "+61400000001": ("Delivered", 0),
        "+61400000013": ("Failed", 1),
        "+61400000099": ("Dispatched", 401),
    }
    assert batch.recipients["+61400000001"].at == T0 + timedelta(seconds=DELAY)
    advance(batch, T0 + timedelta(days=3), DELAY, outcome_for)
    assert batch.recipients["+61400000099"].status == "Expired"
    assert batch.all_final()


def test_a_late_tick_stamps_changes_when_they_happened() -> None:
    send_at = T0 + timedelta(hours=1)
    batch = make_batch(send_at=send_at.isoformat())
    changes = advance(batch, T0 + timedelta(days=1), DELAY, outcome_for)
    assert [c.recipient.status for c in changes] == ["Dispatched"] * 3 + ["Delivered", "Failed"]
    assert batch.recipients["+61400000001"].dispatched_at == send_at
    assert batch.recipients["+61400000001"].at == send_at + timedelta(seconds=DELAY)


def test_expiry_before_the_receipt_wins() -> None:
    batch = make_batch(expire_at=(T0 + timedelta(seconds=1)).isoformat())
    advance(batch, T0 + timedelta(seconds=10), DELAY, outcome_for)
    assert set(statuses(batch).values()) == {("Expired", 406)}


def test_cancel_before_dispatch_cancels_everyone_and_stops_the_batch() -> None:
    batch = make_batch(send_at=(T0 + timedelta(hours=1)).isoformat())
    assert len(cancel(batch, T0)) == 3
    assert set(statuses(batch).values()) == {("Cancelled", 407)}
    assert advance(batch, T0 + timedelta(days=1), DELAY, outcome_for) == []
    assert batch.canceled


def test_cancel_after_dispatch_changes_nothing() -> None:
    batch = make_batch()
    advance(batch, T0 + timedelta(seconds=DELAY), DELAY, outcome_for)
    before = statuses(batch)
    assert cancel(batch, T0 + timedelta(seconds=5)) == []
    assert statuses(batch) == before
    assert batch.canceled


def test_unmatched_parameter_aborts_only_that_recipient() -> None:
    batch = make_batch(body="Hi ${name}", parameters={"name": {"+61400000001": "Ann"}})
    advance(batch, T0, DELAY, outcome_for)
    assert statuses(batch)["+61400000001"] == ("Dispatched", 401)
    assert statuses(batch)["+61400000013"] == ("Aborted", 405)
    assert batch.recipients["+61400000001"].body == "Hi Ann"


def test_parts_limit_aborts_with_411_unless_truncated() -> None:
    limited = make_batch(body="a" * 161, max_number_of_message_parts=1)
    advance(limited, T0, DELAY, outcome_for)
    assert set(statuses(limited).values()) == {("Aborted", 411)}
    truncated = make_batch(body="a" * 161, max_number_of_message_parts=1, truncate_concat=True)
    advance(truncated, T0, DELAY, outcome_for)
    assert set(statuses(truncated).values()) == {("Dispatched", 401)}
    assert truncated.recipients["+61400000001"].body == "a" * 160


def test_no_sender_is_aborted_with_410() -> None:
    batch = make_batch(**{"from": None})
    advance(batch, T0, DELAY, outcome_for)
    assert set(statuses(batch).values()) == {("Aborted", 410)}


def test_send_at_in_the_past_dispatches_at_submission() -> None:
    batch = make_batch(send_at=(T0 - timedelta(hours=1)).isoformat())
    advance(batch, T0, DELAY, outcome_for)
    assert batch.recipients["+61400000001"].dispatched_at == T0
    assert batch.recipients["+61400000001"].status == "Dispatched"


def test_next_change_is_the_dispatch_time_while_queued() -> None:
    send_at = T0 + timedelta(hours=1)
    batch = make_batch(send_at=send_at.isoformat())
    assert next_change_at(batch, DELAY, outcome_for) == send_at
    cancel(batch, T0)
    assert next_change_at(batch, DELAY, outcome_for) is None


def test_next_change_is_the_receipt_then_the_expiry_then_never() -> None:
    batch = make_batch()
    advance(batch, T0, DELAY, outcome_for)
    assert next_change_at(batch, DELAY, outcome_for) == T0 + timedelta(seconds=DELAY)
    advance(batch, T0 + timedelta(seconds=DELAY), DELAY, outcome_for)
    assert next_change_at(batch, DELAY, outcome_for) == batch.expires_at
    advance(batch, batch.expires_at, DELAY, outcome_for)
    assert next_change_at(batch, DELAY, outcome_for) is None


def test_next_change_is_the_expiry_when_it_comes_before_the_receipt() -> None:
    expire_at = T0 + timedelta(seconds=1)
    batch = make_batch(expire_at=expire_at.isoformat())
    advance(batch, T0, DELAY, outcome_for)
    assert next_change_at(batch, DELAY, outcome_for) == expire_at


def test_nothing_changes_before_the_next_change_time() -> None:
    batch = make_batch(send_at=(T0 + timedelta(minutes=5)).isoformat())
    moments = [T0 + timedelta(seconds=s) for s in (0, 299, 300, 301, 302, 303)] + [T0 + timedelta(days=4)]
    for now in moments:
        due = next_change_at(batch, DELAY, outcome_for)
        changes = advance(batch, now, DELAY, outcome_for)
        assert bool(changes) == (due is not None and due <= now)
