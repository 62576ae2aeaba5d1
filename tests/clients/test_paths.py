from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sms.clients.paths import path_id, path_msisdn
from airflow_provider_sms.exceptions import SmsValidationError


@pytest.mark.parametrize(
    ("value", "expected"),
    [("01FC66621XXXXX119Z8PMV1QPQ", "01FC66621XXXXX119Z8PMV1QPQ"), ("a/b c", "a%2Fb%20c"), ("a.b", "a.b")],
)
def test_path_id_quotes_a_valid_id_into_one_segment(value: str, expected: str) -> None:
    assert path_id("batch_id", value, subject="test") == expected


@pytest.mark.parametrize(
    ("value", "shown"), [("", "''"), (" ", "' '"), (".", "'.'"), ("..", "'..'"), (7, "<int>")]
)
def test_path_id_rejects_blank_dot_and_non_strings(value: Any, shown: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        path_id("batch_id", value, subject="Sinch get_batch")
    problem = caught.value.problems[0]
    assert (problem.field, problem.value) == ("batch_id", shown)
    assert caught.value.subject == "Sinch get_batch"


def test_path_msisdn_quotes_the_plus() -> None:
    assert path_msisdn("recipient", "+61488023555", subject="test") == "%2B61488023555"


@pytest.mark.parametrize("value", ["61488023555", "+6148802355x", None])
def test_path_msisdn_rejects_non_e164_and_masks_it(value: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        path_msisdn("recipient", value, subject="test")
    assert caught.value.problems[0].field == "recipient"
    assert "88023" not in str(caught.value)
