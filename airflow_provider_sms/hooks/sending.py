"""Vendor-neutral sending operations of every SMS hook (used by the send and dry-run operators).

A campaign is sent as *chunks*: each chunk is one vendor request (a Sinch batch, or one Fone Dynamics
``BatchMessages`` request) and carries an idempotency key. Each vendor implements the operations in
``hooks/<vendor>_sending.py``: check the options, validate a chunk, send it, find what its key already
created, and preview it without sending.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_sms.exceptions import SmsCapabilityError
from airflow_provider_sms.models.sms import mask_msisdn

#: A ``${key}`` placeholder, with Sinch's key characters.
PLACEHOLDER_PATTERN = re.compile(r"\$\{([A-Za-z0-9._-]+)\}")


@dataclass(frozen=True)
class ChunkRecipient:
    """One recipient of a chunk.

    :param position: 0-based position in the whole send (the list, CSV row or ``messages`` item).
    :param to: The E.164 number.
    :param values: This recipient's own ``${key}`` values (defaults are in :class:`SendOptions`).
    :param body: The recipient's own text (a ``messages`` item); ``None`` in a one-text campaign.
    """

    position: int
    to: str
    values: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None

    def __repr__(self) -> str:
        return f"ChunkRecipient(position={self.position}, to={mask_msisdn(self.to)!r})"


@dataclass(frozen=True)
class SendChunk:
    """One vendor request of a send.

    :param number: 0-based chunk number within the send.
    :param key: Idempotency key (``KEY_PATTERN`` of ``hooks/batch_ids.py``).
    :param recipients: The recipients, in order.
    """

    number: int
    key: str
    recipients: tuple[ChunkRecipient, ...]


@dataclass(frozen=True)
class SendOptions:
    """What every message of a send shares; options a vendor lacks stay ``None``.

    :param body: The text with ``${key}`` placeholders; ``None`` when each recipient carries its own.
    :param defaults: ``${key}`` values for recipients without their own.
    :param parameter_keys: Every parameter key of the send (``parameters`` keys, CSV columns); a
        ``${key}`` of another name is not a parameter and stays as written.
    :param from_: Sender id; ``None`` uses the connection's default sender (Fone Dynamics: a leased number).
    :param send_at: When to send; ``None`` sends at once.
    :param expire_at: (Sinch) when to give up delivering.
    :param delivery_report: (Sinch) delivery report type.
    :param callback_url: (Sinch) where delivery reports are posted.
    :param flash_message: (Sinch) show the message at once on the handset.
    :param max_number_of_message_parts: (Sinch) most parts a message may take.
    :param truncate_concat: (Sinch) cut a long message to one part.
    :param feedback_enabled: (Sinch) delivery feedback will be reported.
    :param delivery_receipt: (Fone Dynamics) request a delivery receipt.
    :param delivery_receipt_webhook_uri: (Fone Dynamics) URL the receipt is sent to.
    :param delivery_receipt_webhook_method: (Fone Dynamics) ``POST`` or ``GET``.
    :param forward_to_sms: (Fone Dynamics, leased number) forward replies to this number.
    :param forward_from_sms: (Fone Dynamics, leased number) sender of forwarded replies.
    :param forward_to_email: (Fone Dynamics, leased number) forward replies to this address.
    :param forward_from_email: (Fone Dynamics, leased number) sender address of forwarded replies.
    :param webhook_uri: (Fone Dynamics, leased number) URL each reply is sent to.
    :param webhook_method: (Fone Dynamics, leased number) ``POST`` or ``GET``.
    """

    body: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    parameter_keys: frozenset[str] = frozenset()
    from_: str | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    delivery_report: str | None = None
    callback_url: str | None = None
    flash_message: bool | None = None
    max_number_of_message_parts: int | None = None
    truncate_concat: bool | None = None
    feedback_enabled: bool | None = None
    delivery_receipt: bool | None = None
    delivery_receipt_webhook_uri: str | None = None
    delivery_receipt_webhook_method: str | None = None
    forward_to_sms: str | None = None
    forward_from_sms: str | None = None
    forward_to_email: str | None = None
    forward_from_email: str | None = None
    webhook_uri: str | None = None
    webhook_method: str | None = None

    def set_options(self) -> list[str]:
        """Return the names of the vendor options that are set (not ``None``)."""
        shared = {"body", "defaults", "parameter_keys", "from_", "send_at"}
        return [f.name for f in fields(self) if f.name not in shared and getattr(self, f.name) is not None]

    def text_for(self, recipient: ChunkRecipient) -> str:
        """Return the text the recipient gets, placeholders filled (unknown keys are left as they are).

        :param recipient: The recipient.
        """
        if recipient.body is not None:
            return recipient.body
        return render_placeholders(self.body or "", recipient.values, self.defaults, self.parameter_keys)[0]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}=..." for name in self.set_options())
        return f"SendOptions({shown})"


@dataclass(frozen=True)
class SentChunk:
    """What one chunk's key created at the vendor.

    :param key: The chunk's idempotency key.
    :param batch_id: The id the sensors and batch operators accept (Sinch batch id, Fone ``<key>@<unix>``).
    :param accepted: How many messages the vendor accepted.
    :param rejected: ``(index in the chunk, vendor's reason)`` of each message the vendor refused.
    :param found: Whether it was found already sent (by an earlier try) rather than sent now.
    :param found_indexes: For a chunk found again: the indexes in the chunk of the messages found, when the
        vendor's records tell them apart (``None`` otherwise). A message of the chunk not among them was
        refused when the chunk was sent, and is not sent again.
    """

    key: str
    batch_id: str
    accepted: int
    rejected: tuple[tuple[int, str], ...] = ()
    found: bool = False
    found_indexes: frozenset[int] | None = None


@dataclass(frozen=True)
class MessagePreview:
    """How one message of a chunk would go out.

    :param index: Index of the recipient in the chunk.
    :param parts: SMS parts.
    :param encoding: ``GSM`` or ``UNICODE``.
    """

    index: int
    parts: int
    encoding: str


@dataclass(frozen=True)
class ChunkPreview:
    """A chunk's dry run.

    :param recipients: Recipients that would get a message.
    :param parts: SMS parts in all.
    :param messages: Per message, as far as the vendor reports them.
    """

    recipients: int
    parts: int
    messages: tuple[MessagePreview, ...]


def render_placeholders(
    body: str, values: Mapping[str, str], defaults: Mapping[str, str], keys: AbstractSet[str]
) -> tuple[str, list[str]]:
    """Fill ``${key}`` placeholders the way Sinch does.

    A parameter key with neither a value for the recipient nor a default is *unmatched* (Sinch aborts
    that recipient's message); a ``${name}`` that is no parameter key stays as written.

    :param body: The text.
    :param values: The recipient's own values.
    :param defaults: Values for recipients without their own.
    :param keys: The send's parameter keys.
    :return: The text, and the unmatched keys (the text is unusable when there are any).
    """
    known = keys | values.keys() | defaults.keys()
    unmatched: list[str] = []

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in known:
            return match.group(0)
        value = values.get(key, defaults.get(key))
        if value is None:
            unmatched.append(key)
            return ""
        return value

    return PLACEHOLDER_PATTERN.sub(fill, body), unmatched


class SendingOperations(ABC):
    """Neutral operations to send, find again and preview one vendor-sized request of a campaign."""

    if TYPE_CHECKING:
        vendor: ClassVar[str]

        def get_conn(self) -> Any:
            """Return the vendor client (provided by ``SmsHook``)."""

        @property
        def default_from(self) -> str | None:
            """The connection's default sender (provided by ``SmsHook``)."""

    #: Options this vendor's API has, as :class:`SendOptions` field names.
    supported_send_options: frozenset[str] = frozenset()

    def check_send_options(self, options: SendOptions) -> None:
        """Fail, before any request, if an option is set that the vendor's API does not have.

        :param options: The send's options.
        :raises SmsCapabilityError: naming the vendor and the option.
        """
        missing = [name for name in options.set_options() if name not in self.supported_send_options]
        if missing:
            raise SmsCapabilityError(self.vendor, "set " + ", ".join(missing) + " on a message")

    @abstractmethod
    def max_chunk_size(self, *, individual: bool) -> int:
        """Return the most recipients one request may carry.

        :param individual: Whether each recipient has its own text (a ``messages`` send).
        """

    @abstractmethod
    def validate_chunk(self, chunk: SendChunk, options: SendOptions, now: datetime) -> None:
        """Build the chunk's request with the vendor's models, sending nothing.

        :param chunk: The chunk.
        :param options: The send's options.
        :param now: The time schedule rules are checked against.
        :raises SmsValidationError: naming each broken rule.
        """

    @abstractmethod
    def send_chunk(self, chunk: SendChunk, options: SendOptions) -> SentChunk:
        """Send the chunk as one request carrying its key.

        :param chunk: The chunk.
        :param options: The send's options.
        :raises SmsAmbiguousResultError: the request may or may not have taken effect; look the key up.
        """

    @abstractmethod
    def find_chunk(self, key: str) -> SentChunk | None:
        """Return what a chunk's key created, or ``None`` if it created nothing (within the lookup window).

        :param key: The chunk's idempotency key.
        """

    @abstractmethod
    def preview_chunk(self, chunk: SendChunk, options: SendOptions) -> ChunkPreview:
        """Return recipients, parts and encodings of the chunk without sending it.

        :param chunk: The chunk.
        :param options: The send's options.
        """
