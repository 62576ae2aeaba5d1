"""Sinch implementation of the neutral tracking operations, over the batch delivery report.

Sinch lists only recipients whose status it knows; a batch's ``total_message_count`` says how many
messages it has, so the ones not listed yet count as pending.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from airflow_provider_sms.hooks.tracking import (
    BatchStatus,
    RecipientState,
    StatusCount,
    TrackingOperations,
    only_recipients,
)
from airflow_provider_sms.models.sms import from_sinch

if TYPE_CHECKING:
    from airflow_provider_sms.clients.sinch import SinchClient
    from airflow_provider_sms.models.sinch import SinchBatchDeliveryReport


class SinchTracking(TrackingOperations):
    """Read batch and recipient states through the Sinch API."""

    def batch_status(self, batch_id: str) -> BatchStatus:
        """Return how many of a batch's messages are in each state (one summary delivery report).

        :param batch_id: The id Sinch gave the batch.
        """
        report = self._sinch_client().get_delivery_report(batch_id, type="summary")
        counts = tuple(StatusCount(from_sinch(s.status, s.code), s.count) for s in report.statuses)
        return BatchStatus(batch_id, _total(report), counts)

    def recipient_states(
        self, batch_id: str, recipients: Collection[str] | None = None
    ) -> list[RecipientState]:
        """Return the state of each recipient's message (one full delivery report).

        :param batch_id: The id Sinch gave the batch.
        :param recipients: Only these E.164 numbers; every reported recipient when ``None``.
        """
        report = self._sinch_client().get_delivery_report(batch_id, type="full")
        reported = [
            RecipientState(batch_id, number, from_sinch(entry.status, entry.code))
            for entry in report.statuses
            for number in entry.recipients or ()
        ]
        return only_recipients(batch_id, reported, recipients)

    def _sinch_client(self) -> SinchClient:
        client: SinchClient = self.get_conn()
        return client


def _total(report: SinchBatchDeliveryReport) -> int:
    listed = sum(s.count for s in report.statuses)
    if report.total_message_count is None:
        return listed
    return max(report.total_message_count, listed)
