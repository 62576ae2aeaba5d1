"""Ids that go into URL paths: checked before any request, then URL-quoted."""

from __future__ import annotations

from urllib.parse import quote

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sms import E164_RULE, is_e164, mask_msisdn


def path_id(field: str, value: object, *, subject: str) -> str:
    """Return ``value`` quoted as one path segment, or raise ``SmsValidationError`` naming ``field``.

    :param field: The argument name, e.g. ``batch_id``.
    :param value: The id; must be a non-empty string other than ``.`` and ``..``.
    :param subject: What is being validated, e.g. ``Sinch get_batch``.
    """
    if not isinstance(value, str):
        raise SmsValidationError([Problem(field, f"<{type(value).__name__}>", "must be a string")], subject)
    if not value.strip() or value.strip(".") == "":
        raise SmsValidationError(
            [Problem(field, repr(value[:40]), "must be a non-empty id (not blank, '.' or '..')")], subject
        )
    return quote(value, safe="")


def path_msisdn(field: str, value: object, *, subject: str) -> str:
    """Return an E.164 number quoted as one path segment (``+`` as ``%2B``), or raise naming ``field``.

    :param field: The argument name, e.g. ``recipient``.
    :param value: The phone number; shown masked in the error.
    :param subject: What is being validated.
    """
    if not isinstance(value, str) or not is_e164(value):
        raise SmsValidationError([Problem(field, mask_msisdn(value), E164_RULE)], subject)
    return quote(value, safe="")
