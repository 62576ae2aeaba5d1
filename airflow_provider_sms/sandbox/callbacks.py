"""Where the sandbox may connect, and the callbacks it sends there.

The sandbox listens, answers control calls and calls back on this machine only: the loopback checks are
here. :class:`CallbackDispatcher` sends every vendor callback (Sinch delivery reports and MO messages,
Fone Dynamics receipt and reply webhooks) the way Sinch documents its retry policy: a 2xx is delivered,
5xx, 429 and connection errors are retried with a backoff that starts at 5 seconds and doubles (on the
sandbox clock, so a test moves the clock instead of waiting), any other status is dropped. It can send
each callback several times over (to test a receiver's idempotency), lets a vendor sign each attempt,
and keeps a log of what it sent for ``GET /_sandbox/callbacks``.
"""

from __future__ import annotations

import heapq
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)


# --- loopback: the sandbox listens, answers control calls and calls back on this machine only ---------------

# Starlette's TestClient reports this as the client host; no real TCP peer can carry that name.
TEST_CLIENT_HOST = "testclient"


def is_loopback_host(host: str | None) -> bool:
    """Return whether ``host`` is ``localhost`` or an IP address in 127.0.0.0/8 or ``::1``.

    :param host: A host name or IP address (IPv6 may be in brackets).
    """
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Return whether ``url`` is http(s) to a loopback host.

    :param url: A URL given by an API user, e.g. a callback URL.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(host)


def is_loopback_client(host: str | None) -> bool:
    """Return whether a request's peer address is on this machine (or Starlette's in-process test client).

    :param host: ``request.client.host``.
    """
    return host == TEST_CLIENT_HOST or is_loopback_host(host)


# --- one callback: what is sent, and what became of it ------------------------------------------------------

CALLBACK_TIMEOUT_S = 5.0
# Sinch: "backoff starts at 5 s and doubles ... last retry about 81 920 s after the first failure".
FIRST_RETRY_S = 5.0
MAX_RETRIES = 14
MAX_REPEAT = 10
LOG_LIMIT = 10_000

SENDING, RETRYING = "sending", "retrying"
DELIVERED, DROPPED, FAILED, REFUSED = "delivered", "dropped", "failed", "refused"
STATES = (SENDING, RETRYING, DELIVERED, DROPPED, FAILED, REFUSED)

Signer = Callable[[bytes], dict[str, str]]


def query_value(value: object) -> str:
    """Render a payload value as a query parameter: JSON-style booleans, empty for null.

    :param value: A value of the callback payload.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_retryable(status: int | None) -> bool:
    """Return whether an attempt that ended so is tried again: a connection error, 429 or a 5xx.

    :param status: HTTP status of the answer, ``None`` when no answer came.
    """
    return status is None or status == 429 or status >= 500


@dataclass
class CallbackRecord:
    """One callback, one copy of it when callbacks are repeated, and what became of it.

    :param id: Sequence number, from 1.
    :param vendor: ``sinch`` or ``fonedynamics``.
    :param kind: What it reports: ``delivery_report``, ``mo``, ``delivery_receipt`` or ``reply``.
    :param method: ``POST`` (JSON body) or ``GET`` (query parameters).
    :param url: Where it goes.
    :param copy: Which copy this is, from 1 to the repeat setting at the time it was queued.
    :param payload: What it carries.
    :param body: The exact bytes POSTed (what a signature covers); empty for GET.
    :param created_at: Sandbox time it was queued.
    :param generation: The dispatcher's generation (a reset starts a new one and forgets older records).
    :param sign: Adds signature headers for the body; called once per attempt.
    :param state: One of :data:`STATES`.
    :param attempts: Requests made so far.
    :param last_status: HTTP status of the last attempt, ``None`` before any or after a connection error.
    :param last_error: Exception class name of a last attempt that got no answer.
    :param next_attempt_at: Sandbox time of the next retry, while ``retrying``.
    """

    id: int
    vendor: str
    kind: str
    method: str
    url: str
    copy: int
    payload: dict[str, Any]
    body: bytes
    created_at: datetime
    generation: int
    sign: Signer | None = None
    state: str = SENDING
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the record as served by ``GET /_sandbox/callbacks``."""
        return {
            "id": self.id,
            "vendor": self.vendor,
            "kind": self.kind,
            "method": self.method,
            "url": self.url,
            "copy": self.copy,
            "state": self.state,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": None if self.next_attempt_at is None else self.next_attempt_at.isoformat(),
            "signed": self.sign is not None,
            "payload": self.payload,
        }


def send_once(record: CallbackRecord) -> tuple[int | None, str | None]:
    """Make one attempt; return the HTTP status (``None`` on a connection error) and the error's name.

    Redirects are not followed: a 3xx answer is not a delivery.

    :param record: The callback to send.
    """
    headers = {} if record.sign is None else record.sign(record.body)
    try:
        if record.method == "GET":
            params = {key: query_value(value) for key, value in record.payload.items()}
            response = requests.get(
                record.url, params=params, headers=headers, timeout=CALLBACK_TIMEOUT_S, allow_redirects=False
            )
        else:
            headers["Content-Type"] = "application/json"
            response = requests.post(
                record.url,
                data=record.body,
                headers=headers,
                timeout=CALLBACK_TIMEOUT_S,
                allow_redirects=False,
            )
    except requests.RequestException as error:
        return None, type(error).__name__
    return response.status_code, None


# --- the dispatcher -----------------------------------------------------------------------------------------


class CallbackDispatcher:
    """Sends callbacks on worker threads and retries them on the sandbox clock; keeps a log of each.

    Call :meth:`tick` regularly (the sandbox context does, with its other tickers): it starts the retries
    that have come due. Counters: ``callbacks_sent`` (2xx), ``callbacks_retried`` (a retry scheduled),
    ``callbacks_dropped`` (another status), ``callbacks_failed`` (gave up after :data:`MAX_RETRIES`
    retries) and ``callbacks_refused`` (not a loopback URL, never sent).

    :param count: Records a counter: ``count(name, n)``.
    :param now: Returns the sandbox time.
    :param first_retry_s: Sandbox seconds before the first retry; each later one waits twice as long.
    :param workers: How many attempts may be in flight at once.
    """

    def __init__(
        self,
        count: Callable[[str, int], None],
        now: Callable[[], datetime],
        first_retry_s: float = FIRST_RETRY_S,
        workers: int = 8,
    ) -> None:
        self._count = count
        self._now = now
        self.first_retry_s = first_retry_s
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._records: dict[int, CallbackRecord] = {}
        self._due: list[tuple[datetime, int]] = []
        self._in_flight: set[int] = set()
        self._next_id = 1
        self._generation = 0
        self._repeat = 1

    @property
    def repeat(self) -> int:
        """How many times each callback is sent (each copy retried on its own)."""
        return self._repeat

    def set_repeat(self, repeat: int) -> None:
        """Send every later callback ``repeat`` times, to test a receiver's idempotency.

        :param repeat: From 1 (the default: once) to :data:`MAX_REPEAT`.
        """
        if not 1 <= repeat <= MAX_REPEAT:
            raise ValueError(f"repeat must be between 1 and {MAX_REPEAT}, is {repeat}")
        with self._lock:
            self._repeat = repeat

    def enqueue(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        vendor: str,
        kind: str,
        method: str = "POST",
        sign: Signer | None = None,
    ) -> list[int]:
        """Send ``payload`` to ``url`` in the background (as many copies as :attr:`repeat`); never blocks.

        A URL that is not http(s) to a loopback host is refused: logged and counted, never called.

        :param url: Loopback http(s) URL.
        :param payload: JSON body for POST, query parameters for GET.
        :param vendor: ``sinch`` or ``fonedynamics``.
        :param kind: ``delivery_report``, ``mo``, ``delivery_receipt`` or ``reply``.
        :param method: ``POST`` or ``GET``.
        :param sign: Returns signature headers for the body of each attempt, if the callback is signed.
        :return: The ids of the records, one per copy.
        """
        method = method.upper()
        body = b"" if method == "GET" else json.dumps(payload, separators=(",", ":")).encode("utf-8")
        allowed = is_loopback_url(url)
        records: list[CallbackRecord] = []
        with self._lock:
            for copy in range(1, self._repeat + 1):
                record = CallbackRecord(
                    id=self._next_id,
                    vendor=vendor,
                    kind=kind,
                    method=method,
                    url=url,
                    copy=copy,
                    payload=payload,
                    body=body,
                    created_at=self._now(),
                    generation=self._generation,
                    sign=sign,
                    state=SENDING if allowed else REFUSED,
                )
                self._next_id += 1
                self._records[record.id] = record
                records.append(record)
            self._trim_log()
            if allowed:
                for record in records:
                    self._submit(record)
        if not allowed:
            log.warning("Sandbox refused a %s %s callback to a non-loopback URL", vendor, kind)
            self._count("callbacks_refused", len(records))
        return [record.id for record in records]

    def _trim_log(self) -> None:
        excess = len(self._records) - LOG_LIMIT
        if excess <= 0:
            return
        settled = [rid for rid, r in self._records.items() if r.state not in (SENDING, RETRYING)]
        for rid in settled[:excess]:
            del self._records[rid]

    def _submit(self, record: CallbackRecord) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="sandbox-callback")
        record.state = SENDING
        record.next_attempt_at = None
        self._in_flight.add(record.id)
        self._executor.submit(self._attempt, record)

    def _attempt(self, record: CallbackRecord) -> None:
        status, error = send_once(record)
        counter: str
        with self._lock:
            self._in_flight.discard(record.id)
            if record.generation != self._generation:
                return
            record.attempts += 1
            record.last_status, record.last_error = status, error
            if status is not None and 200 <= status < 300:
                record.state, counter = DELIVERED, "callbacks_sent"
            elif not is_retryable(status):
                record.state, counter = DROPPED, "callbacks_dropped"
            elif record.attempts > MAX_RETRIES:
                record.state, counter = FAILED, "callbacks_failed"
            else:
                delay = self.first_retry_s * 2 ** (record.attempts - 1)
                record.state = RETRYING
                record.next_attempt_at = self._now() + timedelta(seconds=delay)
                heapq.heappush(self._due, (record.next_attempt_at, record.id))
                counter = "callbacks_retried"
        self._count(counter, 1)
        log.debug("Sandbox callback %d attempt %d: %s", record.id, record.attempts, status or error)

    def tick(self, now: datetime) -> None:
        """Start the retries due at ``now`` (sandbox time).

        :param now: Sandbox time.
        """
        with self._lock:
            while self._due and self._due[0][0] <= now:
                due, record_id = heapq.heappop(self._due)
                record = self._records.get(record_id)
                if record is not None and record.state == RETRYING and record.next_attempt_at == due:
                    self._submit(record)

    def _busy(self) -> bool:
        with self._lock:
            if self._in_flight:
                return True
            now = self._now()
            return any(
                due <= now and (r := self._records.get(rid)) is not None and r.state == RETRYING
                for due, rid in self._due
            )

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no attempt is in flight or due; return whether that happened within ``timeout``.

        Retries due later on the sandbox clock do not count: they wait until the clock gets there.

        :param timeout: Seconds to wait at most.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._busy():
                return True
            time.sleep(0.02)
        return False

    def records(
        self, *, vendor: str | None = None, kind: str | None = None, state: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the logged callbacks that match, oldest first, as JSON-ready data.

        :param vendor: Only this vendor's.
        :param kind: Only this kind.
        :param state: Only those in this state.
        """
        with self._lock:
            return [
                record.to_json()
                for record in self._records.values()
                if (vendor is None or record.vendor == vendor)
                and (kind is None or record.kind == kind)
                and (state is None or record.state == state)
            ]

    def reset(self) -> None:
        """Forget the log and every scheduled retry, and send each callback once again.

        Attempts in flight finish, but what they find out is no longer recorded.
        """
        with self._lock:
            self._generation += 1
            self._records.clear()
            self._due.clear()
            self._repeat = 1

    def close(self) -> None:
        """Stop the worker threads (attempts in flight finish; scheduled retries are never made)."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._generation += 1
            self._due.clear()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
