"""Sinch batches over time: state, truncation, lifecycle, the due index, and saving per batch."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from airflow_provider_sms.sandbox.core import StateStore, count_segments, outcome_for
from airflow_provider_sms.sandbox.sinch_batches import (
    CROCKFORD,
    NAMESPACE,
    Batch,
    DueIndex,
    SinchPersistence,
    SinchState,
    advance,
    batch_namespace,
    cancel,
    dump_batch,
    dump_tokens,
    load_batch,
    load_tokens,
    new_batch_id,
    next_change_at,
    queued_recipients,
    truncate_to_one_part,
)
from airflow_provider_sms.sandbox.sinch_requests import parse_content
from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import CONFIG, DELIVERY_DELAY_S, SinchApi

# --- state --------------------------------------------------------------------------------------------------

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


# --- truncation ---------------------------------------------------------------------------------------------


def test_short_text_is_unchanged() -> None:
    assert truncate_to_one_part("a" * 160) == "a" * 160


def test_gsm_text_is_cut_to_160_septets() -> None:
    cut = truncate_to_one_part("a" * 161)
    assert cut == "a" * 160
    assert count_segments(cut).parts == 1


def test_extension_character_that_does_not_fit_whole_is_dropped() -> None:
    assert truncate_to_one_part("a" * 159 + "€b") == "a" * 159


def test_unicode_text_is_cut_to_70_units_and_keeps_surrogate_pairs_whole() -> None:
    assert truncate_to_one_part("ж" * 71) == "ж" * 70
    assert truncate_to_one_part("ж" * 69 + "😀") == "ж" * 69


# --- lifecycle ----------------------------------------------------------------------------------------------

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


# --- due index ----------------------------------------------------------------------------------------------


def test_only_batches_due_by_now_are_taken_in_id_order() -> None:
    index = DueIndex()
    index.set("B3", T0)
    index.set("B1", T0 + timedelta(seconds=1))
    index.set("B2", T0 + timedelta(hours=1))

    assert index.take_due(T0 - timedelta(seconds=1)) == []
    assert index.take_due(T0 + timedelta(seconds=1)) == ["B1", "B3"]
    assert "B2" in index
    assert len(index) == 1
    assert index.take_due(T0 + timedelta(seconds=2)) == []


def test_a_new_time_supersedes_the_old_one() -> None:
    index = DueIndex()
    index.set("B1", T0)
    index.set("B1", T0 + timedelta(hours=1))

    assert index.take_due(T0 + timedelta(minutes=1)) == []
    assert index.take_due(T0 + timedelta(hours=1)) == ["B1"]


def test_an_earlier_time_is_taken_once() -> None:
    index = DueIndex()
    index.set("B1", T0 + timedelta(hours=1))
    index.set("B1", T0)

    assert index.take_due(T0) == ["B1"]
    assert index.take_due(T0 + timedelta(hours=2)) == []


def test_none_and_clear_forget_batches() -> None:
    index = DueIndex()
    index.set("B1", T0)
    index.set("B2", T0)
    index.set("B1", None)

    assert "B1" not in index
    assert index.take_due(T0) == ["B2"]
    index.set("B3", T0)
    index.clear()
    assert len(index) == 0
    assert index.take_due(T0 + timedelta(days=1)) == []


# --- The Sinch state is saved per batch, only what changed, and survives a restart with a state file --------


class RecordingStore(StateStore):
    """An in-memory store that remembers which namespaces were written."""

    def __init__(self) -> None:
        super().__init__(None)
        self.written: list[str] = []

    def save(self, namespace: str, data: dict[str, Any]) -> None:
        self.written.append(namespace)
        super().save(namespace, data)


def make_saved_batch(batch_id: str) -> Batch:
    content = parse_content({"to": ["+61400000001", "+61400000013"], "from": "Acme", "body": "Hi"}, T0)
    return Batch(batch_id, content, T0, T0, T0, queued_recipients(content.to, T0))


def test_only_changed_batches_are_written() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    state = SinchState(batches={"B1": make_saved_batch("B1"), "B2": make_saved_batch("B2")})
    persistence.batch_changed("B1", new=True)
    persistence.batch_changed("B2", new=True)
    persistence.save(state)
    assert store.written == [batch_namespace("B1"), batch_namespace("B2"), NAMESPACE]

    store.written.clear()
    persistence.save(state)
    assert store.written == []

    advance(state.batches["B2"], T0, 2.0, outcome_for)
    persistence.batch_changed("B2")
    persistence.save(state)
    assert store.written == [batch_namespace("B2")]

    restored = SinchPersistence(store).load()
    assert list(restored.batches) == ["B1", "B2"]
    assert restored.batches["B2"].recipients == state.batches["B2"].recipients


def test_tokens_are_saved_in_the_index() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    persistence.tokens_changed()
    persistence.save(SinchState(tokens={"tok": T0}))

    assert store.written == [NAMESPACE]
    assert SinchPersistence(store).load().tokens == {"tok": T0}


def test_forget_drops_pending_changes() -> None:
    store = RecordingStore()
    persistence = SinchPersistence(store)
    persistence.batch_changed("B1", new=True)
    persistence.forget()
    persistence.save(SinchState())

    assert store.written == []
    assert SinchPersistence(store).load() == SinchState()


def test_the_older_whole_state_layout_is_read_and_rewritten(tmp_path: Path) -> None:
    store = StateStore(str(tmp_path / "old.sqlite"))
    batch = make_saved_batch("B1")
    store.save(NAMESPACE, SinchState(batches={"B1": batch}, tokens={"tok": T0}).dump())

    persistence = SinchPersistence(store)
    state = persistence.load()
    assert state.batches == {"B1": batch}
    assert state.tokens == {"tok": T0}
    persistence.save(state)
    assert "batches" not in (store.load(NAMESPACE) or {})
    assert SinchPersistence(store).load() == state


def test_sinch_state_survives_a_restart(tmp_path: Path) -> None:
    config = replace(CONFIG, state_file=str(tmp_path / "sandbox.sqlite"))
    auth = (config.sinch_key_id, config.sinch_key_secret)
    with SandboxServer(config) as first:
        api = SinchApi(first.url, config.sinch_service_plan_id, config.sinch_api_token)
        sent = api.send(to=["+61488023555", "+61488023513"], **{"from": "Acme"}, body="before")
        send_at = first.ctx.clock.now() + timedelta(hours=2)
        scheduled = api.send(
            to=["+61488023556"], **{"from": "Acme"}, body="later", send_at=send_at.isoformat()
        )
        first.advance(DELIVERY_DELAY_S)
        delivered = api.statuses(sent["id"])
        token_body = {"grant_type": "client_credentials"}
        token = requests.post(f"{first.url}/oauth2/token", auth=auth, data=token_body, timeout=10).json()

    assert delivered == {"+61488023555": ("Delivered", 0), "+61488023513": ("Failed", 1)}
    with SandboxServer(config) as second:
        api = SinchApi(second.url, config.sinch_service_plan_id, config.sinch_api_token)
        assert api.statuses(sent["id"]) == delivered
        assert api.request("GET", f"/batches/{sent['id']}").json() == sent
        assert [m["body"] for m in second.inbox("+61488023555")] == ["before"]
        assert api.statuses(scheduled["id"]) == {"+61488023556": ("Queued", 400)}
        project = SinchApi(second.url, config.sinch_project_id, token["access_token"])
        assert project.request("GET", "/batches").status_code == 200

        second.advance(2 * 3600 + DELIVERY_DELAY_S)
        assert api.statuses(scheduled["id"]) == {"+61488023556": ("Delivered", 0)}
        assert [m["body"] for m in second.inbox("+61488023556")] == ["later"]
