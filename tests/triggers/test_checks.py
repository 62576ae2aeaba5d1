"""``check_batches``: counting across batches and judging both conditions, on a stub hook."""

from __future__ import annotations

from collections.abc import Collection

from airflow_provider_sms.hooks.tracking import BatchStatus, RecipientState, StatusCount, TrackingOperations
from airflow_provider_sms.models.sms import MessageState, from_fonedynamics, from_sinch
from airflow_provider_sms.triggers.checks import best_states, check_batches, describe_batches
from airflow_provider_sms.triggers.conditions import WaitCondition

DELIVERED = from_sinch("Delivered", 0)
FAILED = from_sinch("Failed", 1)
DISPATCHED = from_sinch("Dispatched", 401)
EXPIRED = from_sinch("Expired", 0)


class StubTracking(TrackingOperations):
    """Canned counts and recipient states per batch."""

    def __init__(self, counts: dict[str, tuple[int, list[tuple[MessageState, int]]]] | None = None) -> None:
        self.counts = counts or {}
        self.states: dict[str, list[RecipientState]] = {}

    def batch_status(self, batch_id: str) -> BatchStatus:
        total, counts = self.counts[batch_id]
        return BatchStatus(batch_id, total, tuple(StatusCount(state, n) for state, n in counts))

    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        return self.states.get(batch_id, [])


def test_all_final_waits_while_a_message_is_open_and_counts_unreported_as_pending() -> None:
    hook = StubTracking({"b1": (4, [(DELIVERED, 2), (DISPATCHED, 1)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build())

    assert verdict.outcome == "waiting"
    assert verdict.summary["statuses"] == {"delivered": 2, "pending": 1, "sent": 1}
    assert verdict.summary["vendor_statuses"] == {"(not reported yet)": 1, "Delivered": 2, "Dispatched": 1}
    assert verdict.message == "2 of 4 messages of batch b1 final: delivered 2, pending 1, sent 1"


def test_all_final_succeeds_across_batches_and_says_when_some_expired() -> None:
    hook = StubTracking({"b1": (2, [(DELIVERED, 2)]), "b2": (2, [(FAILED, 1), (EXPIRED, 1)])})

    verdict = check_batches(hook, ["b1", "b2"], WaitCondition.build())

    assert verdict.outcome == "success"
    assert verdict.summary == {
        "batch_ids": ["b1", "b2"],
        "total": 4,
        "final": 4,
        "completed": True,
        "expired": True,
        "statuses": {"delivered": 2, "expired": 1, "failed": 1},
        "vendor_statuses": {"Delivered": 2, "Expired": 1, "Failed": 1},
    }
    assert "(some expired without a delivery receipt)" in verdict.message


def test_a_batch_with_no_messages_found_keeps_waiting() -> None:
    verdict = check_batches(StubTracking({"k@1": (0, [])}), ["k@1"], WaitCondition.build())

    assert verdict.outcome == "waiting"
    assert verdict.message == "No messages found yet for batch k@1"


def test_delivery_succeeds_as_soon_as_the_ratio_is_met_even_with_messages_open() -> None:
    hook = StubTracking({"b1": (4, [(DELIVERED, 3), (DISPATCHED, 1)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.75))

    assert verdict.outcome == "success"
    assert (verdict.summary["succeeded"], verdict.summary["failed"], verdict.summary["required"]) == (3, 0, 3)


def test_delivery_fails_fast_once_too_many_ended_otherwise() -> None:
    hook = StubTracking({"b1": (10, [(DELIVERED, 1), (FAILED, 2), (DISPATCHED, 7)])})

    verdict = check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.9))

    assert verdict.outcome == "failure"
    assert verdict.message.startswith(
        "Delivery condition can no longer be met for batch b1: 2 of 10 messages ended without reaching "
        "delivered, so at most 8 can, but 9 are needed (min_success_ratio=0.9)"
    )


def test_delivery_waits_while_the_ratio_is_still_reachable() -> None:
    hook = StubTracking({"b1": (10, [(DELIVERED, 1), (FAILED, 1), (DISPATCHED, 8)])})

    assert (
        check_batches(hook, ["b1"], WaitCondition.build("delivery", min_success_ratio=0.9)).outcome
        == "waiting"
    )


def test_delivery_counts_other_success_statuses() -> None:
    submitted = from_fonedynamics("Submitted", delivery_receipt=True)
    hook = StubTracking({"k@1": (2, [(submitted, 2)])})

    verdict = check_batches(
        hook, ["k@1"], WaitCondition.build("delivery", success_statuses=["delivered", "sent"])
    )

    assert verdict.outcome == "success"


def test_delivery_for_given_recipients_counts_only_them_across_batches() -> None:
    hook = StubTracking()
    hook.states = {
        "b1": [RecipientState("b1", "+61400000001", DELIVERED), RecipientState("b1", "+61400000013", FAILED)],
        "b2": [RecipientState("b2", "+61400000002", DISPATCHED)],
    }
    condition = WaitCondition.build("delivery", recipients=["+61400000001", "+61400000002", "+61400000003"])

    verdict = check_batches(hook, ["b1", "b2"], condition)

    assert verdict.outcome == "waiting"
    assert verdict.summary["total"] == 3
    assert verdict.summary["statuses"] == {"delivered": 1, "pending": 1, "sent": 1}
    assert "+61400000001" not in str(verdict.summary) + verdict.message


def test_best_states_prefers_a_final_state() -> None:
    states = [RecipientState("b1", "+61400000001", DISPATCHED), RecipientState("b2", "+61400000001", FAILED)]

    assert best_states(states)["+61400000001"].batch_id == "b2"
    assert best_states(reversed(states))["+61400000001"].batch_id == "b2"


def test_describe_batches_is_bounded() -> None:
    assert describe_batches(["a"]) == "batch a"
    assert describe_batches(["a", "b", "c", "d", "e"]) == "batches a, b, c and 2 more"
