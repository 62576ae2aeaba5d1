"""Sinch batches: send, dry-run, replace and update request bodies, the batch response, delivery feedback.

Send, dry run and replace take the same body (:class:`SinchTextBatchRequest` or
:class:`SinchBinaryBatchRequest`); update takes :class:`SinchUpdateBatchRequest`. Every endpoint that
returns a batch returns :class:`SinchBatch`. Limits where the documents disagree are explained in
:mod:`airflow_provider_sms.models.sinch._fields`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from typing_extensions import Self

from airflow_provider_sms.models._base import RequestModel, rule_error
from airflow_provider_sms.models.phone import E164Number
from airflow_provider_sms.models.sender import SinchSender
from airflow_provider_sms.models.sinch._binary import Base64Body, check_base64, check_binary_size
from airflow_provider_sms.models.sinch._datetime import (
    SinchDateTime,
    check_after_now,
    check_expiry,
    now_from_context,
)
from airflow_provider_sms.models.sinch._fields import (
    BatchRecipients,
    CallbackUrl,
    ClientReference,
    DeliveryReportType,
    FromNpi,
    FromTon,
    PartCount,
    Recipients,
    TextBody,
    Udh,
    UpdateBody,
    no_duplicates,
)
from airflow_provider_sms.models.sinch._parameters import Parameters
from airflow_provider_sms.models.sinch._response import SinchResponse


class _SinchBatchFields(RequestModel):
    """Fields shared by text and binary batches (send, dry run, replace)."""

    to: BatchRecipients
    from_: SinchSender | None = Field(default=None, alias="from")
    delivery_report: DeliveryReportType | None = None
    send_at: SinchDateTime | None = None
    expire_at: SinchDateTime | None = None
    callback_url: CallbackUrl | None = None
    client_reference: ClientReference | None = None
    feedback_enabled: bool | None = None
    flash_message: bool | None = None
    truncate_concat: bool | None = None
    max_number_of_message_parts: PartCount | None = None
    from_ton: FromTon | None = None
    from_npi: FromNpi | None = None

    @field_validator("expire_at")
    @classmethod
    def _expire_after_send(cls, expire_at: datetime | None, info: ValidationInfo) -> datetime | None:
        # An invalid send_at is missing from info.data and already reported; comparing with it is moot.
        if expire_at is not None and "send_at" in info.data:
            check_expiry(expire_at, info.data["send_at"], now_from_context(info.context))
        return expire_at


class SinchTextBatchRequest(_SinchBatchFields):
    """A text batch (``mt_text``): the body of send, dry run and replace.

    ``body`` may hold up to 2000 characters (the current Sinch reference; older sections said 1600).
    ``${key}`` placeholders in it are filled from ``parameters`` per recipient. Pass a ``{"now": ...}``
    validation context to :meth:`build` to fix the time that ``expire_at`` is checked against.
    """

    type: Literal["mt_text"] = "mt_text"
    body: TextBody
    parameters: Parameters | None = None


class SinchBinaryBatchRequest(_SinchBatchFields):
    """A binary batch (``mt_binary``): Base64 ``body`` and hex ``udh``, at most 140 bytes together.

    ``udh`` is required; an empty string (no header) is accepted. Binary batches take no ``parameters``.
    """

    type: Literal["mt_binary"] = "mt_binary"
    body: Base64Body
    udh: Udh

    @field_validator("udh")
    @classmethod
    def _fits_one_message(cls, udh: str, info: ValidationInfo) -> str:
        check_binary_size(info.data.get("body"), udh)
        return udh


class SinchUpdateBatchRequest(RequestModel):
    """Changes to a batch not yet sent (POST ``/batches/{id}``): every field optional, at least one set.

    ``body`` may hold up to 1600 characters, as the update reference says; with ``type="mt_binary"``
    it must be Base64 and fit in 140 bytes together with ``udh``.
    """

    type: Literal["mt_text", "mt_binary"] | None = None
    from_: SinchSender | None = Field(default=None, alias="from")
    body: UpdateBody | None = None
    udh: Udh | None = None
    to_add: Annotated[Recipients, no_duplicates("to_add")] | None = None
    to_remove: Recipients | None = None
    delivery_report: DeliveryReportType | None = None
    send_at: SinchDateTime | None = None
    expire_at: SinchDateTime | None = None
    callback_url: CallbackUrl | None = None
    parameters: Parameters | None = None

    @field_validator("body")
    @classmethod
    def _binary_body_is_base64(cls, body: str | None, info: ValidationInfo) -> str | None:
        if body is not None and info.data.get("type") == "mt_binary":
            check_base64(body)
        return body

    @field_validator("udh")
    @classmethod
    def _binary_fits_one_message(cls, udh: str | None, info: ValidationInfo) -> str | None:
        if udh is not None and info.data.get("type") == "mt_binary":
            check_binary_size(info.data.get("body"), udh)
        return udh

    @field_validator("expire_at")
    @classmethod
    def _expire_after_send(cls, expire_at: datetime | None, info: ValidationInfo) -> datetime | None:
        if expire_at is None or "send_at" not in info.data:
            return expire_at
        now = now_from_context(info.context)
        send_at = info.data["send_at"]
        # Without a new send_at the batch keeps its own, which this request does not know.
        if send_at is None:
            check_after_now(expire_at, now)
        else:
            check_expiry(expire_at, send_at, now)
        return expire_at

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise rule_error("{}", "an update must set at least one field")
        return self


class SinchDeliveryFeedbackRequest(RequestModel):
    """Recipients confirmed as delivered (POST ``/batches/{id}/delivery_feedback``).

    An empty list means every recipient of the batch; the ``recipients`` key is always sent.
    """

    recipients: list[E164Number]


class SinchBatch(SinchResponse):
    """A batch as Sinch returns it from send, get, update, replace and cancel.

    ``parameters`` is kept as Sinch sends it: the samples show both ``{key: {recipient: value}}`` and
    flattened ``{"key.recipient": value}`` shapes.
    """

    id: str | None = None
    type: str | None = None
    to: list[str] = Field(default_factory=list)
    from_: str | None = Field(default=None, alias="from")
    canceled: bool = False
    body: str | None = None
    udh: str | None = None
    parameters: dict[str, Any] | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    delivery_report: str | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    callback_url: str | None = None
    client_reference: str | None = None
    feedback_enabled: bool | None = None
    flash_message: bool | None = None
    truncate_concat: bool | None = None
    max_number_of_message_parts: int | None = None
    from_ton: int | None = None
    from_npi: int | None = None


class SinchBatchListPage(SinchResponse):
    """One page of ``GET /batches``; ``count`` is the total over all pages (0 when Sinch omits it)."""

    page: int = 0
    page_size: int = 0
    count: int = 0
    batches: list[SinchBatch] = Field(default_factory=list)
