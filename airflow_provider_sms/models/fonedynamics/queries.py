"""Fone Dynamics message search: ``GET /v2/Properties/{PropertySid}/Messages`` query and response."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from airflow_provider_sms.models._base import RequestModel, rule_error
from airflow_provider_sms.models.fonedynamics._envelope import unwrap_list
from airflow_provider_sms.models.fonedynamics._time import to_unix_seconds
from airflow_provider_sms.models.fonedynamics.messages import FoneMessage

MessageStatusName = Literal["Processing", "Submitted", "Delivered", "Failed", "Received"]
DirectionName = Literal["Transmit", "Receive"]
_STATUSES: tuple[MessageStatusName, ...] = ("Processing", "Submitted", "Delivered", "Failed", "Received")
_DIRECTIONS: tuple[DirectionName, ...] = ("Transmit", "Receive")


def _canonical(choices: tuple[str, ...]) -> BeforeValidator:
    """Before-validator: match one of ``choices`` in any case and return the vendor's spelling."""
    by_lower = {choice.lower(): choice for choice in choices}

    def normalize(value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in by_lower:
            return by_lower[value.strip().lower()]
        shown = repr(value) if isinstance(value, str) else f"<{type(value).__name__}>"
        raise rule_error(shown, f"must be one of {', '.join(choices)} (any case)")

    return BeforeValidator(normalize)


UnixSeconds = Annotated[int, BeforeValidator(to_unix_seconds)]


class FoneMessageListQuery(RequestModel):
    """Search messages of a property sent or received in ``[date_from, date_to)``.

    :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
    :param date_to: End, exclusive, after ``date_from``.
    :param status: Only messages in this status.
    :param direction: Only ``Transmit`` (sent) or ``Receive`` (received) messages.
    :param results_count: Page size (vendor default 200).
    :param results_skip: Messages to skip: the pagination offset.
    """

    date_from: UnixSeconds = Field(alias="Date_From")
    date_to: UnixSeconds = Field(alias="Date_To")
    status: Annotated[MessageStatusName, _canonical(_STATUSES)] | None = Field(default=None, alias="Status")
    direction: Annotated[DirectionName, _canonical(_DIRECTIONS)] | None = Field(
        default=None, alias="Direction"
    )
    results_count: int | None = Field(default=None, alias="Results_Count")
    results_skip: int | None = Field(default=None, alias="Results_Skip")

    @field_validator("date_to")
    @classmethod
    def _after_date_from(cls, value: int, info: ValidationInfo) -> int:
        date_from = info.data.get("date_from")
        if date_from is not None and value <= date_from:
            raise rule_error(str(value), f"must be after Date_From ({date_from}); Date_To is exclusive")
        return value

    @field_validator("results_count")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise rule_error(str(value), "must be at least 1")
        return value

    @field_validator("results_skip")
    @classmethod
    def _not_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise rule_error(str(value), "must be 0 or more")
        return value

    def to_params(self) -> dict[str, str]:
        """Return the query-string parameters by wire name, without unset ones."""
        return {name: str(value) for name, value in self.to_wire().items()}


def parse_message_list(data: object) -> list[FoneMessage]:
    """Parse a search response: an array of Message resources, bare or wrapped under ``Messages``.

    :param data: The decoded JSON body.
    :raises ValueError: If the body is neither, or an item is not an object.
    """
    return [FoneMessage.model_validate(item) for item in unwrap_list(data, "Messages")]
