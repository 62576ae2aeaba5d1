"""``FoneDynamicsHook``: everything about the Fone Dynamics REST API v2 an Airflow task needs.

Fone Dynamics has no batches. A chunk of a send is one ``BatchMessages`` request whose messages carry the
``ExternalId`` ``<key>.<position>``; the chunk's batch id is :class:`FoneBatchRef` ``<key>@<unix seconds>``,
the key and when its first message was created. ``${key}`` placeholders are filled in here, per
recipient, the way Sinch fills them. Finding a chunk again searches the property's sent messages created
from 14 days before now to 1 day after (tolerating clock skew with the vendor).

Tracking cost, per hook instance (a sensor keeps one hook for all its pokes, a trigger for all its polls):
the first read of a batch lists a window around its creation time, one page of ``PAGE_SIZE`` messages per
request; later reads re-read only the messages not yet final, each with ``get_message`` by
``MAX_CONCURRENT_GETS`` threads when at most ``REFRESH_BY_GET_LIMIT`` remain, else by listing the window
again. Every request waits its turn so that at most ``MAX_REQUESTS_PER_SECOND`` start per second.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.sdk.log import mask_secret

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings, Timestamp
from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.hooks._form import FONEDYNAMICS_CONN_TYPE, FONEDYNAMICS_FORM, FONEDYNAMICS_HOOK_NAME
from airflow_provider_sms.hooks.sms import (
    LOOKUP_CLOCK_SKEW,
    SendChunk,
    SendOptions,
    SentChunk,
    SmsHook,
)
from airflow_provider_sms.hooks.tracking import (
    BatchStatus,
    ChunkPreview,
    KeyedBatch,
    MessagePreview,
    RecipientState,
    only_recipients,
)
from airflow_provider_sms.models.fonedynamics import (
    FoneBatchItemError,
    FoneBatchMessagesRequest,
    FoneBatchSummary,
    FoneMessage,
    FoneMessageRequest,
)
from airflow_provider_sms.models.sms import count_parts, is_e164, mask_numbers_in_text

if TYPE_CHECKING:
    from airflow_provider_sms.models.inbound import InboundSms

#: Most messages per ``BatchMessages`` request: the vendor states no limit, so this one is ours.
FONE_MAX_MESSAGES = 1000
#: How far back, and ahead, the search for a key's messages looks.
FONE_LOOKUP_BEFORE = timedelta(days=14)
FONE_LOOKUP_AFTER = timedelta(days=1)
#: Message fields the campaign engine sets itself; every other message field is a vendor option of a send.
ENGINE_FIELDS = frozenset({"to", "text", "from_", "schedule", "external_id"})
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
#: How far back the connection test looks for messages.
TEST_WINDOW = timedelta(hours=1)

_FONE_REF_PATTERN = re.compile(r"^(?P<key>[A-Za-z0-9_-]{1,100})@(?P<created>[0-9]{1,12})\Z")
_T = TypeVar("_T")


@dataclass(frozen=True)
class FoneBatchRef:
    """The messages one Fone Dynamics request created: the form of a Fone Dynamics ``batch_id``.

    :param key: Idempotency key; each message's ``ExternalId`` is ``<key>.<position>``.
    :param created: Unix seconds (UTC) when the first message was created.
    """

    key: str
    created: int

    def __str__(self) -> str:
        return f"{self.key}@{self.created}"

    def external_id(self, position: int) -> str:
        """Return the ``ExternalId`` of the message at ``position`` (0-based) within the request."""
        return f"{self.key}.{position}"

    def owns(self, external_id: str | None) -> bool:
        """Return whether a message with this ``ExternalId`` belongs to the request."""
        return bool(external_id) and str(external_id).startswith(f"{self.key}.")

    @classmethod
    def parse(cls, value: str) -> FoneBatchRef:
        """Parse ``<key>@<unix seconds>``.

        :raises SmsValidationError: ``value`` is not in that form.
        """
        match = _FONE_REF_PATTERN.match(value)
        if match is None:
            rule = "a Fone Dynamics batch id has the form <key>@<unix seconds>"
            raise SmsValidationError(
                [Problem("batch_id", repr(value), rule)], subject="Fone Dynamics batch id"
            )
        return cls(match["key"], int(match["created"]))


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
    index = 0
    while True:
        if index % page_size == 0:
            pacer.wait()
        try:
            item = next(items)
        except StopIteration:
            return
        index += 1
        yield item


class FoneDynamicsHook(SmsHook):
    """Hook for the Fone Dynamics REST API v2 (messages).

    Connection: ``login`` is the account SID, ``password`` the account token, ``host`` an optional base URL
    override; ``extra`` holds ``property_sid``, ``default_from``, ``timeout``, ``max_retries``,
    ``max_retry_wait`` and ``allow_insecure_http`` (any other key is an error). Fone
    Dynamics has no API to replace, update or cancel a batch, to report delivery feedback or to expire a
    message: those fail with ``SmsCapabilityError`` before any request.

    :param sms_conn_id: Id of a ``fonedynamics`` connection.
    :param logger_name: Name of the hook's logger.
    """

    conn_type = FONEDYNAMICS_CONN_TYPE
    default_conn_name = "fonedynamics_default"
    hook_name = FONEDYNAMICS_HOOK_NAME
    vendor = "Fone Dynamics"
    features = frozenset({"send", "dry_run", "delivery_reports"})
    connection_form = FONEDYNAMICS_FORM
    connection_fields = {"account_sid": "login", "token": "password", "base_url": "host"}

    def __init__(self, sms_conn_id: str | None = None, logger_name: str | None = None) -> None:
        super().__init__(sms_conn_id=sms_conn_id, logger_name=logger_name)
        self._client: FoneDynamicsClient | None = None
        self._pacer = RequestPacer(MAX_REQUESTS_PER_SECOND)
        self._batch_messages_seen: dict[str, dict[str, FoneMessage]] = {}

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the ``extra`` fields of the connection form (Airflow 3.1)."""
        return FONEDYNAMICS_FORM.legacy_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return labels, placeholders and hidden standard fields of the connection form (Airflow 3.1)."""
        return FONEDYNAMICS_FORM.legacy_ui_field_behaviour()

    @cached_property
    def settings(self) -> FoneDynamicsSettings:
        """The connection's checked settings.

        :raises SmsValidationError: naming the connection and every bad field.
        """
        connection = self.airflow_connection()
        extra = self.extra()
        settings: FoneDynamicsSettings = self.read_settings(
            FoneDynamicsSettings,
            {
                "account_sid": connection.login,
                "token": connection.password,
                "property_sid": extra.get("property_sid"),
                "base_url": connection.host,
                "default_from": extra.get("default_from"),
                "timeout": extra.get("timeout"),
                "max_retries": extra.get("max_retries"),
                "max_retry_wait": extra.get("max_retry_wait"),
                "allow_insecure_http": extra.get("allow_insecure_http"),
            },
        )
        return settings

    @property
    def secret(self) -> str:
        """The account token."""
        return self.settings.secret

    @property
    def default_from(self) -> str | None:
        """The connection's default sender (``extra.default_from``), or ``None`` (a leased number)."""
        return self.settings.default_from

    def get_conn(self) -> FoneDynamicsClient:
        """Return the Fone Dynamics client, built on first use; the token is masked in logs before that."""
        if self._client is None:
            settings = self.settings
            mask_secret(settings.secret)
            self.log.info("Using Fone Dynamics connection %r", self.sms_conn_id)
            self._client = FoneDynamicsClient(settings)
        return self._client

    def _probe(self) -> str:
        now = datetime.now(timezone.utc)
        self.list_messages_page(date_from=now - TEST_WINDOW, date_to=now, results_count=1)
        return f"listed messages of property {self.settings.property_sid}"

    # -- endpoints, one method each ---------------------------------------------------------------------

    def send_message(
        self,
        request: FoneMessageRequest | Mapping[str, Any] | None = None,
        *,
        property_sid: str | None = None,
        **fields: Any,
    ) -> FoneMessage:
        """Send or schedule one SMS (POST ``/v2/Properties/{PropertySid}/Messages``).

        :param request: A built request model, or its fields.
        :param property_sid: The sending property; defaults to the connection's.
        :param fields: Fields in snake_case (``from_``, ``to``, ``text``, ``schedule`` ...).
        """
        return self.get_conn().send_message(request, property_sid=property_sid, **fields)

    def send_messages(
        self, messages: Sequence[FoneMessageRequest | Mapping[str, Any]], *, property_sid: str | None = None
    ) -> list[FoneMessage | FoneBatchItemError]:
        """Send or schedule many SMS in one request (POST ``/v2/Properties/{PropertySid}/BatchMessages``).

        :param messages: Request models or their fields.
        :param property_sid: The sending property; defaults to the connection's.
        :returns: One result per message, in order: the accepted message or the vendor's error for it.
        """
        return self.get_conn().send_messages(messages, property_sid=property_sid)

    def send_wire_messages(
        self, messages: list[dict[str, Any]], *, property_sid: str | None = None
    ) -> FoneBatchSummary:
        """Send checked messages in wire form as one ``BatchMessages`` request; see the client's method.

        :param messages: The messages as the vendor takes them (``FoneMessageRequest.to_wire()``).
        :param property_sid: The sending property; defaults to the connection's.
        :returns: The counts and refusals of the response.
        """
        return self.get_conn().send_wire_messages(messages, property_sid=property_sid)

    def get_message(self, message_sid: str) -> FoneMessage:
        """Return one sent or received message (GET ``/v2/Messages/{MessageSid}``).

        :param message_sid: The id Fone Dynamics gave the message.
        """
        return self.get_conn().get_message(message_sid)

    def list_messages(
        self,
        *,
        date_from: Timestamp,
        date_to: Timestamp,
        status: str | None = None,
        direction: str | None = None,
        results_count: int | None = None,
        property_sid: str | None = None,
    ) -> Iterator[FoneMessage]:
        """Iterate every message of a property in ``[date_from, date_to)``, fetching pages lazily.

        :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
        :param date_to: End, exclusive.
        :param status: Only this status: Processing, Submitted, Delivered, Failed or Received.
        :param direction: Only ``Transmit`` (sent) or ``Receive`` (received).
        :param results_count: Page size (the client's default when ``None``).
        :param property_sid: The property searched; defaults to the connection's.
        """
        paging = {} if results_count is None else {"results_count": results_count}
        return self.get_conn().list_messages(
            date_from=date_from,
            date_to=date_to,
            status=status,
            direction=direction,
            property_sid=property_sid,
            **paging,
        )

    def list_messages_page(
        self,
        *,
        date_from: Timestamp,
        date_to: Timestamp,
        status: str | None = None,
        direction: str | None = None,
        results_count: int | None = None,
        results_skip: int = 0,
        property_sid: str | None = None,
    ) -> list[FoneMessage]:
        """Return one page of a property's messages (GET ``/v2/Properties/{PropertySid}/Messages``).

        :param date_from: Start, inclusive.
        :param date_to: End, exclusive.
        :param status: Only this status.
        :param direction: Only ``Transmit`` or ``Receive``.
        :param results_count: Page size (the client's default when ``None``).
        :param results_skip: Messages to skip (the offset).
        :param property_sid: The property searched; defaults to the connection's.
        """
        paging = {} if results_count is None else {"results_count": results_count}
        return self.get_conn().list_messages_page(
            date_from=date_from,
            date_to=date_to,
            status=status,
            direction=direction,
            results_skip=results_skip,
            property_sid=property_sid,
            **paging,
        )

    # -- inbound messages (models/inbound.py is imported on use: a send never needs it) ---------------

    def list_inbound_messages(
        self,
        *,
        date_from: Timestamp,
        date_to: Timestamp,
        results_count: int | None = None,
        property_sid: str | None = None,
    ) -> Iterator[InboundSms]:
        """Iterate every message handsets sent to the property in ``[date_from, date_to)``, over all pages.

        The property's message search (GET ``/v2/Properties/{PropertySid}/Messages``) with ``Direction``
        ``Receive``.

        :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
        :param date_to: End, exclusive.
        :param results_count: Page size (the client's default when ``None``).
        :param property_sid: The property searched; defaults to the connection's.
        """
        found = self.list_messages(
            date_from=date_from,
            date_to=date_to,
            direction="Receive",
            results_count=results_count,
            property_sid=property_sid,
        )
        return (_inbound(message) for message in found)

    def inbound_messages(self, to: str, since: datetime, until: datetime | None = None) -> list[InboundSms]:
        """Return the messages sent to ``to`` in ``[since, until)``, oldest first.

        The search has no filter on the receiving number, so the property's inbound messages are read and
        those to other numbers left out. Without ``until`` the search ends a day from now, which leaves room
        for a vendor clock ahead of ours.

        :param to: Our number (E.164).
        :param since: Received at or after this aware time.
        :param until: Received before this time; no end when ``None``.
        """
        from airflow_provider_sms.models.inbound import msisdn

        end = until or datetime.now(timezone.utc) + timedelta(days=1)
        found = self.list_inbound_messages(date_from=since, date_to=end)
        wanted = msisdn(to)
        return sorted(
            (message for message in found if message.to_number == wanted),
            key=lambda message: (message.received_at, message.id),
        )

    # -- sending ----------------------------------------------------------------------------------------

    def max_chunk_size(self, *, individual: bool) -> int:
        """Return 1,000 messages per request, whether or not each recipient has its own text.

        :param individual: Whether each recipient has its own text.
        """
        return FONE_MAX_MESSAGES

    def vendor_option_names(self) -> frozenset[str]:
        """Return every message field the engine does not set (``delivery_receipt``, ``webhook_uri`` ...)."""
        return frozenset(FoneMessageRequest.model_fields) - ENGINE_FIELDS

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's ``BatchMessages`` request, sending nothing.

        Checked numbers for one text: every message but its number and ExternalId is the first one.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``Schedule`` is checked against.
        """
        if (numbers := chunk.checked_numbers) and "${" not in (options.body or "${"):
            chunk = SendChunk(chunk.number, chunk.key, (chunk.recipients[0],), numbers[:1])
        self._wire_messages(chunk, options, now)

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one ``BatchMessages`` request, ExternalIds ``<key>.<position>``.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        summary = self.send_wire_messages(self._wire_messages(chunk, options, None))
        created = summary.created
        if created is None:
            created = int(datetime.now(timezone.utc).timestamp())
        return SentChunk(
            key=chunk.key,
            batch_id=str(FoneBatchRef(chunk.key, created)),
            accepted=summary.accepted,
            rejected=tuple((index, _reason(error)) for index, error in summary.errors),
        )

    def find_chunk(self, key: str, since: datetime | None = None) -> SentChunk | None:
        """Return the messages whose ExternalId is ``<key>.<position>``, or ``None`` if there are none.

        The property's sent messages are listed from ``since`` (less ``LOOKUP_CLOCK_SKEW``), so the cost
        is the traffic since the campaign started, not the account's history; without ``since``, from
        14 days back.

        :param key: The chunk's idempotency key.
        :param since: Nothing with this key was sent before this time.
        """
        return self._sent_by_key(key.__eq__, since).get(key)

    def find_chunks(
        self, key_prefix: str, since: datetime | None = None, chunks: int | None = None
    ) -> dict[str, SentChunk]:
        """Return, by key, the messages whose ExternalId is ``<key>.<position>`` with a key starting with
        ``key_prefix``: one listing of the property's sent messages, as :meth:`find_chunk` makes.

        :param key_prefix: The start of the keys.
        :param since: Nothing with these keys was sent before this time.
        :param chunks: Unused: looking a key up costs the same listing as looking all of them up.
        """
        return self._sent_by_key(lambda key: key.startswith(key_prefix), since)

    def _sent_by_key(self, wanted: Callable[[str], bool], since: datetime | None) -> dict[str, SentChunk]:
        """List the property's sent messages since ``since`` once, grouped by the keys ``wanted`` takes."""
        now = datetime.now(timezone.utc)
        start = now - FONE_LOOKUP_BEFORE
        if since is not None:
            start = max(start, since - LOOKUP_CLOCK_SKEW)
        counts: dict[str, int] = {}
        first_created: dict[str, int] = {}
        positions: dict[str, set[int] | None] = {}
        messages = self.get_conn().list_messages(
            date_from=start, date_to=now + FONE_LOOKUP_AFTER, direction="Transmit"
        )
        for message in messages:
            key, _, position = str(message.external_id or "").rpartition(".")
            if not key or not wanted(key):
                continue
            counts[key] = counts.get(key, 0) + 1
            if message.created is not None:
                first_created[key] = min(message.created, first_created.get(key, message.created))
            known = positions.setdefault(key, set())
            if known is not None and position.isdigit():
                known.add(int(position))
            else:
                positions[key] = None  # the positions cannot be told apart
        return {
            key: SentChunk(
                key=key,
                batch_id=str(FoneBatchRef(key, first_created.get(key, int(now.timestamp())))),
                accepted=found,
                found=True,
                found_indexes=None if (known := positions[key]) is None else frozenset(known),
            )
            for key, found in counts.items()
        }

    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Count each message's parts and encoding locally (GSM-7 or UCS-2), sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        counted = [count_parts(options.text_for(r)) for r in chunk.recipients]
        messages = tuple(MessagePreview(i, c.parts, c.encoding) for i, c in enumerate(counted))
        return ChunkPreview(recipients=len(messages), parts=sum(c.parts for c in counted), messages=messages)

    def _wire_messages(
        self, chunk: SendChunk, options: SendOptions, now: datetime | None
    ) -> list[dict[str, Any]]:
        """Return the chunk's messages in wire form, ExternalIds ``<key>.<position>``, each one checked.

        The message model is built once per distinct text: every other field but the number and the
        ExternalId is the send's, and each number is checked with the model's E.164 rule (numbers the
        engine checked, ``chunk.checked_numbers``, are not checked again). Should any message break a
        rule, the whole ``BatchMessages`` request is built to report it as the vendor would see it.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``Schedule`` is checked against (``None``: now).
        :raises SmsValidationError: naming each broken rule.
        """
        ref = FoneBatchRef(chunk.key, 0)
        shared = {**options.vendor, "from_": options.from_ or self.default_from, "schedule": options.send_at}
        context: dict[str, Any] = {"allow_insecure_http": self.settings.allow_insecure_http}
        if now is not None:
            context["now"] = now
        by_text: dict[str, dict[str, Any]] = {}
        messages: list[dict[str, Any]] = []
        numbers, one_text = chunk.checked_numbers, "${" not in (options.body or "${")
        try:
            if numbers and one_text:  # every message but its number and ExternalId is the first one
                fields = {**shared, "to": numbers[0], "text": options.body, "external_id": ref.external_id(0)}
                first = FoneMessageRequest.build(_given(fields), context=context).to_wire()
                return [{**first, "To": to, "ExternalId": ref.external_id(i)} for i, to in enumerate(numbers)]
            for position, recipient in enumerate(chunk.recipients):
                text, external_id = options.text_for(recipient), ref.external_id(position)
                wire = by_text.get(text)
                if wire is None or not is_e164(recipient.to):
                    fields = {**shared, "to": recipient.to, "text": text, "external_id": external_id}
                    wire = FoneMessageRequest.build(_given(fields), context=context).to_wire()
                    by_text[text] = wire
                messages.append({**wire, "To": recipient.to, "ExternalId": external_id})
        except SmsValidationError:
            fields_of = ({**shared, "to": r.to, "text": options.text_for(r)} for r in chunk.recipients)
            given = [_given({**f, "external_id": ref.external_id(i)}) for i, f in enumerate(fields_of)]
            FoneBatchMessagesRequest.build({"messages": given}, context=context)
            raise
        if not messages:
            FoneBatchMessagesRequest.build({"messages": []}, context=context)
        return messages

    # -- tracking ---------------------------------------------------------------------------------------

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

    def find_batches(self, key_prefix: str, since: datetime) -> list[KeyedBatch]:
        """Return the batches whose key starts with ``key_prefix``, created since ``since``.

        The property's sent messages created since then are listed and grouped by the key part of their
        ``ExternalId`` (``<key>.<position>``); the messages of one key form one batch,
        ``<key>@<first created>``.

        :param key_prefix: The start of the keys.
        :param since: Nothing wanted was created before this time.
        """
        now = datetime.now(timezone.utc)
        start = max(since, now - FONE_LOOKUP_BEFORE + timedelta(minutes=5))
        first_created: dict[str, int] = {}
        recipients: dict[str, list[str]] = {}
        for message in self.list_messages(
            date_from=start, date_to=now + FONE_LOOKUP_AFTER, direction="Transmit"
        ):
            key = str(message.external_id or "").rpartition(".")[0]
            if not key or not key.startswith(key_prefix):
                continue
            created = message.created if message.created is not None else int(start.timestamp())
            first_created[key] = min(created, first_created.get(key, created))
            if message.to:
                recipients.setdefault(key, []).append(str(message.to))
        return [
            KeyedBatch(key, str(FoneBatchRef(key, created)), tuple(recipients.get(key, ())))
            for key, created in sorted(first_created.items())
        ]

    def _batch_messages(self, batch_id: str) -> list[FoneMessage]:
        ref = FoneBatchRef.parse(batch_id)
        known = self._batch_messages_seen.get(batch_id)
        unfinished = [m for m in (known or {}).values() if not m.state.final]
        relist = len(unfinished) > REFRESH_BY_GET_LIMIT or any(not m.message_sid for m in unfinished)
        if known is None or relist:
            messages = self._list_owned(ref)
        else:
            messages = {**known, **_by_external_id(self._get_each(unfinished))}
        if messages:
            self._batch_messages_seen[batch_id] = messages
        return [messages[k] for k in sorted(messages, key=_position)]

    def _list_owned(self, ref: FoneBatchRef) -> dict[str, FoneMessage]:
        listing = self.get_conn().list_messages(
            date_from=ref.created - WINDOW_BEFORE_S,
            date_to=ref.created + WINDOW_AFTER_S,
            direction="Transmit",
            results_count=PAGE_SIZE,
        )
        return _by_external_id(
            m for m in paced_pages(listing, PAGE_SIZE, self._pacer) if ref.owns(m.external_id)
        )

    def _get_each(self, messages: list[FoneMessage]) -> list[FoneMessage]:
        client = self.get_conn()

        def get(message: FoneMessage) -> FoneMessage:
            self._pacer.wait()
            return client.get_message(str(message.message_sid))

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_GETS, thread_name_prefix="fone-get") as pool:
            return list(pool.map(get, messages))


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return the fields that are set (``None`` leaves a field out)."""
    return {name: value for name, value in fields.items() if value is not None}


def _inbound(message: FoneMessage) -> InboundSms:
    """Return a received message in neutral form (``ExternalId`` is that of the message it answers)."""
    from airflow_provider_sms.models.inbound import InboundSms, msisdn

    received = message.received if message.received is not None else message.created
    return InboundSms(
        vendor="fonedynamics",
        id=message.message_sid or "",
        from_number=msisdn(message.from_ or ""),
        to_number=msisdn(message.to or ""),
        body=message.text or "",
        received_at=datetime.fromtimestamp(received or 0, timezone.utc),
        in_reply_to=message.external_id or None,
    )


def _reason(error: FoneBatchItemError) -> str:
    """Return the vendor's code and text for a refused message, any phone number in the text masked."""
    return mask_numbers_in_text(
        ": ".join(part for part in (error.error_code, error.message) if part) or "refused"
    )


def _by_external_id(messages: Iterable[FoneMessage]) -> dict[str, FoneMessage]:
    """Index messages by ``ExternalId``; should one have been sent twice, the later one wins."""
    return {str(m.external_id): m for m in messages}


def _position(external_id: str) -> tuple[int, str]:
    """Sort key: the position after the last ``.`` of ``<key>.<position>``."""
    _, _, position = external_id.rpartition(".")
    return (int(position), external_id) if position.isdigit() else (1 << 62, external_id)
