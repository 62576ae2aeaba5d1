"""Fone Dynamics batch send response: one item per message, each a Message resource or an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from pydantic import Field

from airflow_provider_sms.models._base import WireModel
from airflow_provider_sms.models.fonedynamics._envelope import unwrap_list
from airflow_provider_sms.models.fonedynamics.messages import FoneMessage


class FoneFieldError(WireModel):
    """A request field the vendor blamed.

    :param field_name: The field's wire name, e.g. ``To``.
    """

    field_name: str | None = Field(default=None, alias="FieldName")


class FoneBatchItemError(WireModel):
    """A batch item that was not accepted.

    :param error_code: The vendor's code, e.g. ``INVALID_PHONENUMBER_FORMAT``.
    :param message: The vendor's text.
    :param errors: The fields it blamed.
    """

    error_code: str | None = Field(default=None, alias="ErrorCode")
    message: str | None = Field(default=None, alias="Message")
    errors: list[FoneFieldError] = Field(default_factory=list, alias="Errors")


#: One item of a batch response, in request order.
FoneBatchItemResult: TypeAlias = FoneMessage | FoneBatchItemError


def parse_batch_response(data: object) -> list[FoneBatchItemResult]:
    """Parse a batch response: a JSON array, or an object wrapping it under ``Messages``.

    An item with a ``MessageSid`` was accepted (:class:`FoneMessage`), any other is a
    :class:`FoneBatchItemError`; the order of the request is kept.

    :param data: The decoded JSON body.
    :raises ValueError: If the body is not such an array (e.g. a whole-request ``ResponseStatus``
        error, which :func:`~airflow_provider_sms.models.fonedynamics.errors.parse_error_body` reads)
        or an item is not an object.
    """
    results: list[FoneBatchItemResult] = []
    for item in unwrap_list(data, "Messages"):
        if isinstance(item, Mapping) and item.get("MessageSid"):
            results.append(FoneMessage.model_validate(item))
        else:
            results.append(FoneBatchItemError.model_validate(item))
    return results
