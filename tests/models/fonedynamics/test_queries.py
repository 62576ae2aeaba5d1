from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.models.fonedynamics.queries import FoneMessageListQuery, parse_message_list
from tests.models.fonedynamics.helpers import problems_of

START = 1_767_225_600  # 2026-01-01T00:00:00Z
END = START + 86_400


def query(**fields: Any) -> FoneMessageListQuery:
    return FoneMessageListQuery.build({"Date_From": START, "Date_To": END, **fields})


def rejected(**fields: Any) -> pytest.ExceptionInfo[SmsValidationError]:
    with pytest.raises(SmsValidationError) as exc_info:
        query(**fields)
    return exc_info


def test_minimal_query_params() -> None:
    assert query().to_params() == {"Date_From": str(START), "Date_To": str(END)}


def test_every_param_is_sent_by_wire_name_as_text() -> None:
    params = query(Status="Delivered", Direction="Transmit", Results_Count=50, Results_Skip=100).to_params()
    assert params == {
        "Date_From": str(START),
        "Date_To": str(END),
        "Status": "Delivered",
        "Direction": "Transmit",
        "Results_Count": "50",
        "Results_Skip": "100",
    }


def test_snake_case_names_and_aware_datetimes_are_accepted() -> None:
    built = FoneMessageListQuery.build(
        date_from=datetime(2026, 1, 1, tzinfo=timezone.utc), date_to=datetime(2026, 1, 2, tzinfo=timezone.utc)
    )
    assert (built.date_from, built.date_to) == (START, END)


@pytest.mark.parametrize("field", ["Date_From", "Date_To"])
def test_dates_are_required(field: str) -> None:
    body = {"Date_From": START, "Date_To": END}
    del body[field]
    with pytest.raises(SmsValidationError) as exc_info:
        FoneMessageListQuery.build(body)
    assert field in problems_of(exc_info)


def test_naive_datetime_is_rejected() -> None:
    assert "timezone-aware" in problems_of(rejected(Date_From=datetime(2026, 1, 1)))["Date_From"].rule


def test_date_to_one_second_after_date_from_is_accepted() -> None:
    assert query(Date_To=START + 1).date_to == START + 1


@pytest.mark.parametrize("date_to", [START, START - 1])
def test_date_to_must_be_after_date_from(date_to: int) -> None:
    problem = problems_of(rejected(Date_To=date_to))["Date_To"]
    assert problem.value == str(date_to)
    assert "exclusive" in problem.rule


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Processing", "Processing"),
        ("submitted", "Submitted"),
        ("DELIVERED", "Delivered"),
        ("Failed", "Failed"),
        ("received", "Received"),
    ],
)
def test_status_is_matched_in_any_case(given: str, sent: str) -> None:
    assert query(Status=given).to_params()["Status"] == sent


@pytest.mark.parametrize("status", ["Queued", "", 3])
def test_unknown_status_is_rejected(status: object) -> None:
    assert "Processing, Submitted" in problems_of(rejected(Status=status))["Status"].rule


@pytest.mark.parametrize(("given", "sent"), [("transmit", "Transmit"), ("Receive", "Receive")])
def test_direction_is_matched_in_any_case(given: str, sent: str) -> None:
    assert query(Direction=given).to_params()["Direction"] == sent


def test_unknown_direction_is_rejected() -> None:
    assert "Direction" in problems_of(rejected(Direction="Outbound"))


def test_results_count_must_be_at_least_one() -> None:
    assert query(Results_Count=1).results_count == 1
    assert problems_of(rejected(Results_Count=0))["Results_Count"].rule == "must be at least 1"


def test_results_skip_must_not_be_negative() -> None:
    assert query(Results_Skip=0).results_skip == 0
    assert problems_of(rejected(Results_Skip=-1))["Results_Skip"].rule == "must be 0 or more"


def test_unknown_param_is_rejected() -> None:
    assert "Page" in problems_of(rejected(Page=2))


MESSAGES = [{"MessageSid": "MG1", "Status": "Delivered"}, {"MessageSid": "MG2", "Direction": "Receive"}]


@pytest.mark.parametrize("body", [MESSAGES, {"Messages": MESSAGES}])
def test_message_list_parses_bare_or_wrapped(body: object) -> None:
    assert [message.message_sid for message in parse_message_list(body)] == ["MG1", "MG2"]


def test_message_list_keeps_unknown_fields() -> None:
    (message,) = parse_message_list([{"MessageSid": "MG1", "Price": "0.1"}])
    assert message.model_extra == {"Price": "0.1"}


@pytest.mark.parametrize("body", [None, {"messages": []}, {"ResponseStatus": {}}])
def test_other_bodies_are_an_error(body: object) -> None:
    with pytest.raises(ValueError, match="'Messages' array"):
        parse_message_list(body)
