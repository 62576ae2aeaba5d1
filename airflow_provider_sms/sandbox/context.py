"""What all parts of a running sandbox share: settings, clock, lock, randomness, inboxes, callbacks, state."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from airflow_provider_sms.sandbox.callbacks import CallbackDispatcher
from airflow_provider_sms.sandbox.clock import SandboxClock
from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig
from airflow_provider_sms.sandbox.inbox import Inbox
from airflow_provider_sms.sandbox.store import StateStore

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
        self.callbacks = CallbackDispatcher(self.count)
        self._counters: dict[str, int] = {}
        self._counters_lock = threading.Lock()
        self._tickers: list[Callable[[datetime], None]] = []
        self._reset_hooks: list[Callable[[], None]] = []
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
        """Forget everything: vendor state, inboxes, counters, faults and the clock offset."""
        with self.lock:
            self.clock.reset()
            self.faults = FaultConfig()
            self.inbox.clear()
            self.inbox.take_dirty()
            with self._counters_lock:
                self._counters.clear()
            self.store.clear()
            for fn in self._reset_hooks:
                fn()

    def close(self) -> None:
        """Stop sending callbacks and close the state file."""
        self.callbacks.close()
        self.store.close()
