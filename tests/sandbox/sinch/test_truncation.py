from __future__ import annotations

from airflow_provider_sms.sandbox.segments import count_segments
from airflow_provider_sms.sandbox.sinch.truncation import truncate_to_one_part


def test_short_text_is_unchanged() -> None:
    assert truncate_to_one_part("a" * 160) == "a" * 160


def test_gsm_text_is_cut_to_160_septets() -> None:
    cut = truncate_to_one_part("a" * 161)
    assert cut == "a" * 160
    assert count_segments(cut).parts == 1


def test_extension_character_that_does_not_fit_whole_is_dropped() -> None:
    assert truncate_to_one_part("a" * 159 + "€b") == "a" * 159


def test_unicode_text_is_cut_to_70_units_and_keeps_surrogate_pairs_whole() -> None:
    assert truncate_to_one_part("ж" * 71) == "ж" * 70
    assert truncate_to_one_part("ж" * 69 + "😀") == "ж" * 69
