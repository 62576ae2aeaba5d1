"""Fone Dynamics messages: the send request (one or a batch) and the Message resource.

Wire names are PascalCase (``From``, ``To``, ``DeliveryReceiptWebhookUri`` …); the models use
snake_case names with those aliases and accept either spelling.

Decisions where the vendor pages disagree or are silent:

- ``ExternalId`` is a *general* field, allowed with any ``From``. The single-send page lists it with the
  general optional parameters, the batch page under the lease-specific ones; it is our idempotency key
  and must work for every sender.
- The lease-only fields (``ForwardToSms``, ``ForwardFromSms``, ``ForwardToEmail``, ``ForwardFromEmail``,
  ``WebhookUri``, ``WebhookMethod``) are rejected when ``From`` is set, even when blank strings: they
  only apply to a leased number, which is used when ``From`` is blank or omitted.
- ``DeliveryReceiptWebhookUri`` is rejected with ``DeliveryReceipt: false``: the vendor never calls it then.
- ``Text`` must contain a non-space character; the vendor states no length limit, so none is enforced.
- Email addresses are not checked: the vendor gives no rule, and its own examples carry placeholders
  that are not addresses.
- ``Schedule`` must be less than 1 hour in the past (the vendor sends such a message at once and
  rejects older ones) and at most 14 days ahead, both relative to ``now`` from the validation context
  (``build(..., context={"now": datetime})``), by default the current UTC time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from airflow_provider_sms.models._base import RequestModel, WireModel, rule_error
from airflow_provider_sms.models.fonedynamics._time import context_now, to_unix_seconds
from airflow_provider_sms.models.fonedynamics._webhook import WebhookMethod, WebhookUri
from airflow_provider_sms.models.phone import E164Number, mask_msisdn
from airflow_provider_sms.models.sender import FoneDynamicsSender
from airflow_provider_sms.models.status import MessageState, from_fonedynamics

SCHEDULE_MAX_AHEAD_SECONDS = 14 * 24 * 3600
SCHEDULE_MAX_PAST_SECONDS = 3600
LEASE_ONLY_FIELDS = (
    "forward_to_sms",
    "forward_from_sms",
    "forward_to_email",
    "forward_from_email",
    "webhook_uri",
    "webhook_method",
)

UnixSeconds = Annotated[int, BeforeValidator(to_unix_seconds)]


class FoneMessageRequest(RequestModel):
    """One message: the body of ``POST /v2/Properties/{PropertySid}/Messages``, or one item of a batch.

    :param from_: Sender id (``From``): E.164 or alphanumeric; blank or omitted sends from a leased number.
    :param to: Recipient in E.164 format.
    :param text: Message body.
    :param schedule: When to send: Unix seconds UTC or an aware datetime (sent as Unix seconds).
    :param delivery_receipt: Whether to request a delivery receipt (vendor default: true).
    :param delivery_receipt_webhook_uri: URL the vendor calls with the delivery receipt.
    :param delivery_receipt_webhook_method: ``POST`` or ``GET`` for that call.
    :param external_id: Caller-defined id kept on the message; our idempotency key.
    :param forward_to_sms: Lease only: forward replies to this E.164 number.
    :param forward_from_sms: Lease only: sender id for forwarded replies (blank: the replier's).
    :param forward_to_email: Lease only: forward replies to this email address.
    :param forward_from_email: Lease only: sender address for forwarded replies.
    :param webhook_uri: Lease only: URL the vendor calls with each reply.
    :param webhook_method: Lease only: ``POST`` or ``GET`` for that call.
    """

    from_: FoneDynamicsSender | None = Field(default=None, alias="From")
    to: E164Number = Field(alias="To")
    text: str = Field(alias="Text")
    schedule: UnixSeconds | None = Field(default=None, alias="Schedule")
    delivery_receipt: bool | None = Field(default=None, alias="DeliveryReceipt")
    delivery_receipt_webhook_uri: WebhookUri | None = Field(default=None, alias="DeliveryReceiptWebhookUri")
    delivery_receipt_webhook_method: WebhookMethod | None = Field(
        default=None, alias="DeliveryReceiptWebhookMethod"
    )
    forward_to_sms: E164Number | None = Field(default=None, alias="ForwardToSms")
    forward_from_sms: FoneDynamicsSender | None = Field(default=None, alias="ForwardFromSms")
    forward_to_email: str | None = Field(default=None, alias="ForwardToEmail")
    forward_from_email: str | None = Field(default=None, alias="ForwardFromEmail")
    webhook_uri: WebhookUri | None = Field(default=None, alias="WebhookUri")
    webhook_method: WebhookMethod | None = Field(default=None, alias="WebhookMethod")
    external_id: str | None = Field(default=None, alias="ExternalId")

    @property
    def uses_leased_number(self) -> bool:
        """Whether the message is sent from a leased number (``From`` blank or omitted)."""
        return not self.from_

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise rule_error(repr(value), "must contain at least one non-space character")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_in_window(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return value
        now = context_now(info)
        if value > now + SCHEDULE_MAX_AHEAD_SECONDS:
            raise rule_error(str(value), f"must be at most 14 days after now ({now})")
        if value <= now - SCHEDULE_MAX_PAST_SECONDS:
            raise rule_error(str(value), f"must be less than 1 hour before now ({now})")
        return value

    @field_validator("delivery_receipt_webhook_uri")
    @classmethod
    def _receipt_webhook_needs_receipt(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("delivery_receipt") is False:
            raise rule_error(
                mask_msisdn(value),
                "is never called when DeliveryReceipt is false; drop it or request a receipt",
            )
        return value

    @field_validator(*LEASE_ONLY_FIELDS)
    @classmethod
    def _only_with_leased_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        sender = info.data.get("from_")
        if value is not None and sender:
            raise rule_error(
                mask_msisdn(value),
                "only applies to a leased number: allowed only when From is blank or omitted",
            )
        return value


class FoneBatchMessagesRequest(RequestModel):
    """The body of ``POST /v2/Properties/{PropertySid}/BatchMessages``.

    :param messages: The messages, at least one.
    """

    messages: list[FoneMessageRequest] = Field(alias="Messages")

    @field_validator("messages")
    @classmethod
    def _at_least_one(cls, value: list[FoneMessageRequest]) -> list[FoneMessageRequest]:
        if not value:
            raise rule_error("[]", "must hold at least one message")
        return value


class FoneMessage(WireModel):
    """The Message resource (send response, ``GET /v2/Messages/{MessageSid}``, list and batch items).

    Every field is optional because the vendor fills them per endpoint and status; timestamps are Unix
    seconds UTC. Fields this model does not name are kept in ``model_extra``.
    """

    message_sid: str | None = Field(default=None, alias="MessageSid")
    account_sid: str | None = Field(default=None, alias="AccountSid")
    property_sid: str | None = Field(default=None, alias="PropertySid")
    from_: str | None = Field(default=None, alias="From")
    to: str | None = Field(default=None, alias="To")
    text: str | None = Field(default=None, alias="Text")
    delivery_receipt: bool | None = Field(default=None, alias="DeliveryReceipt")
    num_segments: int | None = Field(default=None, alias="NumSegments")
    status: str | None = Field(default=None, alias="Status")
    direction: str | None = Field(default=None, alias="Direction")
    scheduled: int | None = Field(default=None, alias="Scheduled")
    created: int | None = Field(default=None, alias="Created")
    submitted: int | None = Field(default=None, alias="Submitted")
    delivered: int | None = Field(default=None, alias="Delivered")
    received: int | None = Field(default=None, alias="Received")
    error_code: str | None = Field(default=None, alias="ErrorCode")
    external_id: str | None = Field(default=None, alias="ExternalId")

    @property
    def state(self) -> MessageState:
        """The message's status in the neutral vocabulary (unknown and not final when absent)."""
        return from_fonedynamics(self.status or "", self.error_code, delivery_receipt=self.delivery_receipt)


def parse_message_response(data: object) -> FoneMessage:
    """Parse a Message resource, wrapped as ``{"Message": {...}}`` (send, get) or bare.

    :param data: The decoded JSON body.
    :raises ValueError: (a ``pydantic.ValidationError``, input hidden) if the body is not an object.
    """
    if isinstance(data, Mapping) and isinstance(data.get("Message"), Mapping):
        data = data["Message"]
    return FoneMessage.model_validate(data)
