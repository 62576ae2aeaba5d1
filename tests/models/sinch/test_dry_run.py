"""Dry run: response samples parse; the query validates its range and builds exact parameters."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sms.models.sinch import SinchDryRunQuery, SinchDryRunRecipient, SinchDryRunResponse
from tests.models.sinch import samples
from tests.models.sinch.helpers import only_problem


@pytest.mark.parametrize("sample", [samples.DRY_RUN_RESPONSE, samples.GUIDE_DRY_RUN_RESPONSE])
def test_seed_dry_run_samples_parse(sample: dict[str, Any]) -> None:
    response = SinchDryRunResponse.model_validate(sample)
    assert response.number_of_recipients == sample["number_of_recipients"]
    assert response.number_of_messages == sample["number_of_messages"]
    assert response.per_recipient == [SinchDryRunRecipient()]


def test_per_recipient_details_parse_and_unknown_fields_are_kept() -> None:
    response = SinchDryRunResponse.model_validate(
        {
            "number_of_recipients": 2,
            "number_of_messages": 3,
            "per_recipient": [
                {"recipient": 15551231234, "number_of_parts": 1, "body": "Hi Ann", "encoding": "GSM"},
                {"recipient": "+15551256344", "number_of_parts": "2", "body": "Hi 😀", "encoding": "UNICODE"},
            ],
            "cost": 0.1,
        }
    )
    assert response.per_recipient == [
        SinchDryRunRecipient(recipient="15551231234", number_of_parts=1, body="Hi Ann", encoding="GSM"),
        SinchDryRunRecipient(recipient="+15551256344", number_of_parts=2, body="Hi 😀", encoding="UNICODE"),
    ]
    assert response.model_extra == {"cost": 0.1}


def test_response_without_per_recipient_has_none() -> None:
    assert SinchDryRunResponse.model_validate({"number_of_recipients": 1}).per_recipient is None


def test_query_to_params_is_exact() -> None:
    assert SinchDryRunQuery.build(per_recipient=True, number_of_recipients=500).to_params() == {
        "per_recipient": "true",
        "number_of_recipients": "500",
    }
    assert SinchDryRunQuery.build(per_recipient=False).to_params() == {"per_recipient": "false"}
    assert SinchDryRunQuery.build().to_params() == {}


@pytest.mark.parametrize("count", [1, 1000])
def test_number_of_recipients_accepts_1_to_1000(count: int) -> None:
    assert SinchDryRunQuery.build(number_of_recipients=count).to_params() == {
        "number_of_recipients": str(count)
    }


@pytest.mark.parametrize("count", [0, 1001])
def test_number_of_recipients_rejects_outside_1_to_1000(count: int) -> None:
    problem = only_problem(SinchDryRunQuery, {"number_of_recipients": count})
    assert (problem.field, problem.value, problem.rule) == (
        "number_of_recipients",
        str(count),
        "must be between 1 and 1000",
    )
