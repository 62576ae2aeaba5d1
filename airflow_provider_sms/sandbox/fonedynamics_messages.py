"""Fone Dynamics messages in the sandbox: the checks of one message, leased senders, and state over time.

Written from the Send SMS and Send SMS Batch pages, independently of ``clients/`` and ``models/``.
:func:`validate_message` returns a :class:`MessageRequest` or every :class:`FieldError` found;
:class:`FoneDynamicsState` stores messages, moves them from Processing to Submitted to Delivered or
Failed on the sandbox clock, takes inbound messages (replies to leased numbers), sends receipt and reply
webhooks (their payload, which the vendor does not document, is chosen in :func:`webhook_payload`), and
answers searches.
"""

from __future__ import annotations

import heapq
import re
import string
from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

from airflow_provider_sms.sandbox.core import (
    InboundRefused,
    InboundRequest,
    SandboxContext,
    check_replay,
    count_segments,
)

# --- errors: a ResponseStatus for a whole request, a bare error item in a batch -----------------------------

PARAMETER_REQUIRED = "PARAMETER_REQUIRED"
PARAMETER_INVALID = "PARAMETER_INVALID"
PARAMETER_UNKNOWN = "PARAMETER_UNKNOWN"
INVALID_PHONENUMBER_FORMAT = "INVALID_PHONENUMBER_FORMAT"
INVALID_SENDER_ID = "INVALID_SENDER_ID"
INVALID_SCHEDULE = "INVALID_SCHEDULE"
LEASE_REQUIRED = "LEASE_REQUIRED"
LEASE_LIMIT_REACHED = "LEASE_LIMIT_REACHED"
INVALID_REQUEST = "INVALID_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class FieldError:
    """One broken rule of one field.

    :param field: The field name as sent (``To``, ``Schedule`` ...); empty for the message as a whole.
    :param code: Fone Dynamics error code, e.g. ``INVALID_PHONENUMBER_FORMAT``.
    :param message: What is wrong, naming the (masked) value and the rule.
    """

    field: str
    code: str
    message: str


def error_item(errors: list[FieldError]) -> dict[str, Any]:
    """Return the body of a failed message: the first error's code and text, and every field at fault.

    :param errors: The problems found, at least one.
    """
    first = errors[0]
    return {
        "ErrorCode": first.code,
        "Message": first.message,
        "Errors": [{"FieldName": e.field, "ErrorCode": e.code, "Message": e.message} for e in errors],
    }


class FoneRequestError(Exception):
    """A request failed as a whole; rendered as ``{"ResponseStatus": {...}}``.

    :param status: HTTP status.
    :param errors: The problems, at least one.
    """

    def __init__(self, status: int, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.status = status
        self.errors = errors

    @classmethod
    def single(cls, status: int, code: str, message: str, field: str = "") -> FoneRequestError:
        """Build an error with one problem.

        :param status: HTTP status.
        :param code: Fone Dynamics error code.
        :param message: What is wrong.
        :param field: The field at fault, if any.
        """
        return cls(status, [FieldError(field, code, message)])

    def response(self) -> JSONResponse:
        """Return the error as an HTTP response."""
        headers = {"WWW-Authenticate": 'Basic realm="fonedynamics"'} if self.status == 401 else None
        return JSONResponse({"ResponseStatus": error_item(self.errors)}, self.status, headers=headers)


# --- checks of one message of a send or batch-send request --------------------------------------------------

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


def is_e164(value: object) -> bool:
    """Return whether ``value`` is ``+`` followed by a country code and 7 to 15 digits in all.

    :param value: Anything taken from a request body.
    """
    return isinstance(value, str) and bool(E164.match(value))


def is_alphanumeric_sender(value: object) -> bool:
    """Return whether ``value`` is 1-11 characters of A-Z, a-z, 0-9 and space with at least one letter.

    :param value: Anything taken from a request body.
    """
    return isinstance(value, str) and bool(ALPHANUMERIC_SENDER.match(value))


def mask_number(value: str) -> str:
    """Mask a phone number for logs: ``+61488023555`` becomes ``+6148****555``.

    :param value: A phone number or any text.
    """
    if len(value) >= 9:
        return value[:5] + "*" * (len(value) - 8) + value[-3:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


MAX_SCHEDULE_AHEAD_S = 14 * 86400
MAX_SCHEDULE_PAST_S = 3600
WEBHOOK_METHODS = ("POST", "GET")
GENERAL_FIELDS = frozenset(
    {
        "From",
        "To",
        "Text",
        "Schedule",
        "DeliveryReceipt",
        "DeliveryReceiptWebhookUri",
        "DeliveryReceiptWebhookMethod",
        "ExternalId",
    }
)
LEASE_FIELDS = (
    "ForwardToSms",
    "ForwardFromSms",
    "ForwardToEmail",
    "ForwardFromEmail",
    "WebhookUri",
    "WebhookMethod",
)


@dataclass
class MessageRequest:
    """A message that passed every check.

    :param to: Recipient, E.164.
    :param sender: E.164 or alphanumeric sender id; ``None`` to send from a leased number.
    :param text: Body.
    :param schedule: The ``Schedule`` given (Unix seconds), if any.
    :param dispatch_at: When to hand it to the network: the schedule, or now if that is past or absent.
    :param delivery_receipt: Whether a delivery receipt was asked for.
    :param receipt_webhook_uri: Where to send the delivery receipt, if anywhere.
    :param receipt_webhook_method: ``POST`` or ``GET``.
    :param external_id: The caller's id, returned as ``ExternalId``.
    :param lease_options: Lease-only options given (reply forwarding and webhooks), echoed back.
    """

    to: str
    sender: str | None
    text: str
    schedule: int | None
    dispatch_at: float
    delivery_receipt: bool
    receipt_webhook_uri: str | None
    receipt_webhook_method: str
    external_id: str | None
    lease_options: dict[str, str] = field(default_factory=dict)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_email(value: object) -> bool:
    if not isinstance(value, str) or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return bool(local) and "." in domain and " " not in value


def _shown(value: object) -> str:
    return repr(mask_number(value)) if isinstance(value, str) else f"<{type(value).__name__}>"


def _check_phone(name: str, value: object, errors: list[FieldError]) -> None:
    if not is_e164(value):
        errors.append(
            FieldError(
                name,
                INVALID_PHONENUMBER_FORMAT,
                f"{name} parameter is not in E.164 format: {_shown(value)} must be '+' and 7-15 digits",
            )
        )


def _check_sender(name: str, value: object, errors: list[FieldError]) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(name, PARAMETER_INVALID, f"{name} must be a string"))
    elif value.lstrip("+").isdigit():
        _check_phone(name, value, errors)
    elif not is_alphanumeric_sender(value):
        errors.append(
            FieldError(
                name,
                INVALID_SENDER_ID,
                f"{name} {value!r} is not a valid sender id: E.164 number, or 1-11 characters of "
                "A-Z, a-z, 0-9 and space with at least one letter",
            )
        )


def _check_method(name: str, value: object, errors: list[FieldError]) -> str:
    if _blank(value):
        return "POST"
    if isinstance(value, str) and value.upper() in WEBHOOK_METHODS:
        return value.upper()
    errors.append(FieldError(name, PARAMETER_INVALID, f"{name} {value!r} must be POST or GET"))
    return "POST"


def _check_schedule(value: object, now: float, errors: list[FieldError]) -> float:
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(
            FieldError("Schedule", PARAMETER_INVALID, "Schedule must be an integer of Unix seconds")
        )
        return now
    if value - now > MAX_SCHEDULE_AHEAD_S:
        errors.append(
            FieldError("Schedule", INVALID_SCHEDULE, f"Schedule {value} is more than 14 days ahead")
        )
    elif now - value >= MAX_SCHEDULE_PAST_S:
        errors.append(
            FieldError(
                "Schedule",
                INVALID_SCHEDULE,
                f"Schedule {value} is 1 hour or more in the past (less than 1 hour past is sent now)",
            )
        )
    return max(float(value), now)


def _check_lease_options(data: dict[str, Any], leased: bool, errors: list[FieldError]) -> dict[str, str]:
    given = {name: data[name] for name in LEASE_FIELDS if not _blank(data.get(name))}
    if given and not leased:
        for name in given:
            errors.append(
                FieldError(name, LEASE_REQUIRED, f"{name} is only allowed when From is blank (leased sender)")
            )
        return {}
    if "ForwardToSms" in given:
        _check_phone("ForwardToSms", given["ForwardToSms"], errors)
    if "ForwardFromSms" in given:
        _check_sender("ForwardFromSms", given["ForwardFromSms"], errors)
    for name in ("ForwardToEmail", "ForwardFromEmail"):
        if name in given and not _is_email(given[name]):
            errors.append(FieldError(name, PARAMETER_INVALID, f"{name} must be an email address"))
    if "WebhookUri" in given and not _is_http_url(given["WebhookUri"]):
        errors.append(FieldError("WebhookUri", PARAMETER_INVALID, "WebhookUri must be an http(s) URL"))
    if "WebhookMethod" in given:
        given["WebhookMethod"] = _check_method("WebhookMethod", given["WebhookMethod"], errors)
    return {name: str(value) for name, value in given.items()}


def validate_message(data: object, now: float) -> MessageRequest | list[FieldError]:
    """Check one message; return it ready to store, or every problem found.

    :param data: The message object from the request body.
    :param now: Current sandbox time in Unix seconds.
    """
    if not isinstance(data, dict):
        return [FieldError("", INVALID_REQUEST, "a message must be a JSON object")]
    errors: list[FieldError] = []
    to = data.get("To")
    if _blank(to):
        errors.append(FieldError("To", PARAMETER_REQUIRED, "To is required"))
    else:
        _check_phone("To", to, errors)
    sender = data.get("From")
    leased = _blank(sender)
    if not leased:
        _check_sender("From", sender, errors)
    text = data.get("Text")
    if text is None or text == "":
        errors.append(FieldError("Text", PARAMETER_REQUIRED, "Text is required"))
    elif not isinstance(text, str):
        errors.append(FieldError("Text", PARAMETER_INVALID, "Text must be a string"))
    dispatch_at = _check_schedule(data.get("Schedule"), now, errors)
    receipt = data.get("DeliveryReceipt", True)
    if not isinstance(receipt, bool):
        errors.append(
            FieldError("DeliveryReceipt", PARAMETER_INVALID, "DeliveryReceipt must be true or false")
        )
    uri = data.get("DeliveryReceiptWebhookUri")
    if not _blank(uri) and not _is_http_url(uri):
        errors.append(FieldError("DeliveryReceiptWebhookUri", PARAMETER_INVALID, "must be an http(s) URL"))
    method = _check_method("DeliveryReceiptWebhookMethod", data.get("DeliveryReceiptWebhookMethod"), errors)
    external_id = data.get("ExternalId")
    if external_id is not None and not isinstance(external_id, str):
        errors.append(FieldError("ExternalId", PARAMETER_INVALID, "ExternalId must be a string"))
    lease_options = _check_lease_options(data, leased, errors)
    errors.extend(
        FieldError(name, PARAMETER_UNKNOWN, f"{name} is not a parameter of a message")
        for name in data
        if name not in GENERAL_FIELDS and name not in LEASE_FIELDS
    )
    if errors:
        return errors
    return MessageRequest(
        to=str(to),
        sender=None if leased else str(sender),
        text=str(text),
        schedule=data.get("Schedule"),
        dispatch_at=dispatch_at,
        delivery_receipt=bool(receipt),
        receipt_webhook_uri=None if _blank(uri) else str(uri),
        receipt_webhook_method=method,
        external_id=external_id,
        lease_options=lease_options,
    )


# --- leased sender numbers: unique per recipient, valid 30 days, at most 5 at a time to one recipient -------

LEASE_DAYS = 30
MAX_LEASES_PER_RECIPIENT = 5
POOL = tuple(f"+614800000{n:02d}" for n in range(1, 21))


class Lease(TypedDict):
    """One leased number pointed at one recipient until ``expires`` (Unix seconds)."""

    number: str
    expires: float


class LeaseBook:
    """Which pool numbers are leased to which recipient.

    :param leases: Saved leases by recipient, as produced by :attr:`leases`.
    """

    def __init__(self, leases: dict[str, list[Lease]] | None = None) -> None:
        self.leases: dict[str, list[Lease]] = leases if leases is not None else {}

    def active(self, recipient: str, now: float) -> list[Lease]:
        """Return the leases to ``recipient`` that have not expired, dropping the expired ones.

        :param recipient: E.164 number.
        :param now: Sandbox time in Unix seconds.
        """
        current = [lease for lease in self.leases.get(recipient, []) if lease["expires"] > now]
        if current:
            self.leases[recipient] = current
        else:
            self.leases.pop(recipient, None)
        return current

    def acquire(self, recipient: str, now: float) -> str | None:
        """Lease a number to ``recipient`` and return it, or ``None`` when it already has 5 leases.

        :param recipient: E.164 number.
        :param now: Sandbox time in Unix seconds.
        """
        current = self.active(recipient, now)
        if len(current) >= MAX_LEASES_PER_RECIPIENT:
            return None
        taken = {lease["number"] for lease in current}
        number = next(n for n in POOL if n not in taken)
        self.leases.setdefault(recipient, []).append({"number": number, "expires": now + LEASE_DAYS * 86400})
        return number


# --- messages over time: creation, status, receipts, search and persistence ---------------------------------

NAMESPACE = "fonedynamics"
VENDOR = "fonedynamics"
FAILED_ERROR_CODE = "UNDELIVERABLE"


class _SavedMessage(TypedDict):
    resource: dict[str, Any]
    seq: int
    next_event_at: float | None
    final_at: float | None
    outcome: str
    receipt_webhook_uri: str | None
    receipt_webhook_method: str


class StoredMessage(_SavedMessage, total=False):
    """A message as kept by the sandbox: the public resource plus what drives it forward in time.

    ``next_event_at`` is when it next changes (dispatch, then the final receipt), ``None`` once it
    never will; ``outcome`` is fixed at creation from the recipient number (``received`` for an inbound
    message). ``leased`` marks an outbound message sent from a leased number; an inbound message keeps
    the ``idempotency_key`` and ``request`` it was injected with, and ``reply_to``, the MessageSid of the
    outbound message it answers.
    """

    leased: bool
    idempotency_key: str | None
    request: dict[str, Any]
    reply_to: str | None


def webhook_payload(resource: dict[str, Any]) -> dict[str, Any]:
    """Return what a webhook carries: the message resource (the vendor does not document the payload).

    A delivery receipt carries the outbound message, now ``Delivered`` or ``Failed``; a reply carries the
    received message (``Direction`` ``Receive``, ``Status`` ``Received``). POST sends it as a JSON body,
    GET as query parameters (booleans ``true``/``false``, null as empty).

    :param resource: The message resource.
    """
    return dict(resource)


def new_message_sid(ctx: SandboxContext) -> str:
    """Return ``MG`` and 30 random upper-case letters, drawn from the sandbox's seeded randomness.

    :param ctx: The sandbox context.
    """
    return "MG" + "".join(ctx.rng.choice(string.ascii_uppercase) for _ in range(30))


class FoneDynamicsState:
    """Every Fone Dynamics message and lease of the sandbox; call methods under ``ctx.lock``.

    :param ctx: The sandbox context.
    """

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.messages: dict[str, StoredMessage] = {}
        self.leases = LeaseBook()
        self.next_seq = 0
        self._events: list[tuple[float, int, str]] = []
        self._by_key: dict[str, str] = {}
        self.load()

    def load(self) -> None:
        """Reload the state saved in ``ctx.store`` (after a restart with a state file)."""
        saved = self.ctx.store.load(NAMESPACE)
        messages: dict[str, StoredMessage] = saved["messages"] if saved else {}
        leases: dict[str, list[Lease]] = saved["leases"] if saved else {}
        self.messages = messages
        self.leases = LeaseBook(leases)
        self.next_seq = int(saved["next_seq"]) if saved else 0
        self._events = [
            (m["next_event_at"], m["seq"], sid)
            for sid, m in messages.items()
            if m["next_event_at"] is not None
        ]
        heapq.heapify(self._events)
        self._by_key = {}
        for sid, message in messages.items():
            key = message.get("idempotency_key")
            if key is not None:
                self._by_key[key] = sid

    def save(self) -> None:
        """Save the state to ``ctx.store``."""
        data = {"messages": self.messages, "leases": self.leases.leases, "next_seq": self.next_seq}
        self.ctx.store.save(NAMESPACE, data)

    def reset(self) -> None:
        """Forget every message and lease."""
        self.messages = {}
        self.leases = LeaseBook()
        self.next_seq = 0
        self._events = []
        self._by_key = {}
        self.save()

    def create(self, request: MessageRequest, now: float) -> dict[str, Any] | list[FieldError]:
        """Store a validated message and return its resource, or the lease error that stopped it.

        :param request: The validated message.
        :param now: Sandbox time in Unix seconds.
        """
        sender = request.sender
        if sender is None:
            sender = self.leases.acquire(request.to, now)
            if sender is None:
                return [
                    FieldError(
                        "From",
                        LEASE_LIMIT_REACHED,
                        "this recipient already has 5 leased sender ids; use a non-blank From",
                    )
                ]
        sid = new_message_sid(self.ctx)
        outcome = self.ctx.outcome(request.to)
        resource: dict[str, Any] = {
            "MessageSid": sid,
            "AccountSid": self.ctx.config.fone_account_sid,
            "PropertySid": self.ctx.config.fone_property_sid,
            "From": sender,
            "To": request.to,
            "Text": request.text,
            "DeliveryReceipt": request.delivery_receipt,
            "NumSegments": count_segments(request.text).parts,
            "Status": "Processing",
            "Direction": "Transmit",
            "Scheduled": request.schedule if request.schedule is not None else int(now),
            "Created": int(now),
            "Submitted": None,
            "Delivered": None,
            "Received": None,
            "ErrorCode": "",
            "ExternalId": request.external_id,
            "DeliveryReceiptWebhookUri": request.receipt_webhook_uri,
            "DeliveryReceiptWebhookMethod": request.receipt_webhook_method,
            **request.lease_options,
        }
        message: StoredMessage = {
            "resource": resource,
            "seq": self.next_seq,
            "next_event_at": request.dispatch_at,
            "final_at": None,
            "outcome": outcome,
            "receipt_webhook_uri": request.receipt_webhook_uri,
            "receipt_webhook_method": request.receipt_webhook_method,
            "leased": request.sender is None,
        }
        self.next_seq += 1
        self.messages[sid] = message
        heapq.heappush(self._events, (request.dispatch_at, message["seq"], sid))
        self.ctx.count("fonedynamics.messages_created")
        return dict(resource)

    def get(self, sid: str) -> dict[str, Any] | None:
        """Return the resource of a message, or ``None`` if there is no such message.

        :param sid: MessageSid.
        """
        message = self.messages.get(sid)
        return dict(message["resource"]) if message else None

    def find(
        self,
        *,
        date_from: int,
        date_to: int,
        status: str | None,
        direction: str | None,
        count: int,
        skip: int,
    ) -> list[dict[str, Any]]:
        """Return the resources created in ``[date_from, date_to)``, oldest first, one page of them.

        :param date_from: Inclusive lower bound on ``Created``, Unix seconds.
        :param date_to: Exclusive upper bound on ``Created``, Unix seconds.
        :param status: Only this status, if given.
        :param direction: Only this direction, if given.
        :param count: Page size.
        :param skip: How many matches to skip.
        """
        matches = [
            m
            for m in self.messages.values()
            if date_from <= m["resource"]["Created"] < date_to
            and (status is None or m["resource"]["Status"] == status)
            and (direction is None or m["resource"]["Direction"] == direction)
        ]
        matches.sort(key=lambda m: m["seq"])
        return [dict(m["resource"]) for m in matches[skip : skip + count]]

    def tick(self, now: float) -> bool:
        """Move every message whose next event is due; return whether anything changed.

        :param now: Sandbox time in Unix seconds.
        """
        changed = False
        while self._events and self._events[0][0] <= now:
            due, _, sid = heapq.heappop(self._events)
            message = self.messages.get(sid)
            if message is None or message["next_event_at"] != due:
                continue
            if message["resource"]["Status"] == "Processing":
                self._dispatch(message, due)
            else:
                self._finish(message, due)
            changed = True
        return changed

    def _dispatch(self, message: StoredMessage, at: float) -> None:
        message["resource"]["Status"] = "Submitted"
        message["resource"]["Submitted"] = int(at)
        if message["outcome"] == "no_receipt":
            message["next_event_at"] = None
            return
        final_at = at + self.ctx.config.delivery_delay
        message["final_at"] = final_at
        message["next_event_at"] = final_at
        heapq.heappush(self._events, (final_at, message["seq"], message["resource"]["MessageSid"]))

    def _finish(self, message: StoredMessage, at: float) -> None:
        resource = message["resource"]
        message["next_event_at"] = None
        if message["outcome"] == "failed":
            resource["Status"] = "Failed"
            resource["ErrorCode"] = FAILED_ERROR_CODE
            self.ctx.count("fonedynamics.failed")
        else:
            self.ctx.inbox.deliver(
                resource["To"],
                body=resource["Text"],
                sender=resource["From"],
                vendor=VENDOR,
                message_id=resource["MessageSid"],
            )
            self.ctx.count("fonedynamics.delivered")
            if not resource["DeliveryReceipt"]:
                return
            resource["Status"] = "Delivered"
            resource["Delivered"] = int(at)
        uri = message["receipt_webhook_uri"]
        if resource["DeliveryReceipt"] and uri:
            self._webhook(uri, message["receipt_webhook_method"], resource, "delivery_receipt")

    def _webhook(self, uri: str, method: str, resource: dict[str, Any], kind: str) -> None:
        payload = webhook_payload(resource)
        self.ctx.callbacks.enqueue(uri, payload, vendor=VENDOR, kind=kind, method=method)

    # --- inbound messages: replies to leased numbers, and messages to the property's own numbers -----------

    def _answered(self, request: InboundRequest, now: float) -> tuple[StoredMessage | None, str]:
        """Return the outbound message a reply answers (if any) and the number the reply goes to."""
        outbound = None
        if request.in_reply_to is not None:
            outbound = self.messages.get(request.in_reply_to)
            if outbound is None:
                raise InboundRefused(404, "in_reply_to", f"message {request.in_reply_to!r} not found")
            sent = outbound["resource"]
            if sent["Direction"] != "Transmit":
                raise InboundRefused(400, "in_reply_to", f"message {sent['MessageSid']!r} is itself inbound")
            if sent["To"] != request.sender:
                shown = mask_number(request.sender)
                raise InboundRefused(
                    400, "from", f"{shown!r} is not the recipient of message {sent['MessageSid']!r}"
                )
        to = request.to
        if to is None:
            if outbound is None:
                raise InboundRefused(400, "to", "is required unless in_reply_to names a message")
            to = outbound["resource"]["From"]
            if not is_e164(to):
                raise InboundRefused(
                    400, "to", f"is required: message {request.in_reply_to!r} came from {to!r}"
                )
        elif not is_e164(to):
            raise InboundRefused(400, "to", f"{mask_number(to)!r} must be E.164: '+' and 7-15 digits")
        elif outbound is not None and outbound["resource"]["From"] != to:
            raise InboundRefused(400, "to", f"is not the number message {request.in_reply_to!r} came from")
        if outbound is None and any(
            lease["number"] == to for lease in self.leases.active(request.sender, now)
        ):
            outbound = next(
                (
                    m
                    for m in reversed(self.messages.values())
                    if m.get("leased")
                    and m["resource"]["From"] == to
                    and m["resource"]["To"] == request.sender
                ),
                None,
            )
        return outbound, to

    def receive(self, request: InboundRequest, now: float) -> tuple[dict[str, Any], bool]:
        """Store a handset's message and send the reply webhook; return its resource and whether it is new.

        A message to a leased number answers the last message sent from that lease to the sender, unless
        ``in_reply_to`` names one; it carries that message's ``ExternalId``, triggers its ``WebhookUri``
        (with ``WebhookMethod``) and is forwarded to its ``ForwardToSms`` handset.

        :param request: The injected message.
        :param now: Sandbox time in Unix seconds.
        :raises InboundRefused: A field breaks a rule (400), the message answered is unknown (404), the
            key was used for another message (409).
        """
        if request.idempotency_key is not None and request.idempotency_key in self._by_key:
            earlier = self.messages[self._by_key[request.idempotency_key]]
            check_replay(request, earlier.get("request", {}))
            return dict(earlier["resource"]), False
        if not is_e164(request.sender):
            raise InboundRefused(
                400, "from", f"{mask_number(request.sender)!r} must be E.164: '+' and 7-15 digits"
            )
        if request.operator_id is not None:
            raise InboundRefused(400, "operator_id", "is a Sinch field; Fone Dynamics messages have none")
        outbound, to = self._answered(request, now)
        sent = {} if outbound is None else outbound["resource"]
        sid = new_message_sid(self.ctx)
        resource: dict[str, Any] = {
            "MessageSid": sid,
            "AccountSid": self.ctx.config.fone_account_sid,
            "PropertySid": self.ctx.config.fone_property_sid,
            "From": request.sender,
            "To": to,
            "Text": request.body,
            "DeliveryReceipt": False,
            "NumSegments": count_segments(request.body).parts,
            "Status": "Received",
            "Direction": "Receive",
            "Scheduled": None,
            "Created": int(now),
            "Submitted": None,
            "Delivered": None,
            "Received": int(now),
            "ErrorCode": "",
            "ExternalId": sent.get("ExternalId"),
        }
        self.messages[sid] = {
            "resource": resource,
            "seq": self.next_seq,
            "next_event_at": None,
            "final_at": None,
            "outcome": "received",
            "receipt_webhook_uri": None,
            "receipt_webhook_method": "POST",
            "idempotency_key": request.idempotency_key,
            "request": request.fields(),
            "reply_to": sent.get("MessageSid"),
        }
        self.next_seq += 1
        if request.idempotency_key is not None:
            self._by_key[request.idempotency_key] = sid
        self.ctx.count("fonedynamics.received")
        if sent.get("WebhookUri"):
            self._webhook(sent["WebhookUri"], sent.get("WebhookMethod", "POST"), resource, "reply")
        if sent.get("ForwardToSms"):
            forwarded_from = sent.get("ForwardFromSms") or to
            self.ctx.inbox.deliver(
                sent["ForwardToSms"], body=request.body, sender=forwarded_from, vendor=VENDOR, message_id=sid
            )
        return dict(resource), True
