"""Sinch delivery reports: per batch (summary or full), per recipient, and the paged list.

The same shapes arrive as callbacks: a batch report for ``summary``/``full``, a recipient report for
``per_recipient``/``per_recipient_final``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from airflow_provider_sms.models.sinch._response import SinchResponse
from airflow_provider_sms.models.status import MessageState, from_sinch


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
