"""Reading a successful response body into models, with one error for a body of the wrong shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from airflow_provider_sms.exceptions import SmsTransportError

_Result = TypeVar("_Result")


def parse_response(parser: Callable[[Any], _Result], data: Any, *, vendor: str, operation: str) -> _Result:
    """Return ``parser(data)``, or raise ``SmsTransportError`` if the body is not what the API documents.

    The request itself succeeded (it may have sent messages), so the error says so; the body is not
    quoted because it may hold phone numbers.

    :param parser: A model's ``model_validate`` or a vendor parse function; raises ``ValueError``.
    :param data: The decoded JSON body.
    :param vendor: Vendor name for the message.
    :param operation: Client method name for the message.
    """
    try:
        return parser(data)
    except ValueError:
        raise SmsTransportError(
            f"{vendor} {operation} succeeded but its response body has an unexpected shape"
        ) from None
