"""Read an Airflow connection's fields, collecting every problem before failing once.

Nothing here imports Airflow at run time; the connection is only duck-typed (``login``, ``password``,
``host``, ``extra_dejson``), so the same reader works on the Task SDK and the core ``Connection``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sms import validation_error_from_pydantic

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_provider_sms.hooks._form import ConnectionForm

#: Shown instead of an empty or missing value.
EMPTY = "(empty)"
#: Shown instead of a secret's value.
HIDDEN = "(hidden)"
_PATH_SEGMENT_FORBIDDEN = frozenset("/?#% \t\r\n")


class ConnectionReader:
    """Read and check the fields of one connection against its form.

    Each ``read_*`` method returns a usable value (the form's default when a field is empty) and records a
    :class:`~airflow_provider_sms.exceptions.Problem` when the value breaks a rule; :meth:`raise_problems`
    then reports them all at once, naming the connection.

    :param connection: The Airflow connection.
    :param form: The connection type's form, which holds each ``extra`` field's choices and default.
    :param vendor: Vendor name for error messages, e.g. ``Sinch``.
    """

    def __init__(self, connection: Connection, form: ConnectionForm, vendor: str) -> None:
        self._connection = connection
        self._form = form
        self._vendor = vendor
        self.problems: list[Problem] = []
        self._extra = self._read_extra_object()

    def add_problem(self, field: str, value: str, rule: str) -> None:
        """Record a broken rule.

        :param field: The field, e.g. ``login`` or ``extra.region``.
        :param value: The offending value, already masked if it is sensitive.
        :param rule: The rule, in words.
        """
        self.problems.append(Problem(field=field, value=value, rule=rule))

    def raise_problems(self) -> None:
        """Raise one ``SmsValidationError`` naming the connection and every problem found, if any."""
        if self.problems:
            subject = f"{self._vendor} connection {self._connection.conn_id!r}"
            raise SmsValidationError(self.problems, subject=subject)

    def read_login(self, meaning: str, *, path_segment: bool = False) -> str:
        """Return the required ``login``.

        :param meaning: What the login holds, for the error message, e.g. ``service plan ID``.
        :param path_segment: Whether the value goes into a URL path, so it must not contain ``/``, ``?`` ...
        """
        value = _text(self._connection.login)
        if value is None:
            self.add_problem("login", EMPTY, f"the {meaning} is required")
            return ""
        if path_segment:
            self._check_path_segment("login", value)
        return value

    def read_password(self, meaning: str) -> str:
        """Return the required ``password``; its value never appears in an error.

        :param meaning: What the password holds, for the error message, e.g. ``API token``.
        """
        value = _text(self._connection.password)
        if value is None:
            self.add_problem("password", EMPTY, f"the {meaning} is required")
            return ""
        return value

    def read_base_url(self) -> str | None:
        """Return the optional ``host`` as a base URL override, or ``None`` when empty."""
        return self._check_url("host", _text(self._connection.host))

    def read_text(self, name: str, *, path_segment: bool = False) -> str | None:
        """Return an optional free-text ``extra`` field, or its default.

        :param name: The ``extra`` key.
        :param path_segment: Whether the value goes into a URL path.
        """
        raw = self._extra.get(name)
        if raw is not None and not isinstance(raw, str):
            self.add_problem(f"extra.{name}", f"<{type(raw).__name__}>", "must be text")
            return None
        value = _text(raw)
        if value is None:
            default = self._form.field_named(name).default
            return default if isinstance(default, str) else None
        if path_segment:
            self._check_path_segment(f"extra.{name}", value)
        return value

    def read_url(self, name: str) -> str | None:
        """Return an optional absolute http(s) URL from ``extra``, or ``None`` when empty.

        :param name: The ``extra`` key.
        """
        return self._check_url(f"extra.{name}", self.read_text(name))

    def read_sender(self, name: str, sender_type: TypeAdapter[str]) -> str | None:
        """Return an optional sender id from ``extra`` that must pass the vendor's sender rules.

        :param name: The ``extra`` key.
        :param sender_type: The vendor's sender type, e.g. ``TypeAdapter(SinchSender)``.
        """
        value = self.read_text(name)
        if value is None:
            return None
        try:
            sender_type.validate_python(value)
        except ValidationError as exc:
            for problem in validation_error_from_pydantic(exc, name).problems:
                self.add_problem(f"extra.{name}", problem.value, problem.rule)
            return None
        return value

    def read_choice(self, name: str) -> str:
        """Return an ``extra`` field that must be one of the form's choices (case-insensitive).

        :param name: The ``extra`` key.
        """
        form_field = self._form.field_named(name)
        fallback = str(form_field.default)
        raw = self._extra.get(name)
        value = _text(raw) if isinstance(raw, str) else raw
        if value is None:
            return fallback
        if isinstance(value, str) and value.lower() in form_field.choices:
            return value.lower()
        self.add_problem(f"extra.{name}", repr(value), f"must be one of {', '.join(form_field.choices)}")
        return fallback

    def read_seconds(self, name: str) -> float:
        """Return a duration in seconds from ``extra``: a number greater than 0, or the default.

        :param name: The ``extra`` key.
        """
        fallback = float(self._form_default_number(name))
        value = self._number(name, fallback)
        if value is None or not math.isfinite(value) or value <= 0:
            self.add_problem(
                f"extra.{name}", repr(self._extra.get(name)), "must be a number of seconds greater than 0"
            )
            return fallback
        return value

    def read_count(self, name: str) -> int:
        """Return a whole number from ``extra`` that is at least the form's minimum, or the default.

        :param name: The ``extra`` key.
        """
        fallback = int(self._form_default_number(name))
        minimum = self._form.field_named(name).minimum or 0
        value = self._number(name, fallback)
        if value is None or not value.is_integer() or value < minimum:
            self.add_problem(
                f"extra.{name}", repr(self._extra.get(name)), f"must be a whole number >= {minimum}"
            )
            return fallback
        return int(value)

    def _read_extra_object(self) -> dict[str, Any]:
        extra = self._connection.extra_dejson
        if isinstance(extra, dict):
            return extra
        self.add_problem("extra", f"<{type(extra).__name__}>", "must be a JSON object")
        return {}

    def _form_default_number(self, name: str) -> int | float:
        default = self._form.field_named(name).default
        if isinstance(default, bool) or not isinstance(default, int | float):
            raise TypeError(f"form field {name!r} needs a numeric default")
        return default

    def _number(self, name: str, fallback: float) -> float | None:
        """Return the ``extra`` value as a float, ``fallback`` when empty, ``None`` when not a number."""
        raw = self._extra.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return float(fallback)
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int | float):
            return float(raw)
        if isinstance(raw, str):
            try:
                return float(raw.strip())
            except ValueError:
                return None
        return None

    def _check_path_segment(self, field: str, value: str) -> None:
        if any(char in _PATH_SEGMENT_FORBIDDEN for char in value):
            self.add_problem(field, repr(value), "must not contain '/', '?', '#', '%' or whitespace")

    def _check_url(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            has_credentials = parts.username is not None or parts.password is not None
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            has_credentials, valid = False, False
        if has_credentials:
            self.add_problem(field, HIDDEN, "must not contain a user name or password")
            return None
        if not valid:
            self.add_problem(field, repr(value), "must be an absolute http:// or https:// URL")
            return None
        return value.rstrip("/")


def _text(value: object) -> str | None:
    """Return ``value`` stripped, or ``None`` when it is missing or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
