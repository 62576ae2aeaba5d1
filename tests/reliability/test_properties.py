"""Property tests: number normaliser and repeat finder, part counter and text rules, CSV reader."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.campaign import CsvSource, ParameterValues
from airflow_provider_sms.models import sms
from airflow_provider_sms.models.sms import (
    E164_RULE,
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    NO_PLUS_RULE,
    RepeatedNumbers,
    check_message_text,
    check_parts,
    count_parts,
    e164_rule,
    is_e164,
    normalize_number,
    split_parts,
)

E164 = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
SPACE = st.text(alphabet=" \t\n\r", max_size=3)
#: Characters of every cost: GSM-7 basic (1 septet), extension (2), UCS-2 (1 unit), astral (2 units).
TEXT = st.text(
    alphabet=st.sampled_from(sorted(GSM7_BASIC_CHARS) + sorted(GSM7_EXTENSION_CHARS) + list("éжΩ€中😀🚀"))
    | st.characters(),
    max_size=700,
)


# -- the number normaliser ---------------------------------------------------------------------------------


@given(E164, SPACE, SPACE)
def test_an_e164_number_is_kept_with_its_spaces_dropped_and_as_an_int_gets_its_plus_back(
    number: str, before: str, after: str
) -> None:
    assert normalize_number(number) == number
    assert normalize_number(before + number + after) == number
    assert normalize_number(int(number[1:])) == number


@given(
    st.one_of(
        st.integers(), st.floats(), st.text(), st.none(), st.booleans(), st.binary(), st.lists(st.text())
    )
)
def test_normalising_never_raises_and_a_result_that_is_a_number_is_final(value: object) -> None:
    normalized = normalize_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        assert normalized is value  # left for the caller to refuse by type
    if isinstance(normalized, str) and is_e164(normalized):
        assert normalize_number(normalized) == normalized


@given(st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True))
def test_digits_without_plus_are_named_as_such(digits: str) -> None:
    assert e164_rule(digits) == NO_PLUS_RULE
    assert is_e164("+" + digits)
    assert e164_rule("0" + digits[1:]) == E164_RULE  # a national number is not 'missing a +'


@given(E164, E164)
def test_the_64_bit_key_of_a_number_is_exact(first: str, second: str) -> None:
    assert (int(first[1:]) == int(second[1:])) == (first == second)


@settings(max_examples=200)
@given(st.lists(st.sampled_from([f"+6140000{n:04d}" for n in range(12)]), max_size=60), st.integers(1, 8))
def test_repeats_are_found_as_a_dictionary_would_find_them(numbers: list[str], block: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sms, "_SORT_BLOCK", block)  # tiny blocks: the merge of sorted blocks runs too
        tracker = RepeatedNumbers.find(iter(numbers)).tracker()
    first_at: dict[str, int] = {}
    for position, number in enumerate(numbers):
        expected = first_at.setdefault(number, position)
        assert tracker.earlier(number, position) == (None if expected == position else expected)


# -- the part counter and the text rules ------------------------------------------------------------------


@settings(max_examples=300)
@given(TEXT)
def test_parts_put_back_together_are_the_text_and_each_part_fits(text: str) -> None:
    info = count_parts(text)
    parts = split_parts(text)
    assert "".join(parts) == text
    assert len(parts) == info.parts >= 1
    single, multi = (160, 153) if info.encoding == "GSM" else (70, 67)
    if info.parts == 1:
        assert info.units <= single
    else:
        for part in parts:
            assert count_units(part, info.encoding) <= multi


def count_units(text: str, encoding: str) -> int:
    if encoding == "GSM":
        return sum(2 if char in GSM7_EXTENSION_CHARS else 1 for char in text)
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


@settings(max_examples=300)
@given(TEXT, st.integers(1, 20))
def test_the_parts_limit_refuses_exactly_the_texts_over_it(text: str, limit: int) -> None:
    if count_parts(text).parts > limit:
        with pytest.raises(ValueError, match="SMS parts") as raised:
            check_parts(text, limit)
        assert not text.strip() or text not in str(raised.value)
    else:
        assert check_parts(text, limit) == text


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_a_text_passes_the_text_rules_unless_blank_or_holding_a_control_character(text: str) -> None:
    controls = [c for c in text if (ord(c) < 32 and c not in "\n\r\t") or 0x7F <= ord(c) <= 0x9F]
    surrogates = [c for c in text if 0xD800 <= ord(c) <= 0xDFFF]
    if text.strip() and not controls and not surrogates:
        assert check_message_text(text) == text
    else:
        with pytest.raises(ValueError, match="must") as raised:
            check_message_text(text)
        assert not text.strip() or text not in str(raised.value)  # never echoed: a text may be personal


# -- the CSV reader ----------------------------------------------------------------------------------------

NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]


def write_rows(rows: list[tuple[str, str]], encoding: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["phone", "name"])
    writer.writerows(rows)
    path = Path(tempfile.mkdtemp()) / "recipients.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(E164, NAMES), max_size=25), st.sampled_from(ENCODINGS))
def test_a_csv_file_is_read_back_row_by_row_in_its_encoding(
    rows: list[tuple[str, str]], encoding: str
) -> None:
    try:
        path = write_rows(rows, encoding)
    except UnicodeEncodeError:
        assume(False)
        return
    items = list(CsvSource(path, ParameterValues(), encoding))
    assert [item.recipient.position for item in items] == list(range(len(rows)))
    assert [item.recipient.to for item in items] == [number for number, _ in rows]
    assert [item.recipient.values.get("name", "") for item in items] == [name.strip() for _, name in rows]
    lines = [int(item.where.rpartition("line ")[2].rstrip(")")) for item in items]
    assert lines == sorted(lines)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(E164, st.text(alphabet="abc ", max_size=8)), min_size=1, max_size=20), st.data())
def test_a_byte_the_encoding_cannot_read_is_refused_naming_its_line(
    rows: list[tuple[str, str]], data: st.DataObject
) -> None:
    broken = data.draw(st.integers(0, len(rows) - 1))
    path = write_rows(rows, "utf-8")
    lines = path.read_bytes().split(b"\r\n")
    lines[broken + 1] += b"\xe9"  # Latin-1 'é' in a UTF-8 file
    path.write_bytes(b"\r\n".join(lines))

    with pytest.raises(SmsValidationError) as raised:
        list(CsvSource(path, ParameterValues()))

    assert f"line {broken + 2}: is not UTF-8 text (byte 0xE9)" in str(raised.value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(ENCODINGS))
def test_any_bytes_are_read_or_refused_with_a_named_error(content: bytes, encoding: str) -> None:
    path = Path(tempfile.mkdtemp()) / "any.csv"
    path.write_bytes(b"phone,name\n" + content)
    problems: tuple[object, ...] = ()
    try:
        wheres = [item.where for item in CsvSource(path, ParameterValues(), encoding)]
    except SmsValidationError as exc:
        wheres, problems = [], exc.problems
    assert all(where.startswith("to[") for where in wheres)
    assert all(getattr(problem, "field", None) == "to" for problem in problems)
