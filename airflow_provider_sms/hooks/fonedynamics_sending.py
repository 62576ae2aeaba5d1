"""Fone Dynamics implementation of the neutral sending operations.

Fone Dynamics has no batches: a chunk is one ``BatchMessages`` request, and its messages carry the
``ExternalId`` ``<key>.<position>``. The chunk's batch id is :class:`FoneBatchRef` ``<key>@<unix>``, the
key and when its first message was created. ``${key}`` placeholders are filled in here, per recipient,
the way Sinch fills them. Finding a chunk again searches the property's sent messages created from
14 days before now (Sinch's list window) to 1 day after (tolerating clock skew with the vendor).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.hooks.batch_ids import FoneBatchRef
from airflow_provider_sms.hooks.sending import (
    ChunkPreview,
    MessagePreview,
    SendChunk,
    SendingOperations,
    SendOptions,
    SentChunk,
)
from airflow_provider_sms.models.fonedynamics import (
    FoneBatchItemError,
    FoneBatchMessagesRequest,
    FoneMessage,
)
from airflow_provider_sms.models.sms import count_parts

if TYPE_CHECKING:
    from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient

#: Most messages per ``BatchMessages`` request: the vendor states no limit, so this one is ours.
FONE_MAX_MESSAGES = 1000
#: How far back, and ahead, the search for a key's messages looks.
FONE_LOOKUP_BEFORE = timedelta(days=14)
FONE_LOOKUP_AFTER = timedelta(days=1)
#: Message fields taken from :class:`SendOptions` as they are.
_MESSAGE_OPTIONS = (
    "delivery_receipt",
    "delivery_receipt_webhook_uri",
    "delivery_receipt_webhook_method",
    "forward_to_sms",
    "forward_from_sms",
    "forward_to_email",
    "forward_from_email",
    "webhook_uri",
    "webhook_method",
)


class FoneDynamicsSending(SendingOperations):
    """Send, find again and preview one request of a campaign through the Fone Dynamics API."""

    supported_send_options = frozenset(_MESSAGE_OPTIONS)

    def max_chunk_size(self, *, individual: bool) -> int:
        """Return 1,000 messages per request, whether or not each recipient has its own text.

        :param individual: Whether each recipient has its own text.
        """
        return FONE_MAX_MESSAGES

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's ``BatchMessages`` request, sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``Schedule`` is checked against.
        """
        self._batch_request(chunk, options, now)

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one ``BatchMessages`` request, ExternalIds ``<key>.<position>``.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        request = self._batch_request(chunk, options, None)
        results = self._fone_client().send_messages(request.messages)
        accepted = [r for r in results if isinstance(r, FoneMessage)]
        rejected = tuple(
            (index, _reason(result))
            for index, result in enumerate(results)
            if isinstance(result, FoneBatchItemError)
        )
        created = min((m.created for m in accepted if m.created is not None), default=None)
        if created is None:
            created = int(datetime.now(timezone.utc).timestamp())
        return SentChunk(
            key=chunk.key,
            batch_id=str(FoneBatchRef(chunk.key, created)),
            accepted=len(accepted),
            rejected=rejected,
        )

    def find_chunk(self, key: str) -> SentChunk | None:
        """Return the messages whose ExternalId is ``<key>.<position>``, or ``None`` if there are none.

        :param key: The chunk's idempotency key.
        """
        now = datetime.now(timezone.utc)
        ref = FoneBatchRef(key, 0)
        found = 0
        indexes: set[int] | None = set()
        created: int | None = None
        messages = self._fone_client().list_messages(
            date_from=now - FONE_LOOKUP_BEFORE, date_to=now + FONE_LOOKUP_AFTER, direction="Transmit"
        )
        for message in messages:
            if ref.owns(message.external_id):
                found += 1
                index = _index_in_chunk(str(message.external_id), key)
                indexes = None if indexes is None or index is None else indexes | {index}
                if message.created is not None:
                    created = message.created if created is None else min(created, message.created)
        if not found:
            return None
        first = created if created is not None else int(now.timestamp())
        return SentChunk(
            key=key,
            batch_id=str(FoneBatchRef(key, first)),
            accepted=found,
            found=True,
            found_indexes=frozenset(indexes) if indexes is not None else None,
        )

    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Count each message's parts and encoding locally (GSM-7 or UCS-2), sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        counted = [count_parts(options.text_for(r)) for r in chunk.recipients]
        messages = tuple(MessagePreview(i, c.parts, c.encoding) for i, c in enumerate(counted))
        return ChunkPreview(recipients=len(messages), parts=sum(c.parts for c in counted), messages=messages)

    def _fone_client(self) -> FoneDynamicsClient:
        client: FoneDynamicsClient = self.get_conn()
        return client

    def _batch_request(
        self, chunk: SendChunk, options: SendOptions, now: datetime | None
    ) -> FoneBatchMessagesRequest:
        ref = FoneBatchRef(chunk.key, 0)
        sender = options.from_ or self.default_from
        messages: list[dict[str, Any]] = []
        for position, recipient in enumerate(chunk.recipients):
            fields: dict[str, Any] = {
                "to": recipient.to,
                "text": options.text_for(recipient),
                "from_": sender,
                "schedule": options.send_at,
                "external_id": ref.external_id(position),
            }
            fields.update((name, getattr(options, name)) for name in _MESSAGE_OPTIONS)
            messages.append({name: value for name, value in fields.items() if value is not None})
        context = {"now": now} if now is not None else None
        return FoneBatchMessagesRequest.build({"messages": messages}, context=context)


def _index_in_chunk(external_id: str, key: str) -> int | None:
    """Return the ``<position>`` of an ExternalId ``<key>.<position>``, or ``None`` if it is not a number."""
    position = external_id[len(key) + 1 :]
    return int(position) if position.isdigit() else None


def _reason(error: FoneBatchItemError) -> str:
    """Return the vendor's code and text for a refused message (it names fields, never values)."""
    return ": ".join(part for part in (error.error_code, error.message) if part) or "refused"
