"""Vendor callbacks as Airflow asset events: the webhook receiver that Airflow's API server mounts.

:class:`SmsWebhooksPlugin` hands the API server a FastAPI app under :data:`URL_PREFIX`. It takes Sinch MO
and delivery-report callbacks, and Fone Dynamics reply and delivery-receipt webhooks, and records each one
as an asset event of the same shape the triggerer stores for an ``AssetWatcher``
(``{"from_trigger": True, "payload": ...}``), so a DAG scheduled on the asset cannot tell which path
delivered it:

- ``POST /sms-webhooks/sinch/{conn_id}``: Sinch callbacks signed with the connection's
  ``webhook_signing_secret`` (``X-Sinch-Webhook-Signature`` and its nonce and timestamp headers);
- ``POST /sms-webhooks/sinch/{conn_id}/{secret}``: Sinch callbacks carrying the connection's
  ``webhook_secret`` in the URL (the signature is checked too when the connection has a signing secret);
- ``GET`` or ``POST /sms-webhooks/fonedynamics/{conn_id}/{secret}``: Fone Dynamics webhooks, which have no
  signing scheme, so the URL secret is the only proof.

Inbound messages become events of ``sms://<vendor>/<number>/inbound``, delivery reports events of
``sms://<vendor>/<conn_id>/deliveries``. A callback the vendor retries creates one event: the receiver
looks for an event with the same payload on the asset first, holding the asset's row lock (and, within one
API server process, a lock of its own) while it looks and writes. A callback that fails a check gets a 4xx
that names the rule (the vendor drops it); one that cannot be checked now (the vendor's API is down) gets a
503, which the vendor retries. Log lines mask phone numbers and never show a secret.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_sms.exceptions import SmsError, SmsNotFoundError, SmsValidationError
from airflow_provider_sms.hooks._form import WEBHOOK_SECRET_FIELD, WEBHOOK_SIGNING_SECRET_FIELD
from airflow_provider_sms.models.inbound import inbound_asset_uri
from airflow_provider_sms.models.sms import from_fonedynamics, from_sinch, mask_msisdn

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: Where the API server mounts the receiver.
URL_PREFIX = "/sms-webhooks"
#: Largest body taken; a larger one is refused before or while it is read, never read whole.
MAX_BODY_BYTES = 1024 * 1024
#: Connection ``extra`` key of the secret a callback URL carries.
WEBHOOK_SECRET = WEBHOOK_SECRET_FIELD.name
#: Connection ``extra`` key of the secret Sinch signs callbacks with (Sinch connections only).
SIGNING_SECRET = WEBHOOK_SIGNING_SECRET_FIELD.name
#: A URL secret shorter than this is refused as a setting: it could be guessed.
MIN_SECRET_LENGTH = 16

SIGNATURE_HEADER = "X-Sinch-Webhook-Signature"
NONCE_HEADER = "X-Sinch-Webhook-Signature-Nonce"
TIMESTAMP_HEADER = "X-Sinch-Webhook-Signature-Timestamp"

SINCH, FONEDYNAMICS = "sinch", "fonedynamics"
_CONN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}\Z")
#: A Sinch batch id: 26 Crockford base-32 characters (ULID-shaped).
_SINCH_BATCH_ID = re.compile(r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}\Z")
#: A Fone Dynamics MessageSid: letters and digits.
_FONE_MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{8,64}\Z")
_NUMBER = re.compile(r"^\+?[0-9]{7,15}\Z")
#: How many (connection, batch) pairs the vendor confirmed are remembered, so a storm of per-recipient
#: reports of one batch costs one look-up.
KNOWN_BATCHES_LIMIT = 10_000
#: Seconds the "does the vendor know this batch" look-up may wait for the vendor. It is asked once, never
#: retried: the vendor waits for our answer to its callback (Sinch gives up after a few seconds) and retries
#: the callback itself after a 503, so our own retries would only hold the request open past its patience.
BATCH_LOOKUP_TIMEOUT_S = 4.0


# --- asset URIs (the contract shared with the polling trigger) ----------------------------------------------


def _inbound_uri(vendor: str, field: str, number: str) -> str:
    """Return the inbound asset of ``number`` (the polling trigger's, from the same function)."""
    try:
        return inbound_asset_uri(vendor, number)
    except SmsValidationError:
        raise _field_refused(field, number, "must be a phone number, a short code or a name") from None


def deliveries_asset_uri(vendor: str, conn_id: str) -> str:
    """Return the asset of a connection's delivery reports: ``sms://<vendor>/<conn_id>/deliveries``.

    :param vendor: ``sinch`` or ``fonedynamics``.
    :param conn_id: The connection the messages were sent with.
    """
    return f"sms://{vendor}/{conn_id}/deliveries"


# --- refusals -----------------------------------------------------------------------------------------------


class WebhookRefused(Exception):
    """A callback is refused: the HTTP status and a detail that masks numbers and never holds a secret.

    :param status: HTTP status to answer with.
    :param detail: What was wrong: the field, its (masked) value and the rule.
    """

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _field_refused(field: str, value: object, rule: str) -> WebhookRefused:
    return WebhookRefused(422, f"field {field!r} {_shown(value)} {rule}")


def _shown(value: object) -> str:
    """Show a payload value in a refusal: numbers masked, long text cut, other types by name."""
    if value is None:
        return "is missing;"
    if isinstance(value, str):
        shown = mask_msisdn(value) if _NUMBER.match(value) else value[:40]
        return f"= {shown!r}:"
    if isinstance(value, bool | int | float):
        return f"= {value!r}:"
    return f"is a {type(value).__name__}:"


# --- what a callback becomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    """One callback turned into the payload of an asset event.

    :param asset_uri: The asset the event belongs to.
    :param payload: The event's payload, as the contract of issue 14 describes it.
    :param batch_id: For a delivery report, the vendor id that must be known before it is recorded.
    """

    asset_uri: str
    payload: dict[str, Any]
    batch_id: str | None = None

    def repeats(self, earlier: Mapping[str, Any]) -> bool:
        """Return whether an earlier event's payload reports the same thing (a vendor's retry).

        Inbound messages are the same when their vendor id is; delivery reports when they are identical.

        :param earlier: The ``payload`` of an event already on the asset.
        """
        if self.payload["kind"] == "inbound":
            return earlier.get("kind") == "inbound" and earlier.get("id") == self.payload["id"]
        return dict(earlier) == self.payload

    def needles(self) -> list[str]:
        """Return strings an earlier event's stored JSON must contain to be a repeat (a cheap SQL filter)."""
        values = [self.payload["id"]] if self.payload["kind"] == "inbound" else [self.payload["batch_id"]]
        if self.payload.get("recipient"):
            values.append(self.payload["recipient"])
        # Only text that JSON stores as itself can be searched for in the stored JSON.
        return [v for v in values if isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9+@._-]+", v)]


def _text(data: Mapping[str, Any], field: str, *, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise _field_refused(field, None, "is required")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _field_refused(field, value, "must be text")
    return str(value)


def _number(data: Mapping[str, Any], field: str) -> str:
    value = _text(data, field)
    assert value is not None
    return f"+{value.lstrip('+')}" if _NUMBER.match(value) else value


def _code(data: Mapping[str, Any], field: str) -> int | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise _field_refused(field, value, "must be a whole number")
    return int(value)


def _iso_time(data: Mapping[str, Any], field: str) -> str:
    """Return an ISO-8601 or Unix-seconds time as ISO-8601 UTC at seconds precision with ``Z``."""
    value = data.get(field)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value, tz=timezone.utc)
        elif isinstance(value, str) and value.strip().isdigit():
            moment = datetime.fromtimestamp(int(value), tz=timezone.utc)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
        else:
            raise ValueError(field)
    except (ValueError, OverflowError, OSError):
        raise _field_refused(field, value, "must be an ISO-8601 time or Unix seconds") from None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sinch_event(conn_id: str, data: Mapping[str, Any]) -> WebhookEvent:
    """Turn a Sinch callback body (an MO message or a delivery report) into an asset event.

    :param conn_id: The connection the callback URL names.
    :param data: The callback's JSON body.
    :raises WebhookRefused: 422 naming the field that breaks a rule, or an unsupported ``type``.
    """
    kind = data.get("type")
    if kind == "mo_text":
        to = _number(data, "to")
        payload: dict[str, Any] = {
            "kind": "inbound",
            "vendor": SINCH,
            "id": _text(data, "id"),
            "from": _number(data, "from"),
            "to": to,
            "body": _text(data, "body", required=False) or "",
            "received_at": _iso_time(data, "received_at"),
            "in_reply_to": _text(data, "client_reference", required=False),
        }
        return WebhookEvent(_inbound_uri(SINCH, "to", to), payload)
    if kind in ("recipient_delivery_report_sms", "recipient_delivery_report_mms"):
        batch_id = _sinch_batch_id(data)
        code = _code(data, "code")
        state = from_sinch(_text(data, "status") or "", code)
        payload = {
            "kind": "delivery",
            "vendor": SINCH,
            "batch_id": batch_id,
            "recipient": _number(data, "recipient"),
            "status": state.status.value,
            "code": code,
            "client_reference": _text(data, "client_reference", required=False),
            "at": _iso_time(data, "at"),
        }
        return WebhookEvent(deliveries_asset_uri(SINCH, conn_id), payload, batch_id)
    if kind in ("delivery_report_sms", "delivery_report_mms"):
        batch_id = _sinch_batch_id(data)
        entries = data.get("statuses")
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            raise _field_refused("statuses", entries, "must be a list of objects")
        statuses = []
        for entry in entries:
            code = _code(entry, "code")
            count = _code(entry, "count")
            statuses.append(
                {
                    "status": from_sinch(_text(entry, "status") or "", code).status.value,
                    "code": code,
                    "count": count,
                }
            )
        # A summary carries no time of its own: "at" stays null so a retried report stays identical.
        payload = {
            "kind": "delivery",
            "vendor": SINCH,
            "batch_id": batch_id,
            "recipient": None,
            "status": _summary_status(statuses),
            "code": None,
            "client_reference": _text(data, "client_reference", required=False),
            "at": None,
            "statuses": statuses,
        }
        return WebhookEvent(deliveries_asset_uri(SINCH, conn_id), payload, batch_id)
    raise _field_refused("type", kind, "must be mo_text or a delivery report (recipient_)delivery_report_sms")


def _summary_status(statuses: list[dict[str, Any]]) -> str:
    """Return the one status of a summary when all its messages share it, else ``mixed``."""
    names = {entry["status"] for entry in statuses}
    return names.pop() if len(names) == 1 else "mixed"


def _sinch_batch_id(data: Mapping[str, Any]) -> str:
    batch_id = _text(data, "batch_id")
    assert batch_id is not None
    if not _SINCH_BATCH_ID.match(batch_id):
        raise _field_refused(
            "batch_id", batch_id, "must be a Sinch batch id: 26 Crockford base-32 characters"
        )
    return batch_id


def fonedynamics_event(conn_id: str, data: Mapping[str, Any]) -> WebhookEvent:
    """Turn a Fone Dynamics webhook (the message resource, JSON or query parameters) into an asset event.

    A received message (``Direction`` ``Receive``) is an inbound message; a sent one (``Transmit``) is a
    delivery receipt, whose ``batch_id`` is the message's ``MessageSid`` and ``client_reference`` its
    ``ExternalId``.

    :param conn_id: The connection the webhook URL names.
    :param data: The webhook's JSON body or query parameters.
    :raises WebhookRefused: 422 naming the field that breaks a rule.
    """
    sid = _text(data, "MessageSid")
    assert sid is not None
    if not _FONE_MESSAGE_SID.match(sid):
        raise _field_refused(
            "MessageSid", sid, "must be a Fone Dynamics MessageSid: 8 to 64 letters or digits"
        )
    direction = data.get("Direction")
    if direction == "Receive":
        to = _number(data, "To")
        payload: dict[str, Any] = {
            "kind": "inbound",
            "vendor": FONEDYNAMICS,
            "id": sid,
            "from": _number(data, "From"),
            "to": to,
            "body": _text(data, "Text", required=False) or "",
            "received_at": _iso_time(data, "Received" if data.get("Received") else "Created"),
            "in_reply_to": _text(data, "ExternalId", required=False),
        }
        return WebhookEvent(_inbound_uri(FONEDYNAMICS, "To", to), payload)
    if direction == "Transmit":
        error_code = _text(data, "ErrorCode", required=False)
        state = from_fonedynamics(_text(data, "Status") or "", error_code)
        moment = next((f for f in ("Delivered", "Submitted", "Created") if data.get(f)), "Created")
        payload = {
            "kind": "delivery",
            "vendor": FONEDYNAMICS,
            "batch_id": sid,
            "recipient": _number(data, "To"),
            "status": state.status.value,
            "code": int(error_code) if error_code and error_code.isdigit() else None,
            "client_reference": _text(data, "ExternalId", required=False),
            "at": _iso_time(data, moment),
        }
        return WebhookEvent(deliveries_asset_uri(FONEDYNAMICS, conn_id), payload, sid)
    raise _field_refused("Direction", direction, "must be Receive or Transmit")


# --- authentication -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookSettings:
    """What a connection says about its webhooks.

    :param conn_id: The connection.
    :param vendor: ``sinch`` or ``fonedynamics`` (its type).
    :param url_secret: The secret a callback URL must carry, if the connection has one.
    :param signing_secret: The secret Sinch signs callbacks with, if the connection has one.
    """

    conn_id: str
    vendor: str
    url_secret: str | None
    signing_secret: str | None

    def __repr__(self) -> str:
        return f"WebhookSettings(conn_id={self.conn_id!r}, vendor={self.vendor!r})"


def load_settings(vendor: str, conn_id: str) -> WebhookSettings:
    """Return the webhook settings of a connection of ``vendor``'s type.

    :param vendor: The vendor the URL names.
    :param conn_id: The connection the URL names.
    :raises WebhookRefused: 404 when there is no such connection of that type, or it takes no webhooks.
    """
    # Airflow 3.1 has it only here.
    from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined,unused-ignore]
    from airflow.models.connection import Connection

    unknown = WebhookRefused(404, f"no {vendor} connection {conn_id!r} takes webhooks")
    if not _CONN_ID.match(conn_id):
        raise unknown
    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        raise unknown from None
    if connection.conn_type != vendor:
        raise unknown
    extra = connection.extra_dejson
    if not isinstance(extra, dict):
        raise unknown
    url_secret = extra.get(WEBHOOK_SECRET) or None
    signing_secret = (extra.get(SIGNING_SECRET) or None) if vendor == SINCH else None
    if url_secret is not None and (not isinstance(url_secret, str) or len(url_secret) < MIN_SECRET_LENGTH):
        log.error(
            "Connection %r: %s must be text of at least %d characters",
            conn_id,
            WEBHOOK_SECRET,
            MIN_SECRET_LENGTH,
        )
        raise unknown
    if signing_secret is not None and not isinstance(signing_secret, str):
        raise unknown
    if url_secret is None and signing_secret is None:
        raise unknown
    return WebhookSettings(conn_id, vendor, url_secret, signing_secret)


def check_url_secret(settings: WebhookSettings, given: str | None) -> None:
    """Check the secret a callback URL carries, in constant time.

    :param settings: The connection's webhook settings.
    :param given: The secret of the URL, ``None`` for a URL without one.
    :raises WebhookRefused: 401 when the connection needs one and the URL has none; 403 when it differs.
    """
    if settings.url_secret is None:
        if given is not None:
            raise WebhookRefused(403, "this connection takes signed callbacks at a URL without a secret")
        return
    if given is None:
        raise WebhookRefused(401, "the callback URL must carry the connection's webhook secret")
    if not hmac.compare_digest(given.encode("utf-8"), settings.url_secret.encode("utf-8")):
        raise WebhookRefused(403, "the callback URL's secret is wrong")


def sinch_signature(secret: str, body: bytes, nonce: str, timestamp: str) -> str:
    """Return Sinch's callback signature: Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)).

    :param secret: The signing secret.
    :param body: The exact bytes of the callback body.
    :param nonce: The ``X-Sinch-Webhook-Signature-Nonce`` header.
    :param timestamp: The ``X-Sinch-Webhook-Signature-Timestamp`` header.
    """
    signed = body + b"." + nonce.encode("utf-8") + b"." + timestamp.encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()).decode("ascii")


def check_signature(settings: WebhookSettings, headers: Mapping[str, str], body: bytes) -> None:
    """Check a Sinch callback's signature when the connection has a signing secret.

    :param settings: The connection's webhook settings.
    :param headers: The request's headers.
    :param body: The exact bytes of the body.
    :raises WebhookRefused: 401 when a signature header is missing; 403 when the signature is wrong.
    """
    if settings.signing_secret is None:
        return
    given = [headers.get(name) for name in (SIGNATURE_HEADER, NONCE_HEADER, TIMESTAMP_HEADER)]
    signature, nonce, timestamp = given
    if signature is None or nonce is None or timestamp is None:
        missing = [
            name
            for name, value in zip((SIGNATURE_HEADER, NONCE_HEADER, TIMESTAMP_HEADER), given, strict=True)
            if not value
        ]
        raise WebhookRefused(401, f"the callback must be signed: header {missing[0]} is missing")
    expected = sinch_signature(settings.signing_secret, body, nonce, timestamp)
    try:
        given_digest = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        given_digest = b""
    if not hmac.compare_digest(given_digest, base64.b64decode(expected)):
        raise WebhookRefused(403, f"header {SIGNATURE_HEADER} does not match the body and the signing secret")


# --- the body -----------------------------------------------------------------------------------------------


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read a JSON body of at most ``limit`` bytes; a larger one is refused without reading it whole.

    :param request: The request.
    :param limit: Largest body taken, in bytes.
    :raises WebhookRefused: 415 for a content type other than JSON, 413 for a larger body, 400 for a
        ``Content-Length`` that is not a number.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        shown = content_type.split(";")[0].strip()[:60] or "none"
        raise WebhookRefused(
            415, f"Content-Type {shown!r} is not accepted: the body must be application/json"
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise WebhookRefused(400, "Content-Length must be a whole number of bytes")
        if int(declared) > limit:
            raise WebhookRefused(413, f"the body of {int(declared)} bytes is over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise WebhookRefused(413, f"the body is over the limit of {limit} bytes")
    return bytes(body)


def parse_json(body: bytes) -> dict[str, Any]:
    """Parse a callback body that must be a JSON object.

    :param body: The body's bytes.
    :raises WebhookRefused: 400 when it is not UTF-8 JSON, or not an object.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        where = (
            f" at line {error.lineno} column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        )
        raise WebhookRefused(400, f"the body is not valid UTF-8 JSON{where}") from None
    if not isinstance(data, dict):
        raise WebhookRefused(400, f"the body must be a JSON object, not a {type(data).__name__}")
    return data


# --- the vendor knows the batch -----------------------------------------------------------------------------

_known_batches: OrderedDict[tuple[str, str], None] = OrderedDict()
_known_lock = threading.Lock()


def check_batch_known(settings: WebhookSettings, batch_id: str) -> None:
    """Ask the vendor, through the connection's hook, whether it knows the batch (or message) reported on.

    A report about a batch the connection's account never sent is forged or misdirected. A batch the
    vendor confirmed is remembered (up to :data:`KNOWN_BATCHES_LIMIT`), so later reports cost no request.

    :param settings: The connection's webhook settings.
    :param batch_id: The Sinch batch id or Fone Dynamics MessageSid.
    :raises WebhookRefused: 404 when the vendor does not know it; 503 when the vendor cannot be asked now
        (the vendor retries the callback later).
    """
    key = (settings.conn_id, batch_id)
    with _known_lock:
        if key in _known_batches:
            _known_batches.move_to_end(key)
            return
    from airflow.models.connection import Connection

    # Imported here: every Airflow component loads the plugin, and only the API server asks vendors.
    from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
    from airflow_provider_sms.hooks.sinch import SinchHook

    try:
        connection = Connection.get_connection_from_secrets(settings.conn_id)
        if settings.vendor == SINCH:
            sinch = SinchHook(sms_conn_id=settings.conn_id)
            sinch._connection = connection
            sinch.settings = dataclasses.replace(sinch.settings, **_asked_once(sinch.settings.timeout))
            sinch.get_batch(batch_id)
        else:
            fone = FoneDynamicsHook(sms_conn_id=settings.conn_id)
            fone._connection = connection
            fone.settings = dataclasses.replace(fone.settings, **_asked_once(fone.settings.timeout))
            fone.get_message(batch_id)
    except SmsNotFoundError:
        raise WebhookRefused(
            404, f"{settings.vendor} does not know batch {batch_id!r} of this connection"
        ) from None
    except SmsError as error:
        log.warning(
            "Could not look batch %r up through %r: %s", batch_id, settings.conn_id, type(error).__name__
        )
        raise WebhookRefused(
            503, f"could not ask {settings.vendor} about batch {batch_id!r}; retry later"
        ) from None
    with _known_lock:
        _known_batches[key] = None
        while len(_known_batches) > KNOWN_BATCHES_LIMIT:
            _known_batches.popitem(last=False)


def _asked_once(timeout: float) -> dict[str, Any]:
    """Return the settings that ask the vendor once, waiting at most :data:`BATCH_LOOKUP_TIMEOUT_S`."""
    return {"max_retries": 0, "timeout": min(timeout, BATCH_LOOKUP_TIMEOUT_S)}


# --- recording the asset event ------------------------------------------------------------------------------

_asset_locks: dict[str, threading.Lock] = {}
_asset_locks_guard = threading.Lock()


@contextmanager
def _asset_lock(uri: str) -> Iterator[None]:
    """Serialise the look-up-then-write of one asset within this process (SQLite has no row locks)."""
    with _asset_locks_guard:
        lock = _asset_locks.setdefault(uri, threading.Lock())
    with lock:
        yield


def record_event(event: WebhookEvent) -> str:
    """Record ``event`` on its asset once; return ``created``, ``duplicate`` or ``no_asset`` (undeclared).

    Within one transaction: lock the asset's row (``SELECT ... FOR UPDATE``; PostgreSQL and MySQL hold it,
    SQLite serialises writers anyway), look for an earlier event with the same payload, and only then
    register the change through Airflow's ``AssetManager``, which also queues the DAGs scheduled on it.

    :param event: What the callback reported.
    """
    from airflow.utils.session import create_session

    with _asset_lock(event.asset_uri), create_session() as session:
        return _record(event, session)


def _record(event: WebhookEvent, session: Session) -> str:
    from airflow.assets.manager import AssetManager
    from airflow.models.asset import AssetActive, AssetEvent, AssetModel
    from sqlalchemy import Text, cast, select

    asset = session.scalar(
        select(AssetModel)
        .join(AssetActive, (AssetActive.name == AssetModel.name) & (AssetActive.uri == AssetModel.uri))
        .where(AssetModel.uri == event.asset_uri)
        .with_for_update(of=AssetModel)
    )
    if asset is None:
        return "no_asset"
    query: Any = select(AssetEvent.extra).where(AssetEvent.asset_id == asset.id)
    for needle in event.needles():
        query = query.where(cast(AssetEvent.extra, Text).contains(needle, autoescape=True))
    for extra in session.scalars(query):
        earlier = extra.get("payload") if isinstance(extra, dict) else None
        if isinstance(earlier, Mapping) and event.repeats(earlier):
            return "duplicate"
    AssetManager.register_asset_change(
        asset=asset, extra={"from_trigger": True, "payload": event.payload}, session=session
    )
    return "created"


# --- the app ------------------------------------------------------------------------------------------------


def _log_payload(event: WebhookEvent) -> str:
    payload = event.payload
    if payload["kind"] == "inbound":
        return f"inbound {payload['id']} from {mask_msisdn(payload['from'])} to {mask_msisdn(payload['to'])}"
    return f"delivery report of {payload['batch_id']} ({payload['status']})"


def _hide_secret_in_access_log(request: Request, secret: str | None) -> None:
    """Show the URL secret as ``***`` in the server's access log, which prints the request's path."""
    if secret:
        path = str(request.scope.get("path", ""))
        request.scope["path"] = path.replace(secret, "***")
        request.scope["raw_path"] = request.scope["path"].encode("utf-8")


async def receive(request: Request, vendor: str, conn_id: str, url_secret: str | None) -> JSONResponse:
    """Check one callback and record it: 200 when recorded or a repeat, 202 when no DAG declares its asset.

    :param request: The request.
    :param vendor: ``sinch`` or ``fonedynamics``, from the URL.
    :param conn_id: The connection, from the URL.
    :param url_secret: The secret the URL carries, if any.
    """
    _hide_secret_in_access_log(request, url_secret)
    try:
        settings = await run_in_threadpool(load_settings, vendor, conn_id)
        check_url_secret(settings, url_secret)
        if request.method == "GET":
            data: dict[str, Any] = dict(request.query_params)
        else:
            body = await read_body(request)
            if vendor == SINCH:
                check_signature(settings, request.headers, body)
            data = parse_json(body)
        event = sinch_event(conn_id, data) if vendor == SINCH else fonedynamics_event(conn_id, data)
        if event.batch_id is not None:
            await run_in_threadpool(check_batch_known, settings, event.batch_id)
        outcome = await run_in_threadpool(record_event, event)
    except WebhookRefused as refused:
        log.warning("SMS webhook %s/%s refused (%d): %s", vendor, conn_id, refused.status, refused.detail)
        return JSONResponse({"detail": refused.detail}, status_code=refused.status)
    if outcome == "no_asset":
        log.warning(
            "SMS webhook %s/%s: no DAG declares asset %s; %s ignored",
            vendor,
            conn_id,
            event.asset_uri,
            _log_payload(event),
        )
        detail = f"no DAG declares asset {event.asset_uri}; the callback is ignored"
        return JSONResponse({"status": "ignored", "detail": detail}, status_code=202)
    log.info("SMS webhook %s/%s: %s, %s", vendor, conn_id, _log_payload(event), outcome)
    return JSONResponse({"status": outcome, "asset": event.asset_uri}, status_code=200)


def create_app() -> FastAPI:
    """Return the receiver's FastAPI app (the plugin mounts it at :data:`URL_PREFIX`)."""
    app = FastAPI(title="SMS webhooks", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/sinch/{conn_id}")
    async def sinch_signed(request: Request, conn_id: str) -> JSONResponse:
        return await receive(request, SINCH, conn_id, None)

    @app.post("/sinch/{conn_id}/{secret}")
    async def sinch_with_secret(request: Request, conn_id: str, secret: str) -> JSONResponse:
        return await receive(request, SINCH, conn_id, secret)

    @app.api_route("/fonedynamics/{conn_id}/{secret}", methods=["GET", "POST"])
    async def fonedynamics(request: Request, conn_id: str, secret: str) -> JSONResponse:
        return await receive(request, FONEDYNAMICS, conn_id, secret)

    return app


class SmsWebhooksPlugin(AirflowPlugin):
    """Mounts the SMS webhook receiver in Airflow's API server at :data:`URL_PREFIX`."""

    name = "sms_webhooks"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "SMS webhooks"}]
