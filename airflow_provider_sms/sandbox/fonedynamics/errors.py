"""Fone Dynamics error shapes: a ``ResponseStatus`` for a whole request, a bare error item in a batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

PARAMETER_REQUIRED = "PARAMETER_REQUIRED"
PARAMETER_INVALID = "PARAMETER_INVALID"
PARAMETER_UNKNOWN = "PARAMETER_UNKNOWN"
INVALID_PHONENUMBER_FORMAT = "INVALID_PHONENUMBER_FORMAT"
INVALID_SENDER_ID = "INVALID_SENDER_ID"
INVALID_SCHEDULE = "INVALID_SCHEDULE"
LEASE_REQUIRED = "LEASE_REQUIRED"
LEASE_LIMIT_REACHED = "LEASE_LIMIT_REACHED"
INVALID_REQUEST = "INVALID_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class FieldError:
    """One broken rule of one field.

    :param field: The field name as sent (``To``, ``Schedule`` ...); empty for the message as a whole.
    :param code: Fone Dynamics error code, e.g. ``INVALID_PHONENUMBER_FORMAT``.
    :param message: What is wrong, naming the (masked) value and the rule.
    """

    field: str
    code: str
    message: str


def error_item(errors: list[FieldError]) -> dict[str, Any]:
    """Return the body of a failed message: the first error's code and text, and every field at fault.

    :param errors: The problems found, at least one.
    """
    first = errors[0]
    return {
        "ErrorCode": first.code,
        "Message": first.message,
        "Errors": [{"FieldName": e.field, "ErrorCode": e.code, "Message": e.message} for e in errors],
    }


class FoneRequestError(Exception):
    """A request failed as a whole; rendered as ``{"ResponseStatus": {...}}``.

    :param status: HTTP status.
    :param errors: The problems, at least one.
    """

    def __init__(self, status: int, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.status = status
        self.errors = errors

    @classmethod
    def single(cls, status: int, code: str, message: str, field: str = "") -> FoneRequestError:
        """Build an error with one problem.

        :param status: HTTP status.
        :param code: Fone Dynamics error code.
        :param message: What is wrong.
        :param field: The field at fault, if any.
        """
        return cls(status, [FieldError(field, code, message)])

    def response(self) -> JSONResponse:
        """Return the error as an HTTP response."""
        headers = {"WWW-Authenticate": 'Basic realm="fonedynamics"'} if self.status == 401 else None
        return JSONResponse({"ResponseStatus": error_item(self.errors)}, self.status, headers=headers)
