from __future__ import annotations

import pytest

from airflow_provider_sms.models.fonedynamics._envelope import unwrap_list


def test_bare_array_is_returned() -> None:
    items = [{"a": 1}]
    assert unwrap_list(items, "Messages") is items


def test_wrapped_array_is_unwrapped() -> None:
    assert unwrap_list({"Messages": [1, 2], "TotalCount": 2}, "Messages") == [1, 2]


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        ({"ResponseStatus": {}}, "an object with keys ['ResponseStatus']"),
        ({"Messages": None}, "an object with keys ['Messages']"),
        ("text", "<str>"),
        (None, "<NoneType>"),
    ],
)
def test_anything_else_is_described_by_shape_only(data: object, shape: str) -> None:
    with pytest.raises(ValueError, match="'Messages' array") as exc_info:
        unwrap_list(data, "Messages")
    assert str(exc_info.value).endswith(shape)
