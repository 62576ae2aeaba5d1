from __future__ import annotations

import pytest

from airflow_provider_sms.models.fonedynamics.batch import (
    FoneBatchItemError,
    FoneFieldError,
    parse_batch_response,
)
from airflow_provider_sms.models.fonedynamics.messages import FoneMessage
from tests.models.fonedynamics.helpers import load_seed

ACCEPTED = {"MessageSid": "MG1", "Status": "Processing"}
REFUSED = {"ErrorCode": "INVALID_PHONENUMBER_FORMAT", "Message": "bad To", "Errors": [{"FieldName": "To"}]}


def test_seed_batch_response_parses_in_order() -> None:
    accepted, refused = parse_batch_response(load_seed("batch_send_response"))
    assert isinstance(accepted, FoneMessage)
    assert (accepted.message_sid, accepted.num_segments, accepted.created) == (
        "M87DMNHSDJHSD48DMNSDS6VJCNKD9MD0",
        0,
        1506568010,
    )
    assert (accepted.status, accepted.direction, accepted.external_id) == (
        "Processing",
        "Transmit",
        "testid123",
    )
    assert accepted.error_code == ""
    assert refused == FoneBatchItemError(
        error_code="INVALID_PHONENUMBER_FORMAT",
        message="To parameter is not in E.164 format",
        errors=[FoneFieldError(field_name="To")],
    )


def test_wrapped_response_parses_like_a_bare_array() -> None:
    assert parse_batch_response({"Messages": [ACCEPTED, REFUSED]}) == parse_batch_response(
        [ACCEPTED, REFUSED]
    )


def test_order_of_the_request_is_kept() -> None:
    results = parse_batch_response([REFUSED, ACCEPTED, REFUSED, {**ACCEPTED, "MessageSid": "MG2"}])
    kinds = [type(result).__name__ for result in results]
    assert kinds == ["FoneBatchItemError", "FoneMessage", "FoneBatchItemError", "FoneMessage"]
    assert [r.message_sid for r in results if isinstance(r, FoneMessage)] == ["MG1", "MG2"]


@pytest.mark.parametrize("item", [{"MessageSid": "", "ErrorCode": "X"}, {"MessageSid": None}, {}])
def test_item_without_a_message_sid_is_an_error(item: dict[str, object]) -> None:
    assert isinstance(parse_batch_response([item])[0], FoneBatchItemError)


def test_error_item_without_errors_has_an_empty_list() -> None:
    (result,) = parse_batch_response([{"ErrorCode": "X", "Message": "y"}])
    assert isinstance(result, FoneBatchItemError)
    assert result.errors == []


def test_unknown_fields_are_kept_on_both_kinds() -> None:
    accepted, refused = parse_batch_response([{**ACCEPTED, "Cost": 1}, {**REFUSED, "Hint": "h"}])
    assert accepted.model_extra == {"Cost": 1}
    assert refused.model_extra == {"Hint": "h"}


def test_empty_array_is_an_empty_result() -> None:
    assert parse_batch_response([]) == []


@pytest.mark.parametrize(
    "body", [load_seed("batch_send_request_failed_response"), None, "oops", {"Messages": "x"}]
)
def test_body_that_is_not_a_batch_array_is_an_error(body: object) -> None:
    with pytest.raises(ValueError, match="expected a JSON array"):
        parse_batch_response(body)


def test_item_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(ValueError, match="FoneBatchItemError"):
        parse_batch_response([ACCEPTED, "MG2"])
