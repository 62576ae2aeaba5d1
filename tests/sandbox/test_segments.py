from __future__ import annotations

import pytest

from airflow_provider_sms.sandbox.segments import count_segments, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM", 0, 1),
        ("a" * 160, "GSM", 160, 1),
        ("a" * 161, "GSM", 161, 2),
        ("a" * 459, "GSM", 459, 3),
        ("a" * 460, "GSM", 460, 4),
        ("{" * 80, "GSM", 160, 1),
        ("{" * 81, "GSM", 162, 2),
        ("é\n@£", "GSM", 4, 1),
        ("ж" * 70, "UNICODE", 70, 1),
        ("ж" * 71, "UNICODE", 71, 2),
        ("a" * 134 + "ж", "UNICODE", 135, 3),
        ("😀", "UNICODE", 2, 1),
    ],
)
def test_count_segments(text: str, encoding: str, units: int, parts: int) -> None:
    counted = count_segments(text)

    assert (counted.encoding, counted.units, counted.parts) == (encoding, units, parts)


def test_is_gsm7() -> None:
    assert is_gsm7("Hello [world] €5")
    assert not is_gsm7("naïve")
