"""Sinch dry run (POST ``/batches/dry_run``): query parameters and response.

The request body is a :class:`~airflow_provider_sms.models.sinch.batches.SinchTextBatchRequest` or
:class:`~airflow_provider_sms.models.sinch.batches.SinchBinaryBatchRequest`.
"""

from __future__ import annotations

from typing import Annotated

from airflow_provider_sms.models._base import RequestModel
from airflow_provider_sms.models.sinch._fields import MAX_RECIPIENTS, int_between
from airflow_provider_sms.models.sinch._response import SinchResponse


class SinchDryRunRecipient(SinchResponse):
    """What one recipient would get: the body after parameter substitution, its parts and encoding.

    ``encoding`` is ``"GSM"`` or ``"UNICODE"`` in the documents; other values are kept as sent.
    """

    recipient: str | None = None
    number_of_parts: int | None = None
    body: str | None = None
    encoding: str | None = None


class SinchDryRunResponse(SinchResponse):
    """Totals of a dry run; ``per_recipient`` only when the query asked for it."""

    number_of_recipients: int | None = None
    number_of_messages: int | None = None
    per_recipient: list[SinchDryRunRecipient] | None = None


class SinchDryRunQuery(RequestModel):
    """Query of a dry run: whether to list recipients, and how many (1-1000; Sinch's default is 100)."""

    per_recipient: bool | None = None
    number_of_recipients: Annotated[int, int_between(1, MAX_RECIPIENTS)] | None = None

    def to_params(self) -> dict[str, str]:
        """Return the query string parameters that are set."""
        params: dict[str, str] = {}
        if self.per_recipient is not None:
            params["per_recipient"] = "true" if self.per_recipient else "false"
        if self.number_of_recipients is not None:
            params["number_of_recipients"] = str(self.number_of_recipients)
        return params
