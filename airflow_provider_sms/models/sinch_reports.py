"""Pydantic models of what Sinch reports back: delivery reports and inbound (MO) messages, and their queries.

Reports arrive in the same shapes as delivery-report callbacks: a batch report for ``summary``/``full``, a
recipient report for ``per_recipient``/``per_recipient_final``. Inbound messages arrive as the MO callback's
body, listed by ``GET /inbounds``. Batches, sends and the shared field types are in ``models/sinch.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_provider_sms.exceptions import rule_error
from airflow_provider_sms.models.sinch import (
    ClientReference,
    Page,
    PageSize,
    SinchDateTime,
    SinchQuery,
    SinchResponse,
    int_between,
    one_of,
    split_csv,
)
from airflow_provider_sms.models.sms import SHORT_CODE_PATTERN, MessageState, mask_msisdn
from airflow_provider_sms.models.status import from_sinch

#: The simplified delivery statuses, spelled as the API spells them.
SINCH_STATUSES = (
    "Queued",
    "Dispatched",
    "Aborted",
    "Cancelled",
    "Rejected",
    "Deleted",
    "Delivered",
    "Failed",
    "Expired",
    "Unknown",
)


# -- delivery reports: per batch (summary or full), per recipient, and the paged list ------------------------
class SinchStatusCount(SinchResponse):
    """How many messages of a batch have one status code; ``recipients`` only in a full report."""

    code: int
    status: str
    count: int
    recipients: list[str] | None = None


class SinchBatchDeliveryReport(SinchResponse):
    """A batch's delivery report: ``type`` is ``delivery_report_sms`` (or ``_mms``)."""

    type: str | None = None
    batch_id: str
    total_message_count: int | None = None
    statuses: list[SinchStatusCount] = Field(default_factory=list)
    client_reference: str | None = None


class SinchRecipientDeliveryReport(SinchResponse):
    """One recipient's delivery report: ``type`` is ``recipient_delivery_report_sms`` (or ``_mms``).

    ``code`` is parsed leniently: older documents show it as the string ``"0"``.
    """

    type: str | None = None
    batch_id: str
    recipient: str
    code: int | None = None
    status: str
    at: datetime | None = None
    operator_status_at: datetime | None = None
    client_reference: str | None = None
    applied_originator: str | None = None
    encoding: str | None = None
    number_of_message_parts: int | None = None
    operator: str | None = None
    status_message: str | None = None

    @property
    def state(self) -> MessageState:
        """The status in the neutral vocabulary, with Sinch's own status and code kept."""
        return from_sinch(self.status, self.code)


class SinchDeliveryReportListPage(SinchResponse):
    """One page of ``GET /delivery_reports``; ``count`` is the total over all pages (0 when omitted)."""

    count: int = 0
    page: int = 0
    page_size: int = 0
    delivery_reports: list[SinchRecipientDeliveryReport] = Field(default_factory=list)


# -- queries: filters on status and code ------------------------------------------------------------------
_STATUS_BY_LOWER = {status.lower(): status for status in SINCH_STATUSES}


def capitalise_status(value: str) -> str:
    """Validator: accept a Sinch delivery status in any case and return it as the API spells it.

    :param value: A status such as ``delivered`` or ``Delivered``.
    """
    status = _STATUS_BY_LOWER.get(value.strip().lower())
    if status is None:
        raise rule_error(repr(value[:40]), "must be one of " + ", ".join(SINCH_STATUSES))
    return status


SinchStatusFilter = Annotated[
    list[Annotated[str, AfterValidator(capitalise_status)]], BeforeValidator(split_csv)
]
SinchCodeFilter = Annotated[list[Annotated[int, int_between(0)]], BeforeValidator(split_csv)]


class SinchBatchDeliveryReportQuery(SinchQuery):
    """Query of ``GET /batches/{id}/delivery_report``: report type and filters on status and code."""

    type: Annotated[Literal["summary", "full"], one_of(("summary", "full"))] | None = None
    status: SinchStatusFilter | None = None
    code: SinchCodeFilter | None = None
    client_reference: ClientReference | None = None


class SinchListDeliveryReportsQuery(SinchQuery):
    """Filters of ``GET /delivery_reports`` (Sinch's default window starts 24 h ago)."""

    page: Page | None = None
    page_size: PageSize | None = None
    start_date: SinchDateTime | None = None
    end_date: SinchDateTime | None = None
    status: SinchStatusFilter | None = None
    code: SinchCodeFilter | None = None
    client_reference: ClientReference | None = None


# -- inbound (MO) messages: one, the paged list, and the list's filters -------------------------------------
class SinchInbound(SinchResponse):
    """An inbound message: ``type`` is ``mo_text``, ``mo_binary`` (Base64 ``body`` and hex ``udh``) or
    ``mo_media``; ``client_reference`` is that of the batch it answers, where the account echoes it."""

    type: str | None = None
    id: str
    from_: str = Field(alias="from")
    to: str
    body: str | None = None
    udh: str | None = None
    received_at: datetime
    sent_at: datetime | None = None
    operator_id: str | None = None
    client_reference: str | None = None


class SinchInboundListPage(SinchResponse):
    """One page of ``GET /inbounds`` (newest first); ``count`` is the total over all pages."""

    count: int = 0
    page: int = 0
    page_size: int = 0
    inbounds: list[SinchInbound] = Field(default_factory=list)


def check_inbound_number(value: str) -> str:
    """Validator: accept one of the plan's numbers (E.164, ``+`` optional) or a short code.

    :param value: The number.
    """
    if not SHORT_CODE_PATTERN.match(value.strip().removeprefix("+")):
        raise rule_error(
            mask_msisdn(value), "must be a phone number or short code: 3 to 15 digits, optional '+'"
        )
    return value.strip()


class SinchListInboundsQuery(SinchQuery):
    """Filters of ``GET /inbounds`` (Sinch's default window starts 24 h ago; ``page`` counts from 0)."""

    page: Page | None = None
    page_size: PageSize | None = None
    to: (
        Annotated[list[Annotated[str, AfterValidator(check_inbound_number)]], BeforeValidator(split_csv)]
        | None
    ) = None
    start_date: SinchDateTime | None = None
    end_date: SinchDateTime | None = None
    client_reference: ClientReference | None = None
