"""Fone Dynamics implementation of the neutral tracking operations, over ``list_messages``/``get_message``.

Fone Dynamics has no batches: a batch id ``<key>@<unix seconds>`` (:class:`FoneBatchRef`) names the messages
whose ``ExternalId`` is ``<key>.<position>``. They are found by listing the property's sent messages in a
window around the batch's creation time and keeping those the batch owns.

Cost and limits, per hook instance (a sensor keeps one hook for all its pokes, a trigger for all its polls):

- The first read of a batch lists the window, one page of ``PAGE_SIZE`` messages per request.
- Later reads re-read only the messages not yet final. When at most ``REFRESH_BY_GET_LIMIT`` remain, each
  is fetched with ``get_message`` by ``MAX_CONCURRENT_GETS`` threads; with more, the window is listed again
  (one request per page is cheaper than one per message).
- Every request, listing or get, waits its turn so that at most ``MAX_REQUESTS_PER_SECOND`` start per second.
  Retries, auth and error decoding are the client's: this module only decides which requests to make.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from airflow_provider_sms.hooks.batch_ids import FoneBatchRef
from airflow_provider_sms.hooks.tracking import (
    BatchStatus,
    RecipientState,
    TrackingOperations,
    only_recipients,
)

if TYPE_CHECKING:
    from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient
    from airflow_provider_sms.models.fonedynamics import FoneMessage

#: The window listed starts this long before the batch's ``created`` (clocks of caller and vendor differ) ...
WINDOW_BEFORE_S = 300
#: ... and ends this long after it (a request's messages are all created while the request runs).
WINDOW_AFTER_S = 3600
#: Messages per listing page.
PAGE_SIZE = 200
#: Requests started per second at most, across listing and gets.
MAX_REQUESTS_PER_SECOND = 10.0
#: Threads fetching single messages at once.
MAX_CONCURRENT_GETS = 4
#: Up to this many unfinished messages are re-read one by one; more, and the window is listed again.
REFRESH_BY_GET_LIMIT = 50

_T = TypeVar("_T")


class RequestPacer:
    """Spread requests out: each :meth:`wait` returns no sooner than ``1 / per_second`` after the previous.

    Thread-safe; the waiting happens outside the lock.

    :param per_second: Requests per second at most.
    :param clock: Monotonic clock (injected in tests).
    :param sleep: Sleep function (injected in tests).
    """

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self) -> None:
        """Block until the next request may start."""
        with self._lock:
            now = self._clock()
            start_at = max(now, self._next_at)
            self._next_at = start_at + self._interval
        if start_at > now:
            self._sleep(start_at - now)


def paced_pages(items: Iterator[_T], page_size: int, pacer: RequestPacer) -> Iterator[_T]:
    """Yield from a lazily paged iterator, waiting for ``pacer`` before each page is fetched.

    :param items: Items of a listing that fetches a page when the previous page is used up.
    :param page_size: Items per page.
    :param pacer: Pacer shared by all requests.
    """
    for index in range(1 << 62):
        if index % page_size == 0:
            pacer.wait()
        try:
            item = next(items)
        except StopIteration:
            return
        yield item


class FoneDynamicsTracking(TrackingOperations):
    """Read batch and recipient states through the Fone Dynamics API."""

    def check_batch_id(self, batch_id: str) -> None:
        """Fail, before any request, unless ``batch_id`` has the form ``<key>@<unix seconds>``.

        :param batch_id: The id to check.
        :raises SmsValidationError: naming the id and the form.
        """
        FoneBatchRef.parse(batch_id)

    def batch_status(self, batch_id: str) -> BatchStatus:
        """Return how many of a batch's messages are in each state.

        :param batch_id: ``<key>@<unix seconds>``, as the send operator returns it.
        :raises SmsValidationError: ``batch_id`` is not in that form.
        """
        messages = self._batch_messages(batch_id)
        return BatchStatus.of_states(batch_id, len(messages), (m.state for m in messages))

    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        """Return the state of each recipient's message, in the order the batch sent them.

        :param batch_id: ``<key>@<unix seconds>``, as the send operator returns it.
        :param recipients: Only these E.164 numbers; every message of the batch when ``None``.
        :raises SmsValidationError: ``batch_id`` is not in that form.
        """
        reported = [RecipientState(batch_id, m.to or "", m.state) for m in self._batch_messages(batch_id)]
        return only_recipients(batch_id, reported, recipients)

    def _batch_messages(self, batch_id: str) -> list[FoneMessage]:
        ref = FoneBatchRef.parse(batch_id)
        cache = self._fone_batch_cache()
        known = cache.get(batch_id)
        unfinished = [m for m in (known or {}).values() if not m.state.final]
        relist = len(unfinished) > REFRESH_BY_GET_LIMIT or any(not m.message_sid for m in unfinished)
        if known is None or relist:
            messages = self._list_owned(ref)
        else:
            messages = {**known, **_by_external_id(self._get_each(unfinished))}
        if messages:
            cache[batch_id] = messages
        return [messages[k] for k in sorted(messages, key=_position)]

    def _list_owned(self, ref: FoneBatchRef) -> dict[str, FoneMessage]:
        listing = self._fone_client().list_messages(
            date_from=ref.created - WINDOW_BEFORE_S,
            date_to=ref.created + WINDOW_AFTER_S,
            direction="Transmit",
            results_count=PAGE_SIZE,
        )
        owned = (m for m in paced_pages(listing, PAGE_SIZE, self._fone_pacer()) if ref.owns(m.external_id))
        return _by_external_id(owned)

    def _get_each(self, messages: list[FoneMessage]) -> list[FoneMessage]:
        client, pacer = self._fone_client(), self._fone_pacer()

        def get(message: FoneMessage) -> FoneMessage:
            pacer.wait()
            return client.get_message(str(message.message_sid))

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_GETS, thread_name_prefix="fone-get") as pool:
            return list(pool.map(get, messages))

    def _fone_client(self) -> FoneDynamicsClient:
        client: FoneDynamicsClient = self.get_conn()
        return client

    def _fone_pacer(self) -> RequestPacer:
        pacer: RequestPacer | None = self.__dict__.get("_fone_request_pacer")
        if pacer is None:
            pacer = self.__dict__["_fone_request_pacer"] = RequestPacer(MAX_REQUESTS_PER_SECOND)
        return pacer

    def _fone_batch_cache(self) -> dict[str, dict[str, FoneMessage]]:
        cache: dict[str, dict[str, FoneMessage]] = self.__dict__.setdefault("_fone_batch_messages", {})
        return cache


def _by_external_id(messages: Iterator[FoneMessage] | list[FoneMessage]) -> dict[str, FoneMessage]:
    """Index messages by ``ExternalId``; should one have been sent twice, the later one wins."""
    return {str(m.external_id): m for m in messages}


def _position(external_id: str) -> tuple[int, str]:
    """Sort key: the position after the last ``.`` of ``<key>.<position>``."""
    _, _, position = external_id.rpartition(".")
    return (int(position), external_id) if position.isdigit() else (1 << 62, external_id)
