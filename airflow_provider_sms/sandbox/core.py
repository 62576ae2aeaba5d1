"""What both vendor APIs of a running sandbox share.

The :class:`SandboxContext` holds the settings, the sandbox clock, the lock, the seeded randomness,
counters, the state store, the handsets' inboxes, the outgoing callbacks (:mod:`~.callbacks`) and the
vendors' handlers of injected inbound messages; vendor routers receive it. Next to it are the rules both
vendors follow in the sandbox: a message's fate by recipient number, and SMS part counting (GSM-7 or
UCS-2).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from airflow_provider_sms.sandbox.callbacks import CallbackDispatcher
from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig

# --- SMS parts: GSM-7 (160 / 153 septets per part) or UCS-2 (70 / 67 UTF-16 units per part) -----------------

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels as SMS.

    :param encoding: ``GSM`` when every character is in the GSM-7 tables, else ``UNICODE`` (UCS-2).
    :param units: Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2).
    :param parts: Number of SMS parts the text needs (at least 1).
    """

    encoding: Literal["GSM", "UNICODE"]
    units: int
    parts: int


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """Count the SMS parts of ``text``; an empty text still takes one part.

    :param text: The message body.
    """
    encoding: Literal["GSM", "UNICODE"]
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, per_part, encoding = GSM7_SINGLE, GSM7_PART, "GSM"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per_part, encoding = UCS2_SINGLE, UCS2_PART, "UNICODE"
    parts = 1 if units <= single else math.ceil(units / per_part)
    return SegmentCount(encoding=encoding, units=units, parts=parts)


# --- clock: real time plus an offset that tests move forward instead of waiting -----------------------------


class SandboxClock:
    """Real UTC time shifted by an offset that only ever grows (until a reset)."""

    def __init__(self) -> None:
        self._offset_seconds = 0.0
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        """Seconds the clock runs ahead of real time."""
        return self._offset_seconds

    def now(self) -> datetime:
        """Return the sandbox's current time, timezone-aware in UTC."""
        return datetime.now(timezone.utc) + timedelta(seconds=self._offset_seconds)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new now.

        :param seconds: How far to move; must not be negative (time never runs backwards).
        """
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward: advance_seconds must be >= 0")
        with self._lock:
            self._offset_seconds += seconds
        return self.now()

    def set_offset(self, seconds: float) -> None:
        """Restore a saved offset (used when state is reloaded from a state file).

        :param seconds: Offset from real time, in seconds.
        """
        with self._lock:
            self._offset_seconds = seconds

    def reset(self) -> None:
        """Return to real time."""
        self.set_offset(0.0)


# --- state store: memory, or an SQLite file that survives restarts ------------------------------------------


class StateStore:
    """Named JSON documents, one per namespace (``sinch``, ``fonedynamics``, ``inbox`` ...).

    In memory (no ``path``) a saved dict is kept as is, so saving is cheap; with a ``path`` every save is
    written to SQLite as JSON at once, so the state survives a restart of the sandbox.

    :param path: SQLite file to use, created if missing; ``None`` keeps everything in memory.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: dict[str, dict[str, Any]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS state (namespace TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )

    @property
    def persistent(self) -> bool:
        """Whether saves go to a file."""
        return self._db is not None

    def load(self, namespace: str) -> dict[str, Any] | None:
        """Return the data last saved under ``namespace``, or ``None`` if there is none.

        :param namespace: Name of the document, e.g. ``fonedynamics``.
        """
        with self._lock:
            if self._db is None:
                return self._memory.get(namespace)
            row = self._db.execute("SELECT data FROM state WHERE namespace = ?", (namespace,)).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def save(self, namespace: str, data: dict[str, Any]) -> None:
        """Replace the document saved under ``namespace``.

        :param namespace: Name of the document.
        :param data: JSON-serialisable state.
        """
        with self._lock:
            if self._db is None:
                self._memory[namespace] = data
                return
            text = json.dumps(data, separators=(",", ":"))
            self._db.execute(
                "INSERT INTO state (namespace, data) VALUES (?, ?) "
                "ON CONFLICT(namespace) DO UPDATE SET data = excluded.data",
                (namespace, text),
            )

    def clear(self) -> None:
        """Forget every namespace."""
        with self._lock:
            self._memory.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM state")

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


# --- inboxes: every SMS each handset received, recorded when it was delivered -------------------------------


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


# --- inbound messages: a handset's reply, injected through the control API ---------------------------------


@dataclass(frozen=True)
class InboundRequest:
    """A handset's message to a vendor number, as ``POST /_sandbox/inbound`` takes it (types checked).

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param sender: The handset's number (``from``).
    :param to: The vendor number, short code or leased number it goes to; ``None`` to take it from the
        message answered.
    :param body: The text.
    :param in_reply_to: A Sinch batch id or a Fone Dynamics MessageSid this message answers, if any.
    :param idempotency_key: The caller's key: the same key again returns the same inbound message.
    :param operator_id: The sender's operator (MCC/MNC); Sinch only.
    """

    vendor: str
    sender: str
    to: str | None
    body: str
    in_reply_to: str | None = None
    idempotency_key: str | None = None
    operator_id: str | None = None

    def fields(self) -> dict[str, str | None]:
        """Return what the caller asked for, to tell a replay from a different use of the same key."""
        return {
            "from": self.sender,
            "to": self.to,
            "body": self.body,
            "in_reply_to": self.in_reply_to,
            "operator_id": self.operator_id,
        }


class InboundRefused(Exception):
    """An injected inbound message the vendor cannot take, with the HTTP status to answer.

    :param status: 400 (bad field), 404 (the message answered does not exist) or 409 (key reused).
    :param field: The field at fault.
    :param message: What is wrong, naming the (masked) value and the rule.
    """

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status = status
        self.field = field
        self.message = message


def check_replay(request: InboundRequest, saved_fields: dict[str, Any]) -> None:
    """Accept a request that repeats the one that first used its key; raise a 409 if it asks otherwise.

    :param request: The new request, with an ``idempotency_key``.
    :param saved_fields: :meth:`InboundRequest.fields` of the request that first used the key.
    """
    if request.fields() != saved_fields:
        raise InboundRefused(
            409, "idempotency_key", f"{request.idempotency_key!r} was already used for a different message"
        )


InboundHandler = Callable[[InboundRequest], dict[str, Any]]


# --- the context: outcomes by number, tickers, counters, reset ----------------------------------------------

Outcome = Literal["delivered", "failed", "no_receipt"]

INBOX_NAMESPACE = "_inbox"
CLOCK_NAMESPACE = "_clock"


def outcome_for(msisdn: str) -> Outcome:
    """Return the fixed fate of a message to ``msisdn``: ends in 13 fails, ends in 99 never gets a receipt.

    :param msisdn: Recipient number, with or without ``+``.
    """
    digits = "".join(ch for ch in msisdn if ch.isdigit())
    if digits.endswith("13"):
        return "failed"
    if digits.endswith("99"):
        return "no_receipt"
    return "delivered"


class SandboxContext:
    """The shared state of one sandbox server; vendor routers receive it in ``build_router(ctx)``.

    Hold :attr:`lock` for every read or change of vendor state. Tickers registered with
    :meth:`add_ticker` run under that lock about every 100 ms and at the start of every vendor API
    request, so what a request reads is current with the sandbox clock.

    :param config: Settings of the server.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock()
        self.lock = threading.RLock()
        self.rng = random.Random(config.seed)
        self.faults: FaultConfig = replace(config.faults)
        self.store = StateStore(config.state_file)
        self.inbox = Inbox(self.clock)
        self.callbacks = CallbackDispatcher(self.count, self.clock.now, config.callback_retry_s)
        self._counters: dict[str, int] = {}
        self._counters_lock = threading.Lock()
        self._tickers: list[Callable[[datetime], None]] = [self.callbacks.tick]
        self._reset_hooks: list[Callable[[], None]] = []
        self._inbound_handlers: dict[str, InboundHandler] = {}
        self._load_own_state()

    def _load_own_state(self) -> None:
        saved_inbox = self.store.load(INBOX_NAMESPACE)
        if saved_inbox is not None:
            self.inbox.load(saved_inbox)
        saved_clock = self.store.load(CLOCK_NAMESPACE)
        if saved_clock is not None:
            self.clock.set_offset(float(saved_clock.get("offset_seconds", 0.0)))

    def outcome(self, msisdn: str) -> Outcome:
        """Return the fixed fate of a message to ``msisdn`` (see :func:`outcome_for`).

        :param msisdn: Recipient number, with or without ``+``.
        """
        return outcome_for(msisdn)

    def add_ticker(self, fn: Callable[[datetime], None]) -> None:
        """Have ``fn(now)`` called under :attr:`lock` about every 100 ms and before every vendor request.

        :param fn: Moves the vendor's messages along in time (dispatch, delivery, expiry ...).
        """
        self._tickers.append(fn)

    def add_reset_hook(self, fn: Callable[[], None]) -> None:
        """Have ``fn()`` called by ``POST /_sandbox/reset`` (under :attr:`lock`) to forget vendor state.

        :param fn: Clears the vendor's state.
        """
        self._reset_hooks.append(fn)

    def add_inbound_handler(self, vendor: str, fn: InboundHandler) -> None:
        """Have ``fn(request)`` take the inbound messages injected for ``vendor`` (under :attr:`lock`).

        :param vendor: ``sinch`` or ``fonedynamics``.
        :param fn: Stores the message, sends its callbacks and returns ``{"vendor", "id", "created",
            "inbound"}``; raises :class:`InboundRefused`.
        """
        self._inbound_handlers[vendor] = fn

    def inject_inbound(self, request: InboundRequest) -> dict[str, Any]:
        """Hand an injected inbound message to its vendor, with vendor state brought up to now.

        :param request: The message.
        :raises InboundRefused: The vendor is not served here, or refuses the message.
        """
        handler = self._inbound_handlers.get(request.vendor)
        if handler is None:
            known = ", ".join(sorted(self._inbound_handlers))
            raise InboundRefused(400, "vendor", f"{request.vendor!r} is not one of {known}")
        with self.lock:
            self.tick()
            return handler(request)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name`` shown by ``GET /_sandbox/stats``.

        :param name: Counter name, e.g. ``sinch.batches_created``.
        :param n: Amount to add.
        """
        with self._counters_lock:
            self._counters[name] = self._counters.get(name, 0) + n

    def counters(self) -> dict[str, int]:
        """Return a copy of every counter."""
        with self._counters_lock:
            return dict(self._counters)

    def tick(self) -> datetime:
        """Run every ticker with the current sandbox time and save the inboxes if they changed; return now."""
        with self.lock:
            now = self.clock.now()
            for fn in self._tickers:
                fn(now)
            # Only a state file is ever read back; an in-memory copy of every inbox would cost a full
            # dump per delivering tick for nothing.
            if self.store.persistent and self.inbox.take_dirty():
                self.store.save(INBOX_NAMESPACE, self.inbox.dump())
        return now

    def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox clock forward, let the vendors catch up, and return the new now.

        :param seconds: How far to move, not negative.
        """
        with self.lock:
            self.clock.advance(seconds)
            self.store.save(CLOCK_NAMESPACE, {"offset_seconds": self.clock.offset_seconds})
            return self.tick()

    def reset(self) -> None:
        """Forget everything: vendor state, inboxes, counters, callbacks, faults and the clock offset."""
        with self.lock:
            self.clock.reset()
            self.faults = FaultConfig()
            self.inbox.clear()
            self.inbox.take_dirty()
            with self._counters_lock:
                self._counters.clear()
            self.callbacks.reset()
            self.store.clear()
            for fn in self._reset_hooks:
                fn()

    def close(self) -> None:
        """Stop sending callbacks and close the state file."""
        self.callbacks.close()
        self.store.close()
