from __future__ import annotations

import pytest

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.batch_ids import FoneBatchRef, batch_id_list


def test_fone_batch_ref_round_trips_and_owns_its_external_ids() -> None:
    ref = FoneBatchRef("sms-abc123-c00002", 1790000000)
    assert str(ref) == "sms-abc123-c00002@1790000000"
    assert FoneBatchRef.parse(str(ref)) == ref
    assert ref.external_id(7) == "sms-abc123-c00002.7"
    assert ref.owns("sms-abc123-c00002.7")
    assert not ref.owns("sms-abc123-c000021.7")
    assert not ref.owns(None)


@pytest.mark.parametrize("bad", ["", "key", "key@", "@123", "k/y@123", "key@12x", "key@123\n"])
def test_fone_batch_ref_rejects_other_forms(bad: str) -> None:
    with pytest.raises(SmsValidationError, match="<key>@<unix seconds>"):
        FoneBatchRef.parse(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01ABC", ["01ABC"]),
        (["01A", " 01B "], ["01A", "01B"]),
        (("01A",), ["01A"]),
        ({"vendor": "sinch", "batch_ids": ["01A", "01B"], "recipients": 3}, ["01A", "01B"]),
    ],
)
def test_batch_id_list_accepts_an_id_a_list_or_a_send_result(value: object, expected: list[str]) -> None:
    assert batch_id_list(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "must name at least one batch"),
        (["01A", ""], r"batch_id\[1\]"),
        ([1], r"batch_id\[0\]=<int>"),
        (None, "must be a batch id"),
        ({"batch_ids": None}, "must be a batch id"),
    ],
)
def test_batch_id_list_rejects_what_is_not_an_id(value: object, message: str) -> None:
    with pytest.raises(SmsValidationError, match=message):
        batch_id_list(value)


@pytest.mark.parametrize("text", ["['01A', '01B']", " {'batch_ids': ['01A']}"])
def test_a_list_or_send_result_rendered_to_text_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(SmsValidationError, match=r"batch_id=send\.output"):
        batch_id_list(text)


def test_a_mapped_send_result_list_is_flattened_and_each_batch_named_once() -> None:
    results = [{"batch_ids": ["01A", "01B"]}, {"batch_ids": ["01B", "01C"]}]
    assert batch_id_list(results) == ["01A", "01B", "01C"]


def test_a_bad_id_inside_a_mapped_result_names_its_position() -> None:
    with pytest.raises(SmsValidationError, match=r"batch_id\[1\]\[0\]"):
        batch_id_list([{"batch_ids": ["01A"]}, {"batch_ids": [""]}])
