"""Outgoing callbacks (delivery reports, receipt webhooks), sent in the background to loopback only."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import requests

from airflow_provider_sms.sandbox.loopback import is_loopback_url

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0)
TIMEOUT_S = 5.0
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def query_value(value: object) -> str:
    """Render a payload value as a query parameter: JSON-style booleans, empty for null.

    :param value: A value of the callback payload.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class CallbackDispatcher:
    """Sends callbacks on worker threads, retrying on 5xx, 429 and connection errors with a short backoff.

    :param count: Records counters (``callbacks_sent``, ``callbacks_failed``, ``callbacks_refused``).
    :param workers: How many callbacks may be in flight at once.
    """

    def __init__(self, count: Callable[[str, int], None], workers: int = 8) -> None:
        self._count = count
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def enqueue(self, url: str, payload: dict[str, Any], method: str = "POST") -> None:
        """Send ``payload`` to ``url`` in the background; never blocks the caller.

        A non-loopback URL is refused (counted, not sent).

        :param url: Loopback http(s) URL.
        :param payload: JSON body for POST, query parameters for GET.
        :param method: ``POST`` or ``GET``.
        """
        if not is_loopback_url(url):
            log.warning("Sandbox refused a callback to a non-loopback URL")
            self._count("callbacks_refused", 1)
            return
        with self._lock:
            if self._executor is None:
                self._closed.clear()
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="sandbox-callback")
            future = self._executor.submit(self._send, url, payload, method.upper())
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _send(self, url: str, payload: dict[str, Any], method: str) -> None:
        for attempt, delay in enumerate((*RETRY_DELAYS_S, None)):
            try:
                if method == "GET":
                    params = {key: query_value(value) for key, value in payload.items()}
                    response = requests.get(url, params=params, timeout=TIMEOUT_S)
                else:
                    response = requests.post(url, json=payload, timeout=TIMEOUT_S)
                if response.status_code not in RETRYABLE_STATUSES:
                    self._count("callbacks_sent", 1)
                    return
            except requests.RequestException:
                pass
            if delay is None or self._closed.wait(delay):
                break
            self._count("callbacks_retried", 1)
            log.debug("Sandbox callback attempt %d failed; retrying", attempt + 1)
        self._count("callbacks_failed", 1)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued callback has been sent or given up; return whether that happened.

        :param timeout: Seconds to wait at most.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        """Stop retrying and stop the worker threads (callbacks in flight finish their current attempt)."""
        self._closed.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
