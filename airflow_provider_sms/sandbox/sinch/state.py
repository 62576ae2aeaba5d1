"""The Sinch sandbox's memory: batches with each recipient's delivery state, and issued OAuth2 tokens."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from airflow_provider_sms.sandbox.sinch.content import BatchContent

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
