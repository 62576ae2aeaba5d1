"""Exceptions raised by every layer of the provider.

This module imports nothing from Airflow, so ``models/`` and ``clients/`` can use it alone.
Messages never carry secrets, and phone numbers in them are masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


class SmsError(Exception):
    """Base class of every error raised by ``airflow_provider_sms``."""

    @property
    def retryable(self) -> bool:
        """Whether repeating the same work later may succeed (bad input and missing features never do)."""
        return False


@dataclass(frozen=True)
class Problem:
    """One broken rule found while validating a request.

    :param field: Where the value sits, with its position for list items, e.g. ``to[3]``.
    :param value: The offending value, already masked when it is a phone number or secret.
    :param rule: The rule that was broken, in words.
    """

    field: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}={self.value}: {self.rule}"


class SmsValidationError(SmsError, ValueError):
    """A request or argument broke one or more documented rules, found before anything was sent.

    :param problems: Every broken rule that was found, not only the first.
    :param subject: What was being validated, e.g. ``Sinch send_batch``.
    :param consequence: What did not happen because of it, as the message says it: ``nothing was sent``
        for sends and connections, ``no request was made`` for the arguments of a sensor or trigger.
    """

    def __init__(
        self, problems: Sequence[Problem], subject: str = "request", consequence: str = "nothing was sent"
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.subject = subject
        shown = "; ".join(str(p) for p in self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"Invalid {subject}, {consequence}: {shown}{more}")


class SmsCapabilityError(SmsError):
    """The vendor behind the connection cannot do what was asked (checked before any request).

    :param vendor: Vendor name, e.g. ``Fone Dynamics``.
    :param capability: What is missing, e.g. ``cancel a batch``.
    """

    def __init__(self, vendor: str, capability: str) -> None:
        self.vendor = vendor
        self.capability = capability
        super().__init__(f"{vendor} has no API to {capability}; no request was made")


class SmsRefusedError(SmsError):
    """The vendor accepted the request but refused every message in it; sending it again cannot help."""


class SmsApiError(SmsError):
    """The vendor answered with an HTTP error.

    :param vendor: Vendor name.
    :param status: HTTP status code.
    :param code: The vendor's machine-readable error code, if the body had one.
    :param text: The vendor's human-readable message, if the body had one.
    :param fields: Names of the request fields the vendor blamed, if any.
    :param method: HTTP method of the failed request.
    :param path: URL path of the failed request (never the query string or host credentials).
    """

    def __init__(
        self,
        *,
        vendor: str,
        status: int,
        code: str | None = None,
        text: str | None = None,
        fields: Sequence[str] = (),
        method: str = "",
        path: str = "",
    ) -> None:
        self.vendor = vendor
        self.status = status
        self.code = code
        self.text = text
        self.fields: tuple[str, ...] = tuple(fields)
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"{self.vendor} API returned HTTP {self.status}"]
        if self.method or self.path:
            parts.append(f"for {self.method} {self.path}".rstrip())
        detail = ": ".join(x for x in (self.code, self.text) if x)
        if detail:
            parts.append(f"- {detail}")
        if self.fields:
            parts.append(f"(fields: {', '.join(self.fields)})")
        return " ".join(parts)

    @property
    def retryable(self) -> bool:
        """Whether repeating the same request may succeed."""
        return self.status == 429 or self.status >= 500


class SmsBadRequestError(SmsApiError):
    """HTTP 400: the request did not match the vendor's API."""


class SmsAuthenticationError(SmsApiError):
    """HTTP 401: credentials missing, wrong or expired."""


class SmsForbiddenError(SmsApiError):
    """HTTP 403: valid request the vendor refuses to perform (e.g. batch already dispatched)."""


class SmsNotFoundError(SmsApiError):
    """HTTP 404: unknown id or path."""


class SmsRateLimitError(SmsApiError):
    """HTTP 429: too many requests; ``retry_after`` holds the server's hint in seconds, if any."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)  # type: ignore[arg-type]


class SmsServerError(SmsApiError):
    """HTTP 5xx: the vendor failed to process the request."""


class SmsTransportError(SmsError):
    """The request could not be completed at the network level (after retries)."""

    @property
    def retryable(self) -> bool:
        """Network failures may pass; creating requests then look their idempotency key up first."""
        return True


class SmsAmbiguousResultError(SmsTransportError):
    """The connection broke after a non-repeatable request was sent: it may or may not have taken effect.

    Callers that create messages must look up what their idempotency key created before sending again.
    """


_STATUS_CLASSES: dict[int, type[SmsApiError]] = {
    400: SmsBadRequestError,
    401: SmsAuthenticationError,
    403: SmsForbiddenError,
    404: SmsNotFoundError,
    429: SmsRateLimitError,
}


def api_error_class(status: int) -> type[SmsApiError]:
    """Return the exception class for an HTTP error status."""
    if status >= 500:
        return SmsServerError
    return _STATUS_CLASSES.get(status, SmsApiError)


# -- a pydantic validation error (our models' validators) as our error type ---------------------------


def validation_error_from_pydantic(exc: ValidationError, subject: str) -> SmsValidationError:
    """Convert a pydantic error whose input is hidden into our error type.

    Our validators raise ``ValueError("<masked value>: <rule>")``; for pydantic's built-in checks
    (types, lengths) the value is described by type only, because it may be a phone number.
    """
    problems: list[Problem] = []
    for err in exc.errors(include_url=False, include_input=False):
        field = _format_loc(err.get("loc", ()))
        message = str(err.get("msg", ""))
        ctx = err.get("ctx") or {}
        value, rule = "", message
        if err.get("type") == "value_error":
            rule = message.removeprefix("Value error, ")
            if ctx.get("error") is not None and isinstance(ctx["error"], RuleError):
                value, rule = ctx["error"].value, ctx["error"].rule
        problems.append(Problem(field=field or "(request)", value=value or "(hidden)", rule=rule))
    return SmsValidationError(problems, subject)


class RuleError(ValueError):
    """A rule a value broke, raised by a model validator: the value (already masked) and the rule."""

    def __init__(self, value: str, rule: str) -> None:
        self.value = value
        self.rule = rule
        super().__init__(f"{value}: {rule}")


def rule_error(value: str, rule: str) -> ValueError:
    """Build the error a validator raises: ``value`` must already be masked if it is sensitive."""
    return RuleError(value, rule)


def problem_of(field: str, error: ValueError) -> Problem:
    """Return the problem a rule error (:func:`rule_error`) describes, for ``field``.

    :param field: Where the value sits, e.g. ``body`` or ``to[3]``.
    :param error: The error a rule check raised.
    """
    return Problem(field, getattr(error, "value", "(hidden)"), getattr(error, "rule", str(error)))


def _format_loc(loc: tuple[int | str, ...] | Any) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
