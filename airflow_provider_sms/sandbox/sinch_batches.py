"""Sinch batches in the sandbox over time, and how they are saved.

A :class:`Batch` holds each recipient's :class:`RecipientState`. On the sandbox clock a batch is Queued,
then Dispatched at ``send_at`` (each recipient's body rendered: parameters, truncation, parts), then gets
a final status by recipient number or expires; :func:`advance` makes those moves and
:class:`DueIndex` finds the batches that have one due. :class:`SinchPersistence` saves what changed.
"""

from __future__ import annotations

import base64
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_sms.sandbox.core import (
    GSM7_EXTENSION,
    GSM7_SINGLE,
    UCS2_SINGLE,
    StateStore,
    count_segments,
    is_gsm7,
)
from airflow_provider_sms.sandbox.sinch_requests import MT_BINARY, BatchContent, substitute

# --- state: batches, recipients, statuses -------------------------------------------------------------------

QUEUED = ("Queued", 400)
DISPATCHED = ("Dispatched", 401)
DELIVERED = ("Delivered", 0)
# The sandbox's SMSC answers every undeliverable number with one SMPP error code.
FAILED = ("Failed", 1)
UNMATCHED_PARAMETER = ("Aborted", 405)
EXPIRED = ("Expired", 406)
CANCELLED = ("Cancelled", 407)
NO_ORIGINATOR = ("Aborted", 410)
TOO_MANY_PARTS = ("Aborted", 411)
FINAL_STATUSES = frozenset(
    {"Aborted", "Cancelled", "Rejected", "Deleted", "Delivered", "Failed", "Expired", "Unknown"}
)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONTENT_FIELD_NAMES = tuple(f.name for f in fields(BatchContent))


def new_batch_id(now: datetime, rng: random.Random) -> str:
    """Return a ULID-shaped batch id (26 Crockford base-32 characters, sortable by creation time).

    :param now: Creation time.
    :param rng: The sandbox's seeded randomness.
    """
    value = (int(now.timestamp() * 1000) << 80) | rng.getrandbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass
class RecipientState:
    """Where one recipient's message is.

    :param msisdn: The number as given in ``to``.
    :param status: Sinch simplified status (``Queued``, ``Dispatched``, ``Delivered`` ...).
    :param code: Sinch detailed code (400 queued, 401 dispatched, 0 delivered ...).
    :param at: When the status was last set.
    :param body: The text sent, after parameter substitution and truncation (set at dispatch).
    :param encoding: ``GSM`` or ``UNICODE`` (set at dispatch).
    :param parts: Number of SMS parts (set at dispatch).
    :param dispatched_at: When the message went to the SMSC.
    :param feedback_at: When the client confirmed delivery with delivery feedback.
    """

    msisdn: str
    status: str
    code: int
    at: datetime
    body: str | None = None
    encoding: str | None = None
    parts: int | None = None
    dispatched_at: datetime | None = None
    feedback_at: datetime | None = None

    @property
    def final(self) -> bool:
        """Whether the status will not change any more."""
        return self.status in FINAL_STATUSES

    def set(self, status_code: tuple[str, int], at: datetime) -> None:
        """Move to a new status.

        :param status_code: ``(status, code)``.
        :param at: When it happened.
        """
        self.status, self.code = status_code
        self.at = at


@dataclass
class Batch:
    """A batch and its recipients' states.

    :param id: Batch id.
    :param content: What the batch says (replaced by PUT, changed by update).
    :param created_at: When it was created.
    :param modified_at: When it was last updated or replaced.
    :param submitted_at: When the current content was submitted (its dispatch time when no ``send_at``).
    :param recipients: State per recipient number, in ``to`` order.
    :param canceled: Whether DELETE was called.
    :param dispatched: Whether it has gone out (after which it cannot be changed).
    :param summary_sent: Whether the summary/full callback has been sent.
    """

    id: str
    content: BatchContent
    created_at: datetime
    modified_at: datetime
    submitted_at: datetime
    recipients: dict[str, RecipientState] = field(default_factory=dict)
    canceled: bool = False
    dispatched: bool = False
    summary_sent: bool = False

    @property
    def dispatch_at(self) -> datetime:
        """When the batch goes (or went) out."""
        return self.content.dispatch_at(self.submitted_at)

    @property
    def expires_at(self) -> datetime:
        """When messages without a final receipt expire."""
        return self.content.expires_at(self.submitted_at)

    def all_final(self) -> bool:
        """Whether every recipient's message is in a final status."""
        return all(recipient.final for recipient in self.recipients.values())

    def find_recipient(self, msisdn: str) -> RecipientState | None:
        """Return a recipient's state, matching the number with or without ``+``.

        :param msisdn: The number from the URL.
        """
        # Numbers in a batch are unique without their "+", so at most one of these keys is present.
        wanted = msisdn.strip().lstrip("+")
        return self.recipients.get("+" + wanted) or self.recipients.get(wanted)


def queued_recipients(to: list[str], at: datetime) -> dict[str, RecipientState]:
    """Return a fresh Queued state for each number.

    :param to: Recipient numbers.
    :param at: Time of queuing.
    """
    return {number: RecipientState(number, *QUEUED, at=at) for number in to}


def _dump_time(moment: datetime | None) -> dict[str, str] | None:
    return None if moment is None else {"$dt": moment.isoformat()}


def _load_time(saved: dict[str, str]) -> datetime:
    return datetime.fromisoformat(saved["$dt"])


def _load_optional_time(saved: dict[str, str] | None) -> datetime | None:
    return None if saved is None else _load_time(saved)


def _dump_content(content: BatchContent) -> dict[str, Any]:
    data = {name: getattr(content, name) for name in CONTENT_FIELD_NAMES}
    data["to"] = list(content.to)
    data["parameters"] = {key: dict(values) for key, values in content.parameters.items()}
    data["send_at"] = _dump_time(content.send_at)
    data["expire_at"] = _dump_time(content.expire_at)
    return data


def _dump_recipient(recipient: RecipientState) -> dict[str, Any]:
    return {
        "msisdn": recipient.msisdn,
        "status": recipient.status,
        "code": recipient.code,
        "at": _dump_time(recipient.at),
        "body": recipient.body,
        "encoding": recipient.encoding,
        "parts": recipient.parts,
        "dispatched_at": _dump_time(recipient.dispatched_at),
        "feedback_at": _dump_time(recipient.feedback_at),
    }


def _load_recipient(saved: dict[str, Any]) -> RecipientState:
    return RecipientState(
        msisdn=saved["msisdn"],
        status=saved["status"],
        code=saved["code"],
        at=_load_time(saved["at"]),
        body=saved["body"],
        encoding=saved["encoding"],
        parts=saved["parts"],
        dispatched_at=_load_optional_time(saved["dispatched_at"]),
        feedback_at=_load_optional_time(saved["feedback_at"]),
    )


def dump_batch(batch: Batch) -> dict[str, Any]:
    """Return one batch as JSON-ready data that shares nothing mutable with the live batch.

    :param batch: The batch.
    """
    return {
        "id": batch.id,
        "content": _dump_content(batch.content),
        "created_at": _dump_time(batch.created_at),
        "modified_at": _dump_time(batch.modified_at),
        "submitted_at": _dump_time(batch.submitted_at),
        "recipients": {number: _dump_recipient(r) for number, r in batch.recipients.items()},
        "canceled": batch.canceled,
        "dispatched": batch.dispatched,
        "summary_sent": batch.summary_sent,
    }


def load_batch(saved: dict[str, Any]) -> Batch:
    """Rebuild a batch from :func:`dump_batch` output.

    :param saved: Saved batch.
    """
    content = dict(saved["content"])
    content["send_at"] = _load_optional_time(content["send_at"])
    content["expire_at"] = _load_optional_time(content["expire_at"])
    return Batch(
        id=saved["id"],
        content=BatchContent(**content),
        created_at=_load_time(saved["created_at"]),
        modified_at=_load_time(saved["modified_at"]),
        submitted_at=_load_time(saved["submitted_at"]),
        recipients={number: _load_recipient(r) for number, r in saved["recipients"].items()},
        canceled=saved["canceled"],
        dispatched=saved["dispatched"],
        summary_sent=saved["summary_sent"],
    )


def dump_tokens(tokens: dict[str, datetime]) -> dict[str, Any]:
    """Return issued OAuth2 tokens as JSON-ready data.

    :param tokens: Token to expiry.
    """
    return {token: _dump_time(expiry) for token, expiry in tokens.items()}


def load_tokens(saved: dict[str, Any]) -> dict[str, datetime]:
    """Rebuild issued OAuth2 tokens from :func:`dump_tokens` output.

    :param saved: Saved tokens.
    """
    return {token: _load_time(expiry) for token, expiry in saved.items()}


@dataclass
class SinchState:
    """Everything the Sinch sandbox remembers.

    :param batches: Batches by id, in creation order.
    :param tokens: OAuth2 access tokens and when they expire.
    """

    batches: dict[str, Batch] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        """Return the whole state as one JSON-ready document (the layout before per-batch saving)."""
        return {
            "batches": [dump_batch(batch) for batch in self.batches.values()],
            "tokens": dump_tokens(self.tokens),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> SinchState:
        """Rebuild the state from :meth:`dump` output.

        :param data: Saved state.
        """
        state = cls(tokens=load_tokens(data.get("tokens", {})))
        for saved in data.get("batches", []):
            batch = load_batch(saved)
            state.batches[batch.id] = batch
        return state


# --- rendering: what each recipient gets after substitution and truncation ----------------------------------


def _septets(char: str) -> int:
    return 2 if char in GSM7_EXTENSION else 1


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def truncate_to_one_part(text: str) -> str:
    """Shorten ``text`` to one part (160 GSM-7 septets or 70 UTF-16 units); a shorter text is unchanged.

    A two-unit character (GSM-7 extension, UTF-16 surrogate pair) that does not fit whole is dropped.

    :param text: The body after parameter substitution.
    """
    gsm = is_gsm7(text)
    limit = GSM7_SINGLE if gsm else UCS2_SINGLE
    cost = _septets if gsm else _utf16_units
    kept: list[str] = []
    used = 0
    for char in text:
        used += cost(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept)


@dataclass(frozen=True)
class RenderedMessage:
    """One recipient's message as it would go out, or why it cannot.

    :param recipient: The number.
    :param body: Text after substitution (and truncation), ``None`` when a parameter is unmatched.
    :param encoding: ``GSM`` or ``UNICODE``.
    :param parts: Number of SMS parts.
    :param aborted: ``(status, code)`` when the message is not sent, e.g. ``("Aborted", 405)``.
    """

    recipient: str
    body: str | None
    encoding: str
    parts: int
    aborted: tuple[str, int] | None = None


def render(content: BatchContent, recipient: str) -> RenderedMessage:
    """Work out one recipient's message, applying ``${key}`` parameters, truncation and the parts limit.

    A binary message is one part of 8-bit data; the sandbox reports it as ``UNICODE``, the other
    140-byte encoding.

    :param content: The batch content.
    :param recipient: The recipient number.
    """
    if content.type == MT_BINARY:
        data = base64.b64decode(content.body)
        aborted = NO_ORIGINATOR if content.sender is None else None
        return RenderedMessage(recipient, data.hex(), "UNICODE", 1, aborted)
    body = substitute(content.body, content.parameters, recipient)
    if body is None:
        return RenderedMessage(recipient, None, "GSM", 0, UNMATCHED_PARAMETER)
    if content.truncate_concat:
        body = truncate_to_one_part(body)
    counted = count_segments(body)
    aborted = None
    if content.sender is None:
        aborted = NO_ORIGINATOR
    elif (
        content.max_number_of_message_parts is not None
        and counted.parts > content.max_number_of_message_parts
    ):
        aborted = TOO_MANY_PARTS
    return RenderedMessage(recipient, body, counted.encoding, counted.parts, aborted)


# --- lifecycle: Queued, then Dispatched at send_at, then a final status -------------------------------------

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


# --- due index: a tick looks only at batches whose next change has come -------------------------------------


class DueIndex:
    """Each pending batch's next change time, kept in a heap so finding what is due costs what is due.

    Setting a batch's time again supersedes the earlier entry, which stays in the heap and is skipped
    when it surfaces.
    """

    def __init__(self) -> None:
        self._due: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self._due

    def set(self, batch_id: str, due: datetime | None) -> None:
        """Record when the batch next changes; ``None`` forgets it (nothing will change any more).

        :param batch_id: Batch id.
        :param due: Sandbox time of its next change.
        """
        if due is None:
            self._due.pop(batch_id, None)
            return
        if self._due.get(batch_id) == due:
            return
        self._due[batch_id] = due
        heapq.heappush(self._heap, (due, batch_id))

    def take_due(self, now: datetime) -> list[str]:
        """Remove and return the batches due at or before ``now``, in batch id (creation) order.

        :param now: Sandbox time.
        """
        taken: set[str] = set()
        while self._heap and self._heap[0][0] <= now:
            due, batch_id = heapq.heappop(self._heap)
            if self._due.get(batch_id) == due:
                del self._due[batch_id]
                taken.add(batch_id)
        return sorted(taken)

    def clear(self) -> None:
        """Forget every batch."""
        self._due.clear()
        self._heap.clear()


# --- persistence: one document per batch, written only when it changed --------------------------------------

NAMESPACE = "sinch"
LAYOUT = 2


def batch_namespace(batch_id: str) -> str:
    """Return the store namespace of one batch.

    :param batch_id: Batch id.
    """
    return f"{NAMESPACE}.batch.{batch_id}"


class SinchPersistence:
    """Remembers what changed since the last save and writes only that.

    Layout in the state store: namespace ``sinch`` holds ``{"layout": 2, "batch_ids": [...], "tokens":
    {...}}`` and namespace ``sinch.batch.<id>`` holds each batch. A ``sinch`` document in the older layout
    (every batch inline under ``batches``) is still read, and rewritten in the new layout at the next save.

    :param store: The sandbox's state store.
    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._dirty_batches: set[str] = set()
        self._index_dirty = False

    def load(self) -> SinchState:
        """Return the saved state, empty if nothing was saved."""
        index = self.store.load(NAMESPACE)
        if not index:
            return SinchState()
        if index.get("layout") != LAYOUT:
            state = SinchState.load(index)
            self._dirty_batches.update(state.batches)
            self._index_dirty = True
            return state
        state = SinchState(tokens=load_tokens(index["tokens"]))
        for batch_id in index["batch_ids"]:
            saved = self.store.load(batch_namespace(batch_id))
            if saved is not None:
                state.batches[batch_id] = load_batch(saved)
        return state

    def batch_changed(self, batch_id: str, *, new: bool = False) -> None:
        """Note that a batch must be saved; a ``new`` one is also added to the index.

        :param batch_id: Batch id.
        :param new: Whether the batch was just created.
        """
        self._dirty_batches.add(batch_id)
        self._index_dirty = self._index_dirty or new

    def tokens_changed(self) -> None:
        """Note that the issued OAuth2 tokens must be saved."""
        self._index_dirty = True

    def forget(self) -> None:
        """Drop pending changes (after a reset cleared the store)."""
        self._dirty_batches.clear()
        self._index_dirty = False

    def save(self, state: SinchState) -> None:
        """Write the batches that changed, and the index if it changed.

        :param state: The live state.
        """
        for batch_id in sorted(self._dirty_batches):
            self.store.save(batch_namespace(batch_id), dump_batch(state.batches[batch_id]))
        self._dirty_batches.clear()
        if self._index_dirty:
            index: dict[str, Any] = {
                "layout": LAYOUT,
                "batch_ids": list(state.batches),
                "tokens": dump_tokens(state.tokens),
            }
            self.store.save(NAMESPACE, index)
            self._index_dirty = False
