"""Masking of phone numbers in URL paths before they reach logs or exception text."""

from __future__ import annotations

import re
from urllib.parse import unquote

from airflow_provider_sms.models.sms import mask_msisdn

_PHONE_LIKE = re.compile(r"^\+?[0-9]{7,15}$")


def redact_path(path: str) -> str:
    """Return ``path`` with every segment that looks like a phone number masked.

    ``/batches/01FC/delivery_report/%2B61488023555`` becomes ``/batches/01FC/delivery_report/+6148****555``.

    :param path: A URL path without query string.
    """
    segments = path.split("/")
    return "/".join(
        mask_msisdn(unquote(segment)) if _PHONE_LIKE.match(unquote(segment)) else segment
        for segment in segments
    )
