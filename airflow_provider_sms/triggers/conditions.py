"""What a batch sensor waits for, checked before any request and carried to the triggerer as plain JSON."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models.sms import E164_RULE, NeutralStatus, is_e164, mask_msisdn

#: ``all_final``: every message is in a final status. ``delivery``: enough messages reached a success status.
ConditionKind = Literal["all_final", "delivery"]
_NEUTRAL_NAMES = tuple(s.value for s in NeutralStatus)


@dataclass(frozen=True)
class WaitCondition:
    """The condition a sensor waits for.

    :param kind: ``all_final`` or ``delivery``.
    :param recipients: For ``delivery``: only these E.164 numbers count; all messages when ``None``.
    :param success_statuses: For ``delivery``: neutral statuses that count as success.
    :param min_success_ratio: For ``delivery``: the share of counted messages that must succeed, in (0, 1].
    """

    kind: ConditionKind = "all_final"
    recipients: tuple[str, ...] | None = None
    success_statuses: tuple[str, ...] = (NeutralStatus.DELIVERED.value,)
    min_success_ratio: float = 1.0

    def __repr__(self) -> str:
        shown = None if self.recipients is None else f"<{len(self.recipients)} recipients>"
        return (
            f"WaitCondition(kind={self.kind!r}, recipients={shown}, "
            f"success_statuses={self.success_statuses!r}, min_success_ratio={self.min_success_ratio!r})"
        )

    @classmethod
    def build(
        cls,
        kind: ConditionKind = "all_final",
        *,
        recipients: Iterable[str] | str | None = None,
        success_statuses: Iterable[str] | str = (NeutralStatus.DELIVERED.value,),
        min_success_ratio: float = 1.0,
    ) -> WaitCondition:
        """Check the arguments and return the condition.

        :param kind: ``all_final`` or ``delivery``.
        :param recipients: E.164 numbers, or ``None`` for every message.
        :param success_statuses: Neutral statuses counted as success (``delivered``, ``sent`` ...).
        :param min_success_ratio: Share that must succeed, greater than 0 and at most 1.
        :raises SmsValidationError: naming each bad argument, its value (numbers masked) and the rule.
        """
        problems: list[Problem] = []
        if kind not in ("all_final", "delivery"):
            problems.append(Problem("kind", repr(kind), "must be 'all_final' or 'delivery'"))
        numbers = _recipients(recipients, problems)
        statuses = _statuses(success_statuses, problems)
        ratio = _ratio(min_success_ratio, problems)
        if problems:
            raise SmsValidationError(problems, subject="sensor arguments")
        return cls(kind, numbers, statuses, ratio)

    def required(self, total: int) -> int:
        """Return how many of ``total`` counted messages must succeed."""
        return math.ceil(self.min_success_ratio * total - 1e-9)

    def to_json(self) -> dict[str, Any]:
        """Return the condition as plain JSON (for trigger kwargs)."""
        return {
            "kind": self.kind,
            "recipients": None if self.recipients is None else list(self.recipients),
            "success_statuses": list(self.success_statuses),
            "min_success_ratio": self.min_success_ratio,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WaitCondition:
        """Rebuild a condition from :meth:`to_json`, checking it again.

        :param data: The JSON object.
        """
        return cls.build(
            data.get("kind", "all_final"),
            recipients=data.get("recipients"),
            success_statuses=data.get("success_statuses", (NeutralStatus.DELIVERED.value,)),
            min_success_ratio=data.get("min_success_ratio", 1.0),
        )


def _recipients(value: Iterable[str] | str | None, problems: list[Problem]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    numbers = tuple(value)
    if not numbers:
        problems.append(Problem("recipients", "[]", "must name at least one number, or be None for all"))
    for position, number in enumerate(numbers):
        if not isinstance(number, str) or not is_e164(number):
            problems.append(Problem(f"recipients[{position}]", mask_msisdn(number), E164_RULE))
    return tuple(dict.fromkeys(numbers))


def _statuses(value: Iterable[str] | str, problems: list[Problem]) -> tuple[str, ...]:
    statuses = (value,) if isinstance(value, str) else tuple(value)
    if not statuses:
        problems.append(Problem("success_statuses", "[]", "must name at least one status"))
    for position, status in enumerate(statuses):
        if status not in _NEUTRAL_NAMES:
            problems.append(
                Problem(
                    f"success_statuses[{position}]",
                    repr(status),
                    f"must be one of {', '.join(_NEUTRAL_NAMES)}",
                )
            )
    return statuses


def _ratio(value: object, problems: list[Problem]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        rule = "must be a number greater than 0 and at most 1"
        problems.append(Problem("min_success_ratio", repr(value), rule))
        return 1.0
    return float(value)
