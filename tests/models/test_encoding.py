from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_sms.models.encoding import (
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    SegmentInfo,
    count_parts,
    is_gsm7,
    split_parts,
)

EMOJI = "\N{GRINNING FACE}"
CJK = "\N{CJK UNIFIED IDEOGRAPH-4F60}"
GSM_ALPHABET = "".join(sorted(GSM7_BASIC_CHARS | GSM7_EXTENSION_CHARS))

NON_GSM_CHARS = st.sampled_from([EMOJI, CJK, "ç"]) | st.characters(codec="utf-8").filter(
    lambda char: not is_gsm7(char)
)
# Runs of extension characters, emoji and plain letters make parts end early often enough to be seen.
GSM_CHARS = st.sampled_from(["a", "€", "{"]) | st.sampled_from(GSM_ALPHABET)
gsm_texts = st.text(alphabet=GSM_CHARS, min_size=140, max_size=700) | st.text(alphabet=GSM_CHARS, max_size=30)
unicode_texts = st.builds(
    lambda head, non_gsm, tail: head + non_gsm + tail,
    st.text(
        alphabet=st.sampled_from([CJK, EMOJI, "a", "€"]) | st.characters(codec="utf-8"),
        min_size=30,
        max_size=250,
    ),
    NON_GSM_CHARS,
    st.text(alphabet=st.sampled_from([CJK, EMOJI]) | st.characters(codec="utf-8"), min_size=30, max_size=250),
)


def septets(text: str) -> int:
    return sum(2 if char in GSM7_EXTENSION_CHARS else 1 for char in text)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TestIsGsm7:
    def test_the_basic_table_has_127_printable_codes_without_escape(self) -> None:
        assert len(GSM7_BASIC_CHARS) == 127
        assert "\x1b" not in GSM7_BASIC_CHARS

    @pytest.mark.parametrize(
        "text", ["Hello, world!", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ", "¡¿ÄÖÑÜ§äöñüà\r\n", ""]
    )
    def test_basic_characters_are_gsm(self, text: str) -> None:
        assert is_gsm7(text)

    @pytest.mark.parametrize("char", list("|^€{}[]~\\\f"))
    def test_extension_characters_are_gsm(self, char: str) -> None:
        assert is_gsm7(f"price {char} 5")

    @pytest.mark.parametrize("text", [EMOJI, CJK, "ç", "á", "\t", "`", "\x1b", "Hello " + EMOJI])
    def test_characters_outside_both_tables_are_not_gsm(self, text: str) -> None:
        assert not is_gsm7(text)


class TestCountPartsGsm:
    def test_empty_text_is_one_part(self) -> None:
        assert count_parts("") == SegmentInfo(encoding="GSM", units=0, parts=1)

    @pytest.mark.parametrize(
        ("length", "parts"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
    )
    def test_plain_text_boundaries(self, length: int, parts: int) -> None:
        assert count_parts("a" * length) == SegmentInfo(encoding="GSM", units=length, parts=parts)

    def test_extension_characters_cost_two_septets(self) -> None:
        assert count_parts("€" * 80) == SegmentInfo(encoding="GSM", units=160, parts=1)
        assert count_parts("€" * 80 + "a") == SegmentInfo(encoding="GSM", units=161, parts=2)
        assert count_parts("a" * 159 + "{") == SegmentInfo(encoding="GSM", units=161, parts=2)

    def test_form_feed_is_an_extension_character(self) -> None:
        assert count_parts("\f" * 81).units == 162

    def test_extension_character_is_not_split_across_parts(self) -> None:
        text = "a" * 152 + "€" * 77
        info = count_parts(text)
        assert info == SegmentInfo(encoding="GSM", units=306, parts=3)
        assert math.ceil(info.units / 153) == 2
        assert split_parts(text) == ["a" * 152, "€" * 76, "€"]

    def test_extension_character_that_fits_exactly_stays_in_the_part(self) -> None:
        assert split_parts("a" * 151 + "€" + "b" * 10) == ["a" * 151 + "€", "b" * 10]


class TestCountPartsUnicode:
    @pytest.mark.parametrize(("length", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)])
    def test_bmp_text_boundaries(self, length: int, parts: int) -> None:
        assert count_parts(CJK * length) == SegmentInfo(encoding="UNICODE", units=length, parts=parts)

    def test_one_non_gsm_character_switches_the_whole_text(self) -> None:
        assert count_parts("a" * 69 + "ç") == SegmentInfo(encoding="UNICODE", units=70, parts=1)
        assert count_parts("a" * 70 + "ç") == SegmentInfo(encoding="UNICODE", units=71, parts=2)

    def test_extension_characters_cost_one_unit_in_ucs2(self) -> None:
        assert count_parts("€" * 69 + CJK) == SegmentInfo(encoding="UNICODE", units=70, parts=1)

    def test_emoji_is_two_units(self) -> None:
        assert count_parts(EMOJI * 35) == SegmentInfo(encoding="UNICODE", units=70, parts=1)
        assert count_parts(EMOJI * 36) == SegmentInfo(encoding="UNICODE", units=72, parts=2)

    def test_surrogate_pair_is_not_split_across_parts(self) -> None:
        text = CJK * 66 + EMOJI + CJK * 66
        info = count_parts(text)
        assert info == SegmentInfo(encoding="UNICODE", units=134, parts=3)
        assert math.ceil(info.units / 67) == 2
        assert split_parts(text) == [CJK * 66, EMOJI + CJK * 65, CJK]


@given(gsm_texts)
def test_gsm_units_and_parts_follow_real_packing(text: str) -> None:
    info = count_parts(text)
    parts = split_parts(text)
    assert info.encoding == "GSM"
    assert info.units == septets(text)
    assert info.parts == len(parts)
    assert "".join(parts) == text
    if info.units <= 160:
        assert parts == [text]
        return
    assert all(septets(part) <= 153 for part in parts)
    # Greedy: a part only ends early when its next character would not fit whole.
    for part, following in itertools.pairwise(parts):
        assert septets(part) + septets(following[0]) > 153
    assert math.ceil(info.units / 153) <= info.parts <= math.ceil(info.units / 152)


@given(unicode_texts)
def test_unicode_units_and_parts_follow_real_packing(text: str) -> None:
    info = count_parts(text)
    parts = split_parts(text)
    assert info.encoding == "UNICODE"
    assert info.units == utf16_units(text)
    assert info.parts == len(parts)
    assert "".join(parts) == text
    if info.units <= 70:
        assert parts == [text]
        return
    assert all(utf16_units(part) <= 67 for part in parts)
    for part, following in itertools.pairwise(parts):
        assert utf16_units(part) + utf16_units(following[0]) > 67
    assert math.ceil(info.units / 67) <= info.parts <= math.ceil(info.units / 66)


@given(st.text(max_size=300), st.characters(codec="utf-8"))
def test_appending_a_character_never_needs_fewer_parts_in_the_same_encoding(text: str, char: str) -> None:
    before, after = count_parts(text), count_parts(text + char)
    if before.encoding == after.encoding:
        assert after.parts >= before.parts
        assert after.units > before.units


@given(st.text(max_size=300))
def test_encoding_is_gsm_exactly_when_every_character_is_in_the_tables(text: str) -> None:
    expected = all(c in GSM7_BASIC_CHARS or c in GSM7_EXTENSION_CHARS for c in text)
    assert (count_parts(text).encoding == "GSM") is expected
