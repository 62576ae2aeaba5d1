"""Query parameters of Sinch's list and delivery-report endpoints, each with ``to_params()``.

List filters accept a list or a comma-separated string and go on the wire comma-joined; date-times go
as UTC ``YYYY-MM-DDThh:mm:ss.SSSZ``. Only the values that are set are sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from airflow_provider_sms.models._base import RequestModel, rule_error
from airflow_provider_sms.models.sender import SinchSender
from airflow_provider_sms.models.sinch._datetime import SinchDateTime, format_sinch_datetime
from airflow_provider_sms.models.sinch._fields import (
    SINCH_STATUSES,
    ClientReference,
    Page,
    PageSize,
    int_between,
    one_of,
    split_csv,
)

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


class _SinchQuery(RequestModel):
    """A query whose set fields become string parameters."""

    def to_params(self) -> dict[str, str]:
        """Return the query string parameters that are set, in Sinch's wire formats."""
        params: dict[str, str] = {}
        for name, value in self.model_dump(by_alias=True, exclude_none=True).items():
            if isinstance(value, datetime):
                params[name] = format_sinch_datetime(value)
            elif isinstance(value, list):
                if value:
                    params[name] = ",".join(str(item) for item in value)
            else:
                params[name] = str(value)
        return params

    @field_validator("end_date", check_fields=False)
    @classmethod
    def _end_after_start(cls, end_date: datetime | None, info: ValidationInfo) -> datetime | None:
        start_date = info.data.get("start_date")
        if end_date is not None and start_date is not None and end_date <= start_date:
            raise rule_error(
                format_sinch_datetime(end_date),
                f"must be after start_date ({format_sinch_datetime(start_date)})",
            )
        return end_date


class SinchListBatchesQuery(_SinchQuery):
    """Filters of ``GET /batches`` (batches of the last 14 days; ``page`` counts from 0)."""

    page: Page | None = None
    page_size: PageSize | None = None
    from_: Annotated[list[SinchSender], BeforeValidator(split_csv)] | None = Field(default=None, alias="from")
    start_date: SinchDateTime | None = None
    end_date: SinchDateTime | None = None
    client_reference: ClientReference | None = None


class SinchBatchDeliveryReportQuery(_SinchQuery):
    """Query of ``GET /batches/{id}/delivery_report``: report type and filters on status and code."""

    type: Annotated[Literal["summary", "full"], one_of(("summary", "full"))] | None = None
    status: SinchStatusFilter | None = None
    code: SinchCodeFilter | None = None
    client_reference: ClientReference | None = None


class SinchListDeliveryReportsQuery(_SinchQuery):
    """Filters of ``GET /delivery_reports`` (Sinch's default window starts 24 h ago)."""

    page: Page | None = None
    page_size: PageSize | None = None
    start_date: SinchDateTime | None = None
    end_date: SinchDateTime | None = None
    status: SinchStatusFilter | None = None
    code: SinchCodeFilter | None = None
    client_reference: ClientReference | None = None
