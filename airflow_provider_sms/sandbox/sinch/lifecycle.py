"""How batches move on the sandbox clock: Queued, then Dispatched at ``send_at``, then a final status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from airflow_provider_sms.sandbox.sinch.rendering import render
from airflow_provider_sms.sandbox.sinch.state import (
    CANCELLED,
    DELIVERED,
    DISPATCHED,
    EXPIRED,
    FAILED,
    Batch,
    RecipientState,
)

OutcomeOf = Callable[[str], str]


@dataclass(frozen=True)
class StatusChange:
    """A recipient's message changed status.

    :param batch: The batch.
    :param recipient: A copy of the recipient's state right after the change (a later change in the
        same tick does not alter it).
    """

    batch: Batch
    recipient: RecipientState

    @classmethod
    def of(cls, batch: Batch, recipient: RecipientState) -> StatusChange:
        """Record the change that ``recipient`` just went through.

        :param batch: The batch.
        :param recipient: The recipient's live state.
        """
        return cls(batch, replace(recipient))


def cancel(batch: Batch, now: datetime) -> list[StatusChange]:
    """Cancel a batch: before dispatch every recipient becomes Cancelled (407); after, nothing changes.

    :param batch: The batch.
    :param now: Sandbox time.
    """
    batch.canceled = True
    batch.modified_at = now
    if batch.dispatched:
        return []
    changes = []
    for recipient in batch.recipients.values():
        recipient.set(CANCELLED, now)
        changes.append(StatusChange.of(batch, recipient))
    return changes


def _dispatch(batch: Batch) -> list[StatusChange]:
    at = batch.dispatch_at
    batch.dispatched = True
    changes = []
    for recipient in batch.recipients.values():
        message = render(batch.content, recipient.msisdn)
        recipient.body, recipient.encoding, recipient.parts = message.body, message.encoding, message.parts
        if message.aborted is not None:
            recipient.set(message.aborted, at)
        else:
            recipient.set(DISPATCHED, at)
            recipient.dispatched_at = at
        changes.append(StatusChange.of(batch, recipient))
    return changes


def _settle(batch: Batch, recipient: RecipientState, now: datetime, delay: timedelta, outcome: str) -> bool:
    if recipient.status != DISPATCHED[0] or recipient.dispatched_at is None:
        return False
    expiry = batch.expires_at
    receipt_at = recipient.dispatched_at + delay
    if (outcome == "no_receipt" or expiry <= receipt_at) and now >= expiry:
        recipient.set(EXPIRED, expiry)
        return True
    if outcome != "no_receipt" and receipt_at < expiry and now >= receipt_at:
        recipient.set(DELIVERED if outcome == "delivered" else FAILED, receipt_at)
        return True
    return False


def advance(batch: Batch, now: datetime, delivery_delay: float, outcome_of: OutcomeOf) -> list[StatusChange]:
    """Bring a batch up to ``now`` and return the status changes, each stamped with when it happened.

    :param batch: The batch.
    :param now: Sandbox time.
    :param delivery_delay: Seconds from dispatch to the delivery receipt.
    :param outcome_of: ``delivered``, ``failed`` or ``no_receipt`` for a recipient number.
    """
    if batch.canceled and not batch.dispatched:
        return []
    changes = []
    if not batch.dispatched and now >= batch.dispatch_at:
        changes += _dispatch(batch)
    if batch.dispatched:
        delay = timedelta(seconds=delivery_delay)
        for recipient in batch.recipients.values():
            if _settle(batch, recipient, now, delay, outcome_of(recipient.msisdn)):
                changes.append(StatusChange.of(batch, recipient))
    return changes


def next_change_at(batch: Batch, delivery_delay: float, outcome_of: OutcomeOf) -> datetime | None:
    """Return the earliest sandbox time at which :func:`advance` would change the batch, ``None`` if never.

    :param batch: The batch, brought up to date by :func:`advance`.
    :param delivery_delay: Seconds from dispatch to the delivery receipt.
    :param outcome_of: ``delivered``, ``failed`` or ``no_receipt`` for a recipient number.
    """
    if batch.canceled and not batch.dispatched:
        return None
    if not batch.dispatched:
        return batch.dispatch_at
    delay = timedelta(seconds=delivery_delay)
    expiry = batch.expires_at
    earliest: datetime | None = None
    for recipient in batch.recipients.values():
        if recipient.status != DISPATCHED[0] or recipient.dispatched_at is None:
            continue
        receipt_at = recipient.dispatched_at + delay
        due = expiry if outcome_of(recipient.msisdn) == "no_receipt" or expiry <= receipt_at else receipt_at
        if earliest is None or due < earliest:
            earliest = due
    return earliest
