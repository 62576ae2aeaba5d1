"""Fone Dynamics REST API v2 wire models: requests validated before sending, responses parsed leniently."""

from __future__ import annotations

from airflow_provider_sms.models.fonedynamics.batch import (
    FoneBatchItemError,
    FoneBatchItemResult,
    FoneFieldError,
    parse_batch_response,
)
from airflow_provider_sms.models.fonedynamics.errors import FoneResponseStatus, parse_error_body
from airflow_provider_sms.models.fonedynamics.messages import (
    FoneBatchMessagesRequest,
    FoneMessage,
    FoneMessageRequest,
    parse_message_response,
)
from airflow_provider_sms.models.fonedynamics.queries import FoneMessageListQuery, parse_message_list

__all__ = [
    "FoneBatchItemError",
    "FoneBatchItemResult",
    "FoneBatchMessagesRequest",
    "FoneFieldError",
    "FoneMessage",
    "FoneMessageListQuery",
    "FoneMessageRequest",
    "FoneResponseStatus",
    "parse_batch_response",
    "parse_error_body",
    "parse_message_list",
    "parse_message_response",
]
