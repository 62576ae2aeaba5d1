"""Sinch's error answers: an HTTP status with a ``{"code", "text"}`` body."""

from __future__ import annotations

from typing import Any

INVALID_JSON = "syntax_invalid_json"
INVALID_FORMAT = "syntax_invalid_parameter_format"
CONSTRAINT_VIOLATION = "syntax_constraint_violation"
MISSING_CALLBACK_URL = "missing_callback_url"
ALREADY_DISPATCHED = "batch_already_dispatched"
FEEDBACK_NOT_ENABLED = "feedback_not_enabled"
NOT_FOUND = "not_found"
UNAUTHORIZED = "unauthorized"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


class SinchApiError(Exception):
    """An error the sandbox answers with, in Sinch's format.

    :param status: HTTP status code.
    :param code: Sinch's machine-readable error code, e.g. ``syntax_invalid_parameter_format``.
    :param text: Human-readable explanation naming the field and the rule.
    :param headers: Extra response headers, e.g. ``WWW-Authenticate`` on a 401.
    """

    def __init__(self, status: int, code: str, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {text}")
        self.status = status
        self.code = code
        self.text = text
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body Sinch sends with this error."""
        return {"code": self.code, "text": self.text}


def invalid_format(field: str, value: object, rule: str) -> SinchApiError:
    """Return a 400 ``syntax_invalid_parameter_format`` naming the field, the value and the rule.

    :param field: Field name, with its list position when in a list (``to[3]``).
    :param value: The offending value as it may be shown.
    :param rule: What the value must look like.
    """
    return SinchApiError(400, INVALID_FORMAT, f"{field}: {value!r} is not valid: {rule}")


def constraint_violation(field: str, rule: str) -> SinchApiError:
    """Return a 400 ``syntax_constraint_violation`` naming the field and the rule it breaks.

    :param field: Field name, with its list position when in a list.
    :param rule: The constraint that is not met.
    """
    return SinchApiError(400, CONSTRAINT_VIOLATION, f"{field}: {rule}")


def not_found(what: str) -> SinchApiError:
    """Return a 404 for an unknown batch, recipient or report type.

    :param what: What was not found, e.g. ``batch 01H...``.
    """
    return SinchApiError(404, NOT_FOUND, f"{what} not found")
