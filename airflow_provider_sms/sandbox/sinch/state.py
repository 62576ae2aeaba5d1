"""The Sinch sandbox's memory: batches with each recipient's delivery state, and issued OAuth2 tokens."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
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
        wanted = msisdn.strip().lstrip("+")
        for number, recipient in self.recipients.items():
            if number.lstrip("+") == wanted:
                return recipient
        return None


def queued_recipients(to: list[str], at: datetime) -> dict[str, RecipientState]:
    """Return a fresh Queued state for each number.

    :param to: Recipient numbers.
    :param at: Time of queuing.
    """
    return {number: RecipientState(number, *QUEUED, at=at) for number in to}


def _dump_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {key: _dump_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dump_value(item) for item in value]
    return value


def _load_value(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        return {key: _load_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_load_value(item) for item in value]
    return value


@dataclass
class SinchState:
    """Everything the Sinch sandbox remembers.

    :param batches: Batches by id, in creation order.
    :param tokens: OAuth2 access tokens and when they expire.
    """

    batches: dict[str, Batch] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        """Return the state as JSON-ready data for the state store."""
        return {
            "batches": [_dump_value(asdict(batch)) for batch in self.batches.values()],
            "tokens": _dump_value(self.tokens),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> SinchState:
        """Rebuild the state from :meth:`dump` output.

        :param data: Saved state.
        """
        state = cls(tokens=_load_value(data.get("tokens", {})))
        for saved in data.get("batches", []):
            raw = _load_value(saved)
            raw["content"] = BatchContent(**raw["content"])
            raw["recipients"] = {number: RecipientState(**r) for number, r in raw["recipients"].items()}
            batch = Batch(**raw)
            state.batches[batch.id] = batch
        return state
