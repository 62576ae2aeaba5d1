"""Fone Dynamics error bodies: ``{"ResponseStatus": {"ErrorCode": ..., "Message": ..., "Errors": [...]}}``."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, ValidationError

from airflow_provider_sms.models._base import WireModel
from airflow_provider_sms.models.fonedynamics.batch import FoneFieldError


class FoneResponseStatus(WireModel):
    """A whole-request error.

    :param error_code: The vendor's code, e.g. ``FormatException``.
    :param message: The vendor's text.
    :param errors: The fields it blamed (only some errors carry them).
    """

    error_code: str | None = Field(default=None, alias="ErrorCode")
    message: str | None = Field(default=None, alias="Message")
    errors: list[FoneFieldError] = Field(default_factory=list, alias="Errors")


def parse_error_body(data: object) -> tuple[str | None, str | None, list[str]]:
    """Return ``(code, text, field names)`` from an error body, and Nones for whatever is missing or odd.

    Never raises: an error body is read while another error is being reported.

    :param data: The decoded JSON body (any type, ``None`` if it was not JSON).
    """
    status = data.get("ResponseStatus") if isinstance(data, Mapping) else None
    if not isinstance(status, Mapping):
        return None, None, []
    try:
        parsed = FoneResponseStatus.model_validate(status)
    except ValidationError:
        return _text_or_none(status.get("ErrorCode")), _text_or_none(status.get("Message")), []
    fields = [error.field_name for error in parsed.errors if error.field_name]
    return parsed.error_code or None, parsed.message or None, fields


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
