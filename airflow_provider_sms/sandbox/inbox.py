"""Handset inboxes: every SMS each recipient number received, recorded when it was delivered."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from airflow_provider_sms.sandbox.clock import SandboxClock


def normalize_msisdn(msisdn: str) -> str:
    """Return the number as ``+`` and digits, whether it was given with ``+``, ``%2B`` or without."""
    text = msisdn.strip()
    if text.upper().startswith("%2B"):
        text = text[3:]
    return "+" + text.lstrip("+")


@dataclass(frozen=True)
class InboxEntry:
    """One SMS as the handset saw it.

    :param to: Recipient number, normalised to ``+`` and digits.
    :param body: Text of the message.
    :param sender: The ``from`` shown on the handset (number or alphanumeric id).
    :param vendor: ``sinch`` or ``fonedynamics``.
    :param message_id: Vendor id of the message (Fone Dynamics MessageSid; for Sinch, may repeat the batch).
    :param batch_id: Sinch batch id, if any.
    :param at: Sandbox time of delivery, ISO 8601 UTC.
    """

    to: str
    body: str
    sender: str
    vendor: str
    message_id: str | None
    batch_id: str | None
    at: str

    def to_json(self) -> dict[str, Any]:
        """Return the entry as served by ``GET /_sandbox/inbox/{msisdn}``."""
        data = asdict(self)
        data["from"] = data.pop("sender")
        return data


class Inbox:
    """Every handset's received messages, in delivery order.

    :param clock: Gives the time of each delivery.
    """

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._entries: dict[str, list[InboxEntry]] = {}
        self._lock = threading.Lock()
        self._dirty = False

    def deliver(
        self,
        msisdn: str,
        *,
        body: str,
        sender: str,
        vendor: str,
        message_id: str | None,
        batch_id: str | None = None,
    ) -> InboxEntry:
        """Add a message to a handset's inbox at the sandbox's current time and return the entry.

        :param msisdn: Recipient number, with or without ``+``.
        :param body: Text of the message.
        :param sender: Sender shown on the handset.
        :param vendor: ``sinch`` or ``fonedynamics``.
        :param message_id: Vendor message id.
        :param batch_id: Sinch batch id, if any.
        """
        entry = InboxEntry(
            to=normalize_msisdn(msisdn),
            body=body,
            sender=sender,
            vendor=vendor,
            message_id=message_id,
            batch_id=batch_id,
            at=self._clock.now().isoformat(),
        )
        with self._lock:
            self._entries.setdefault(entry.to, []).append(entry)
            self._dirty = True
        return entry

    def messages(self, msisdn: str) -> list[InboxEntry]:
        """Return what one handset received, oldest first.

        :param msisdn: The number, with ``+``, ``%2B`` or without.
        """
        with self._lock:
            return list(self._entries.get(normalize_msisdn(msisdn), []))

    def total(self) -> int:
        """Return how many messages all handsets received together."""
        with self._lock:
            return sum(len(entries) for entries in self._entries.values())

    def clear(self) -> None:
        """Empty every inbox."""
        with self._lock:
            self._entries.clear()
            self._dirty = True

    def take_dirty(self) -> bool:
        """Return whether the inbox changed since the last call (so it is saved only when needed)."""
        with self._lock:
            dirty, self._dirty = self._dirty, False
            return dirty

    def dump(self) -> dict[str, Any]:
        """Return the inboxes as JSON-ready data."""
        with self._lock:
            return {number: [asdict(e) for e in entries] for number, entries in self._entries.items()}

    def load(self, data: dict[str, Any]) -> None:
        """Replace the inboxes with data produced by :meth:`dump`.

        :param data: Saved inboxes.
        """
        with self._lock:
            self._entries = {number: [InboxEntry(**e) for e in entries] for number, entries in data.items()}
            self._dirty = False
