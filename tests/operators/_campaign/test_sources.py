"""Recipient sources: lists, CSV files and individual messages, read lazily and re-readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.operators._campaign.sources import (
    CsvSource,
    ListSource,
    MessagesSource,
    ParameterValues,
    recipient_source,
)

PARAMS = {"name": {"+61400000001": "Ann", "default": "friend"}}


def test_list_source_with_parameters_and_a_number_rendered_as_int() -> None:
    source = recipient_source(["+61400000001", 61400000002, None], None, PARAMS)
    assert isinstance(source, ListSource)
    items = list(source)
    assert [i.recipient.to for i in items[:2]] == ["+61400000001", "+61400000002"]
    assert items[0].recipient.values == {"name": "Ann"}
    assert items[1].recipient.values == {}
    assert items[2].problem is not None
    assert items[2].problem.field == "to[2]"


def test_one_number_string_is_one_recipient() -> None:
    assert [i.recipient.to for i in recipient_source("+61400000001", None, None)] == ["+61400000001"]


def test_csv_source_streams_rows_with_columns_as_values(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n+61400000001,\n+61400000002,Bob\n", encoding="utf-8")
    source = recipient_source(str(path), None, PARAMS)
    assert isinstance(source, CsvSource)
    first, second = list(source)
    assert first.recipient.values == {"name": "Ann"}  # empty cell: the parameters apply
    assert second.recipient.values == {"name": "Bob"}
    assert second.field == "to[1] (line 3)"
    assert len(list(source)) == 2  # readable again


def test_csv_without_phone_column_or_unreadable_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("number\n+61400000001\n", encoding="utf-8")
    with pytest.raises(SmsValidationError, match="'phone' column"):
        recipient_source(str(path), None, None)
    with pytest.raises(SmsValidationError, match="readable CSV"):
        recipient_source(str(tmp_path / "missing.csv"), None, None)


def test_messages_source_checks_each_message() -> None:
    messages = [
        {"to": "+61400000001", "body": "hi"},
        {"to": "+61400000002", "body": "  "},
        {"to": 5, "body": "x"},
        {"to": "+61400000004", "body": "x", "from": "Me"},
    ]
    source = recipient_source(None, messages, None)
    assert isinstance(source, MessagesSource)
    items = list(source)
    assert items[0].problem is None
    assert items[0].recipient.body == "hi"
    assert [i.problem.field for i in items[1:] if i.problem] == [
        "messages[1].body",
        "messages[2].to",
        "messages[3]",
    ]


@pytest.mark.parametrize(
    ("to", "messages", "parameters", "match"),
    [
        (None, None, None, "exactly one of"),
        (["+61400000001"], [{"to": "+61400000001", "body": "x"}], None, "exactly one of"),
        (None, [{"to": "+61400000001", "body": "x"}], PARAMS, "carry their own texts"),
        (None, "not a list", None, "list of messages"),
        ("['+61400000001']", None, None, "rendered to text"),
        ({"+61400000001": 1}, None, None, "list of numbers"),
        (["+61400000001"], None, {"name": {"0400": "x"}}, "E.164 recipient"),
    ],
)
def test_bad_arguments_are_refused(to: object, messages: object, parameters: object, match: str) -> None:
    with pytest.raises(SmsValidationError, match=match):
        recipient_source(to, messages, parameters)


def test_parameter_defaults() -> None:
    assert ParameterValues.parse(PARAMS).defaults() == {"name": "friend"}
    assert ParameterValues.parse(None).defaults() == {}
