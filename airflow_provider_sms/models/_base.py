"""Base classes of every wire model.

Responses keep unknown fields (forward compatibility); requests reject them. Pydantic's own error
text would echo raw input (phone numbers), so models hide input in errors and :meth:`RequestModel.build`
turns a pydantic error into :class:`~airflow_provider_sms.exceptions.SmsValidationError`, whose messages
come from our validators and carry masked values only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from typing_extensions import Self

from airflow_provider_sms.exceptions import Problem, SmsValidationError


class WireModel(BaseModel):
    """A vendor response body: unknown fields are kept in ``model_extra``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, hide_input_in_errors=True)


class RequestModel(BaseModel):
    """A request body or query: unknown fields are an error, validation names field, value and rule."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, hide_input_in_errors=True, validate_default=True
    )

    @classmethod
    def build(cls, data: Mapping[str, Any] | None = None, /, *, context: Any = None, **fields: Any) -> Self:
        """Validate ``data`` (or keyword fields) and return the model, or raise ``SmsValidationError``.

        :param data: Field values by name or alias.
        :param context: Passed to pydantic validators (e.g. ``{"now": datetime}`` for schedule rules).
        :param fields: Field values by name, merged over ``data``.
        """
        payload = {**(data or {}), **fields}
        try:
            return cls.model_validate(payload, context=context)
        except ValidationError as exc:
            raise validation_error_from_pydantic(exc, cls.__name__) from None

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON body the vendor expects: aliases, no unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


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
            if ctx.get("error") is not None and isinstance(ctx["error"], _ValueRuleError):
                value, rule = ctx["error"].value, ctx["error"].rule
        problems.append(Problem(field=field or "(request)", value=value or "(hidden)", rule=rule))
    return SmsValidationError(problems, subject)


class _ValueRuleError(ValueError):
    def __init__(self, value: str, rule: str) -> None:
        self.value = value
        self.rule = rule
        super().__init__(f"{value}: {rule}")


def rule_error(value: str, rule: str) -> ValueError:
    """Build the error a validator raises: ``value`` must already be masked if it is sensitive."""
    return _ValueRuleError(value, rule)


def _format_loc(loc: tuple[int | str, ...] | Any) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
