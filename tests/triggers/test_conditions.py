"""``WaitCondition``: every argument rule passing and failing, the required count and the JSON round trip."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.sms import E164_RULE
from airflow_provider_sms.triggers.conditions import WaitCondition


def problems_of(**kwargs: Any) -> list[str]:
    with pytest.raises(SmsValidationError) as caught:
        WaitCondition.build("delivery", **kwargs)
    return [str(p) for p in caught.value.problems]


def test_defaults_wait_for_every_message_delivered() -> None:
    condition = WaitCondition.build("delivery")

    assert condition.recipients is None
    assert condition.success_statuses == ("delivered",)
    assert condition.min_success_ratio == 1.0


def test_kind_must_be_known() -> None:
    with pytest.raises(SmsValidationError, match="kind='sometimes': must be 'all_final' or 'delivery'"):
        WaitCondition.build("sometimes")  # type: ignore[arg-type]


def test_recipients_accept_e164_numbers_once_each() -> None:
    condition = WaitCondition.build("delivery", recipients=["+61400000001", "+61400000002", "+61400000001"])

    assert condition.recipients == ("+61400000001", "+61400000002")


def test_a_single_recipient_string_is_one_number() -> None:
    assert WaitCondition.build("delivery", recipients="+61400000001").recipients == ("+61400000001",)


def test_recipients_reject_numbers_that_are_not_e164_with_position_and_mask() -> None:
    problems = problems_of(recipients=["+61400000001", "0488023555", 61488023555])

    assert problems == [f"recipients[1]=04880**555: {E164_RULE}", f"recipients[2]=<int>: {E164_RULE}"]


def test_recipients_must_not_be_empty() -> None:
    assert problems_of(recipients=[]) == ["recipients=[]: must name at least one number, or be None for all"]


def test_success_statuses_accept_neutral_statuses() -> None:
    condition = WaitCondition.build("delivery", success_statuses=["delivered", "sent"])

    assert condition.success_statuses == ("delivered", "sent")


def test_success_statuses_reject_vendor_spellings_and_emptiness() -> None:
    assert problems_of(success_statuses=["Delivered"]) == [
        "success_statuses[0]='Delivered': "
        "must be one of pending, sent, delivered, failed, expired, cancelled, unknown"
    ]
    assert problems_of(success_statuses=[]) == ["success_statuses=[]: must name at least one status"]


@pytest.mark.parametrize("ratio", [0.01, 0.5, 1, 1.0])
def test_min_success_ratio_accepts_numbers_in_zero_to_one(ratio: float) -> None:
    assert WaitCondition.build("delivery", min_success_ratio=ratio).min_success_ratio == float(ratio)


@pytest.mark.parametrize("ratio", [0, -0.5, 1.01, True, "0.5", None])
def test_min_success_ratio_rejects_anything_else(ratio: Any) -> None:
    assert problems_of(min_success_ratio=ratio) == [
        f"min_success_ratio={ratio!r}: must be a number greater than 0 and at most 1"
    ]


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems_of(recipients=["x"], success_statuses=["nope"], min_success_ratio=2)) == 3


@pytest.mark.parametrize(
    ("ratio", "total", "required"), [(1.0, 4, 4), (0.5, 3, 2), (0.9, 10, 9), (0.01, 1, 1)]
)
def test_required_rounds_up(ratio: float, total: int, required: int) -> None:
    assert WaitCondition.build("delivery", min_success_ratio=ratio).required(total) == required


def test_json_round_trip_and_repr_without_numbers() -> None:
    condition = WaitCondition.build("delivery", recipients=["+61400000001"], min_success_ratio=0.5)

    assert WaitCondition.from_json(condition.to_json()) == condition
    assert "+61400000001" not in repr(condition)
    assert "<1 recipients>" in repr(condition)
