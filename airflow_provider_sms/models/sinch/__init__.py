"""Pydantic models of the Sinch SMS REST API ("XMS" batches): requests, responses, queries, errors."""

from __future__ import annotations

from airflow_provider_sms.models.sinch._datetime import SinchDateTime, format_sinch_datetime
from airflow_provider_sms.models.sinch._fields import DELIVERY_REPORT_TYPES, SINCH_STATUSES
from airflow_provider_sms.models.sinch.batches import (
    SinchBatch,
    SinchBatchListPage,
    SinchBinaryBatchRequest,
    SinchDeliveryFeedbackRequest,
    SinchTextBatchRequest,
    SinchUpdateBatchRequest,
)
from airflow_provider_sms.models.sinch.delivery_reports import (
    SinchBatchDeliveryReport,
    SinchDeliveryReportListPage,
    SinchRecipientDeliveryReport,
    SinchStatusCount,
)
from airflow_provider_sms.models.sinch.dry_run import (
    SinchDryRunQuery,
    SinchDryRunRecipient,
    SinchDryRunResponse,
)
from airflow_provider_sms.models.sinch.errors import parse_error_body
from airflow_provider_sms.models.sinch.queries import (
    SinchBatchDeliveryReportQuery,
    SinchListBatchesQuery,
    SinchListDeliveryReportsQuery,
)

__all__ = [
    "DELIVERY_REPORT_TYPES",
    "SINCH_STATUSES",
    "SinchBatch",
    "SinchBatchDeliveryReport",
    "SinchBatchDeliveryReportQuery",
    "SinchBatchListPage",
    "SinchBinaryBatchRequest",
    "SinchDateTime",
    "SinchDeliveryFeedbackRequest",
    "SinchDeliveryReportListPage",
    "SinchDryRunQuery",
    "SinchDryRunRecipient",
    "SinchDryRunResponse",
    "SinchListBatchesQuery",
    "SinchListDeliveryReportsQuery",
    "SinchRecipientDeliveryReport",
    "SinchStatusCount",
    "SinchTextBatchRequest",
    "SinchUpdateBatchRequest",
    "format_sinch_datetime",
    "parse_error_body",
]
