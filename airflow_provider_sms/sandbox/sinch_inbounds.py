"""Sinch inbound (MO) messages in the sandbox, and the service plan's callback settings and signing.

A handset's message injected with ``POST /_sandbox/inbound`` becomes an :class:`Inbound`: listed by
``GET /inbounds``, read by ``GET /inbounds/{id}`` and POSTed to the service plan's callback URL.
:class:`InboundBook` checks, stores and finds them. :class:`CallbackSettings` is what a real plan sets on
the dashboard: the callback URL (for MO messages, and for delivery reports of batches without a
``callback_url``) and the secret that signs every callback (:func:`signature`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import secrets
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_provider_sms.sandbox.callbacks import Signer, is_loopback_url
from airflow_provider_sms.sandbox.core import InboundRefused, InboundRequest, StateStore, check_replay
from airflow_provider_sms.sandbox.sinch_batches import Batch, new_batch_id
from airflow_provider_sms.sandbox.sinch_reports import Window, iso
from airflow_provider_sms.sandbox.sinch_requests import (
    MSISDN_PATTERN,
    MSISDN_RULE,
    NUMERIC_SENDER_PATTERN,
    mask_msisdn,
    same_number,
)

# --- the service plan's callback settings, and callback signing ---------------------------------------------

SIGNATURE_HEADER = "X-Sinch-Webhook-Signature"
NONCE_HEADER = "X-Sinch-Webhook-Signature-Nonce"
TIMESTAMP_HEADER = "X-Sinch-Webhook-Signature-Timestamp"


def signature(secret: str, body: bytes, nonce: str, timestamp: str) -> str:
    """Return Sinch's callback signature: Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)).

    :param secret: The plan's signing secret.
    :param body: The exact bytes of the callback body.
    :param nonce: The ``X-Sinch-Webhook-Signature-Nonce`` value.
    :param timestamp: The ``X-Sinch-Webhook-Signature-Timestamp`` value.
    """
    signed = body + b"." + nonce.encode("utf-8") + b"." + timestamp.encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_headers(secret: str, body: bytes) -> dict[str, str]:
    """Return the three signature headers of one attempt: a fresh nonce, and the wall-clock Unix seconds.

    The timestamp is real time, not the sandbox clock: it says when the request was made, so a receiver
    that refuses stale signatures still accepts callbacks after a test moved the sandbox clock.

    :param secret: The plan's signing secret.
    :param body: The exact bytes of the callback body.
    """
    nonce = secrets.token_hex(16)
    timestamp = str(int(time.time()))
    return {
        SIGNATURE_HEADER: signature(secret, body, nonce, timestamp),
        NONCE_HEADER: nonce,
        TIMESTAMP_HEADER: timestamp,
    }


@dataclass(frozen=True)
class CallbackSettings:
    """The service plan's callback URL and signing secret.

    :param url: Where MO messages go, and delivery reports of batches without ``callback_url``.
    :param secret: Signs every callback when set.
    """

    url: str | None = None
    secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.url is not None and not is_loopback_url(self.url):
            raise ValueError("callback_url must be an http(s) URL to a loopback host (127.0.0.1, localhost)")
        if self.secret is not None and not self.secret:
            raise ValueError("signing_secret must not be empty (leave it out to send callbacks unsigned)")

    def signer(self) -> Signer | None:
        """Return what signs each attempt, or ``None`` when callbacks go unsigned."""
        secret = self.secret
        if secret is None:
            return None
        return lambda body: signature_headers(secret, body)

    def to_json(self) -> dict[str, Any]:
        """Return the settings as ``GET /_sandbox/sinch/callbacks`` shows them (never the secret)."""
        return {"callback_url": self.url, "signed": self.secret is not None}


# --- inbound messages ---------------------------------------------------------------------------------------

MO_TEXT = "mo_text"
OPERATOR_ID_PATTERN = re.compile(r"^[0-9]{5,6}$")


@dataclass
class Inbound:
    """An MO message received on one of the plan's numbers.

    :param id: Inbound id (ULID-shaped, like batch ids).
    :param sender: The handset's number (``from``).
    :param to: The plan's number or short code.
    :param body: The text.
    :param received_at: Sandbox time it arrived.
    :param operator_id: The sender's operator MCC/MNC, if known.
    :param client_reference: The ``client_reference`` of the batch it answers, if any.
    :param batch_id: The batch it answers, if any (not served by the API).
    :param idempotency_key: The key it was injected with, if any.
    :param request: What the injection asked for, to tell a replay from a reused key.
    """

    id: str
    sender: str
    to: str
    body: str
    received_at: datetime
    operator_id: str | None = None
    client_reference: str | None = None
    batch_id: str | None = None
    idempotency_key: str | None = None
    request: dict[str, Any] = field(default_factory=dict)


def inbound_json(inbound: Inbound) -> dict[str, Any]:
    """Return the inbound as Sinch serves it and POSTs it: ``type`` ``mo_text``, optional fields left out.

    :param inbound: The inbound message.
    """
    data: dict[str, Any] = {
        "type": MO_TEXT,
        "id": inbound.id,
        "from": inbound.sender,
        "to": inbound.to,
        "body": inbound.body,
        "received_at": iso(inbound.received_at),
    }
    if inbound.operator_id is not None:
        data["operator_id"] = inbound.operator_id
    if inbound.client_reference is not None:
        data["client_reference"] = inbound.client_reference
    return data


def _dump(inbound: Inbound) -> dict[str, Any]:
    return {
        "id": inbound.id,
        "sender": inbound.sender,
        "to": inbound.to,
        "body": inbound.body,
        "received_at": inbound.received_at.isoformat(),
        "operator_id": inbound.operator_id,
        "client_reference": inbound.client_reference,
        "batch_id": inbound.batch_id,
        "idempotency_key": inbound.idempotency_key,
        "request": inbound.request,
    }


def _load(saved: dict[str, Any]) -> Inbound:
    return Inbound(**{**saved, "received_at": datetime.fromisoformat(saved["received_at"])})


def _refused(field_name: str, message: str, status: int = 400) -> InboundRefused:
    return InboundRefused(status, field_name, message)


def resolve_recipient(request: InboundRequest, batch: Batch | None) -> str:
    """Return the plan number the message goes to: ``to``, else the number the answered batch came from.

    :param request: The injected message.
    :param batch: The batch it answers, if any.
    """
    if request.to is not None:
        if not NUMERIC_SENDER_PATTERN.match(request.to):
            rule = "must be a phone number or short code of the plan: 3 to 15 digits, optional '+'"
            raise _refused("to", f"{mask_msisdn(request.to)!r} is not valid: {rule}")
        return request.to
    if batch is None:
        raise _refused("to", "is required unless in_reply_to names a batch sent from a number")
    sender = batch.content.sender
    if sender is None or not NUMERIC_SENDER_PATTERN.match(sender):
        shown = "no sender" if sender is None else f"alphanumeric sender {sender!r}"
        raise _refused("to", f"is required: batch {batch.id!r} was sent from {shown}, which takes no replies")
    return sender


class InboundBook:
    """Every inbound message, in arrival order, saved to the state store when one arrives.

    :param store: The sandbox's state store (namespace ``sinch.inbounds``).
    """

    NAMESPACE = "sinch.inbounds"

    def __init__(self, store: StateStore) -> None:
        self.store = store
        saved = store.load(self.NAMESPACE)
        self.inbounds: dict[str, Inbound] = {}
        for item in saved["inbounds"] if saved else []:
            inbound = _load(item)
            self.inbounds[inbound.id] = inbound
        self._by_key: dict[str, Inbound] = {}
        for inbound in self.inbounds.values():
            if inbound.idempotency_key is not None:
                self._by_key[inbound.idempotency_key] = inbound

    def clear(self) -> None:
        """Forget every inbound message (the store itself is cleared by the reset)."""
        self.inbounds.clear()
        self._by_key.clear()

    def receive(
        self, request: InboundRequest, batches: Mapping[str, Batch], now: datetime, rng: random.Random
    ) -> tuple[Inbound, bool]:
        """Check and store an injected message; return it and whether it is new (not a replay of its key).

        :param request: The injected message.
        :param batches: The plan's batches, to find the one ``in_reply_to`` names.
        :param now: Sandbox time.
        :param rng: The sandbox's seeded randomness, for the id.
        :raises InboundRefused: A field breaks a rule (400), the batch is unknown (404), the key was used
            for another message (409).
        """
        if request.idempotency_key is not None and request.idempotency_key in self._by_key:
            earlier = self._by_key[request.idempotency_key]
            check_replay(request, earlier.request)
            return earlier, False
        if not MSISDN_PATTERN.match(request.sender):
            raise _refused("from", f"{mask_msisdn(request.sender)!r} is not valid: {MSISDN_RULE}")
        if request.operator_id is not None and not OPERATOR_ID_PATTERN.match(request.operator_id):
            raise _refused("operator_id", f"{request.operator_id!r} must be an MCC/MNC: 5 or 6 digits")
        batch = None
        if request.in_reply_to is not None:
            batch = batches.get(request.in_reply_to)
            if batch is None:
                raise _refused("in_reply_to", f"batch {request.in_reply_to!r} not found", 404)
            if batch.find_recipient(request.sender) is None:
                shown = mask_msisdn(request.sender)
                raise _refused("from", f"{shown!r} is not a recipient of batch {batch.id!r}")
        inbound = Inbound(
            id=new_batch_id(now, rng),
            sender=request.sender,
            to=resolve_recipient(request, batch),
            body=request.body,
            received_at=now,
            operator_id=request.operator_id,
            client_reference=None if batch is None else batch.content.client_reference,
            batch_id=None if batch is None else batch.id,
            idempotency_key=request.idempotency_key,
            request=request.fields(),
        )
        self.inbounds[inbound.id] = inbound
        if inbound.idempotency_key is not None:
            self._by_key[inbound.idempotency_key] = inbound
        self.store.save(self.NAMESPACE, {"inbounds": [_dump(i) for i in self.inbounds.values()]})
        return inbound, True

    def get(self, inbound_id: str) -> Inbound | None:
        """Return an inbound message by id, or ``None``.

        :param inbound_id: Inbound id.
        """
        return self.inbounds.get(inbound_id)

    def matching(self, to: Collection[str], window: Window, reference: str | None) -> list[Inbound]:
        """Return the inbound messages that match, newest first.

        :param to: Only messages to one of these numbers (any when empty), with or without ``+``.
        :param window: Only messages received in this window.
        :param reference: Only messages answering a batch with this ``client_reference``.
        """
        return [
            inbound
            for inbound in reversed(self.inbounds.values())
            if window.contains(inbound.received_at)
            and (not to or any(same_number(inbound.to, number) for number in to))
            and (reference is None or inbound.client_reference == reference)
        ]
