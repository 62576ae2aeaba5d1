"""Fone Dynamics messages in the sandbox: creation, status over time, receipts, search and persistence."""

from __future__ import annotations

import heapq
import string
from typing import Any, TypedDict

from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.fonedynamics import errors as codes
from airflow_provider_sms.sandbox.fonedynamics.errors import FieldError
from airflow_provider_sms.sandbox.fonedynamics.leases import Lease, LeaseBook
from airflow_provider_sms.sandbox.fonedynamics.validation import MessageRequest
from airflow_provider_sms.sandbox.segments import count_segments

NAMESPACE = "fonedynamics"
VENDOR = "fonedynamics"
FAILED_ERROR_CODE = "UNDELIVERABLE"


class StoredMessage(TypedDict):
    """A message as kept by the sandbox: the public resource plus what drives it forward in time.

    ``next_event_at`` is when it next changes (dispatch, then the final receipt), ``None`` once it
    never will; ``outcome`` is fixed at creation from the recipient number.
    """

    resource: dict[str, Any]
    seq: int
    next_event_at: float | None
    final_at: float | None
    outcome: str
    receipt_webhook_uri: str | None
    receipt_webhook_method: str


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
                        codes.LEASE_LIMIT_REACHED,
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
            self.ctx.callbacks.enqueue(uri, dict(resource), method=message["receipt_webhook_method"])
