"""Sinch error bodies, in both documented shapes.

* ``{"code": "syntax_invalid_parameter_format", "text": "..."}`` (400 and 403);
* ``{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [...]}}``,
  where ``details[*].fieldViolations[*].field`` names the fields at fault.
"""

from __future__ import annotations

from collections.abc import Mapping


def parse_error_body(data: object) -> tuple[str | None, str | None, list[str]]:
    """Return ``(code, text, fields)`` from a decoded Sinch error body; ``(None, None, [])`` if unknown.

    For the ``{"error": {...}}`` shape, the code is ``status`` when present, else ``code`` as a string.

    :param data: The decoded JSON body (anything: a dict, a list, a string, ``None``).
    """
    if not isinstance(data, Mapping):
        return None, None, []
    envelope = data.get("error")
    if isinstance(envelope, Mapping):
        status, number = envelope.get("status"), envelope.get("code")
        code = _text(status) or _text(number)
        return code, _text(envelope.get("message")), _violated_fields(envelope.get("details"))
    return _text(data.get("code")), _text(data.get("text")), []


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value) or None
    return None


def _violated_fields(details: object) -> list[str]:
    if not isinstance(details, list):
        return []
    fields: list[str] = []
    for detail in details:
        violations = detail.get("fieldViolations") if isinstance(detail, Mapping) else None
        if not isinstance(violations, list):
            continue
        for violation in violations:
            field = violation.get("field") if isinstance(violation, Mapping) else None
            if isinstance(field, str) and field:
                fields.append(field)
    return fields
