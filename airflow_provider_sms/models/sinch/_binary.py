"""Binary message content: a Base64 ``body`` and a hex ``udh`` that together fit in one 140-byte SMS."""

from __future__ import annotations

import base64
import re
from typing import Annotated

from pydantic import AfterValidator

from airflow_provider_sms.models._base import rule_error

MAX_BINARY_BYTES = 140
BASE64_RULE = "must be Base64 (standard alphabet, padded)"
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")


def decoded_size(body: str) -> int:
    """Return how many bytes a Base64 ``body`` decodes to.

    :param body: The Base64 text.
    """
    return len(base64.b64decode(body, validate=True))


def check_base64(value: str) -> str:
    """Validator: accept standard padded Base64; the error shows the length only.

    :param value: The Base64 text.
    """
    if not _BASE64.match(value):
        raise rule_error(f"<{len(value)} characters>", BASE64_RULE)
    return value


def check_binary_size(body: str | None, udh: str) -> None:
    """Raise a rule error (for the ``udh`` field) when body and udh bytes exceed 140 together.

    :param body: The already validated Base64 body, or ``None`` when unknown.
    :param udh: The already validated hex UDH.
    """
    if body is None:
        return
    body_bytes = decoded_size(body)
    udh_bytes = len(udh) // 2
    if body_bytes + udh_bytes > MAX_BINARY_BYTES:
        raise rule_error(
            f"<{udh_bytes} udh bytes + {body_bytes} body bytes>",
            f"body and udh together must be at most {MAX_BINARY_BYTES} bytes",
        )


#: A binary message body: Base64 text.
Base64Body = Annotated[str, AfterValidator(check_base64)]
