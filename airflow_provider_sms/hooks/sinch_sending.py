"""Sinch implementation of the neutral sending operations.

A chunk is one batch. Its idempotency key is the batch's ``client_reference``; finding a chunk again
lists the batches carrying that reference over Sinch's whole 14-day list window. Placeholders are
sent as they are, with the chunk's recipients' ``parameters``: Sinch fills them in itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_sms.hooks.sending import (
    PLACEHOLDER_PATTERN,
    ChunkPreview,
    MessagePreview,
    SendChunk,
    SendingOperations,
    SendOptions,
    SentChunk,
)
from airflow_provider_sms.models.sinch import SinchTextBatchRequest

if TYPE_CHECKING:
    from airflow_provider_sms.clients.sinch import SinchClient

#: Most recipients of one batch.
SINCH_MAX_RECIPIENTS = 1000
#: How far back ``GET /batches`` can see; the default ``start_date`` is only 24 hours back.
SINCH_LIST_WINDOW = timedelta(days=14)
#: Batch fields taken from :class:`SendOptions` as they are.
_BATCH_OPTIONS = (
    "send_at",
    "expire_at",
    "delivery_report",
    "callback_url",
    "flash_message",
    "max_number_of_message_parts",
    "truncate_concat",
    "feedback_enabled",
)


class SinchSending(SendingOperations):
    """Send, find again and preview one request of a campaign through the Sinch API."""

    supported_send_options = frozenset(_BATCH_OPTIONS)

    def max_chunk_size(self, *, individual: bool) -> int:
        """Return 1,000 recipients per batch, or 1 when each recipient has its own text (one batch each).

        :param individual: Whether each recipient has its own text.
        """
        return 1 if individual else SINCH_MAX_RECIPIENTS

    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's batch request, sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time ``expire_at`` is checked against.
        """
        self._batch_request(chunk, options, now)

    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one batch whose ``client_reference`` is the chunk's key.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        batch = self._sinch_client().send_batch(self._batch_request(chunk, options, None))
        return SentChunk(key=chunk.key, batch_id=str(batch.id), accepted=len(batch.to))

    def find_chunk(self, key: str) -> SentChunk | None:
        """Return the batch sent with ``client_reference=key`` in the last 14 days, or ``None``.

        :param key: The chunk's idempotency key.
        """
        start = datetime.now(timezone.utc) - SINCH_LIST_WINDOW
        batch = next(iter(self._sinch_client().list_batches(client_reference=key, start_date=start)), None)
        if batch is None:
            return None
        return SentChunk(key=key, batch_id=str(batch.id), accepted=len(batch.to), found=True)

    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Ask Sinch's dry run for the chunk's parts and per-recipient encodings.

        :param chunk: The chunk.
        :param options: The send's options.
        """
        request = self._batch_request(chunk, options, None)
        result = self._sinch_client().dry_run(
            request, per_recipient=True, number_of_recipients=len(chunk.recipients)
        )
        index_of = {r.to.lstrip("+"): i for i, r in enumerate(chunk.recipients)}
        messages = tuple(
            MessagePreview(
                index=index_of[str(item.recipient).lstrip("+")],
                parts=item.number_of_parts or 0,
                encoding=item.encoding or "unknown",
            )
            for item in result.per_recipient or ()
            if str(item.recipient).lstrip("+") in index_of
        )
        return ChunkPreview(
            recipients=result.number_of_recipients or 0,
            parts=result.number_of_messages or 0,
            messages=messages,
        )

    def _sinch_client(self) -> SinchClient:
        client: SinchClient = self.get_conn()
        return client

    def _batch_request(
        self, chunk: SendChunk, options: SendOptions, now: datetime | None
    ) -> SinchTextBatchRequest:
        individual = chunk.recipients[0].body is not None
        fields: dict[str, Any] = {
            "to": [r.to for r in chunk.recipients],
            "from_": options.from_ or self.default_from,
            "body": chunk.recipients[0].body if individual else options.body,
            "client_reference": chunk.key,
        }
        if not individual:
            fields["parameters"] = _parameters(chunk, options)
        for name in _BATCH_OPTIONS:
            fields[name] = getattr(options, name)
        context = {"now": now} if now is not None else None
        return SinchTextBatchRequest.build(
            {name: value for name, value in fields.items() if value is not None}, context=context
        )


def _parameters(chunk: SendChunk, options: SendOptions) -> dict[str, dict[str, str]] | None:
    """Return the ``parameters`` of the keys the body uses: each recipient's own value and the default."""
    used = set(PLACEHOLDER_PATTERN.findall(options.body or ""))
    parameters: dict[str, dict[str, str]] = {}
    for key in sorted(used):
        values = {r.to: r.values[key] for r in chunk.recipients if key in r.values}
        if key in options.defaults:
            values["default"] = options.defaults[key]
        if values:
            parameters[key] = values
    return parameters or None
