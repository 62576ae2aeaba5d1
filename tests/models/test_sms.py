"""Shared model parts: wire base classes and errors, phone numbers, senders, encoding, statuses."""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from airflow_provider_sms.exceptions import Problem, SmsValidationError, rule_error
from airflow_provider_sms.models.sms import (
    E164_RULE,
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    PLAIN_HTTP_RULE,
    E164Number,
    FoneDynamicsSender,
    MessageState,
    NeutralStatus,
    RequestModel,
    SegmentInfo,
    SenderKind,
    SettingsChecker,
    SinchSender,
    WireModel,
    check_e164,
    check_fonedynamics_sender,
    check_sinch_sender,
    classify_sender,
    count_parts,
    from_fonedynamics,
    from_sinch,
    is_e164,
    is_gsm7,
    is_loopback_host,
    mask_msisdn,
    mask_numbers_in_text,
    split_parts,
)

# -- wire base classes and pydantic errors -------------------------------------------------------------------

NUMBER = "+61488023555"
#: A phone number no built-in check can parse as anything but text.
SPACED_NUMBER = "+61 488 023 555"


def _no_sevens(value: int) -> int:
    if value == 7:
        raise ValueError("plain ValueError without a masked value")
    return value


class _Recipient(RequestModel):
    to: E164Number = Field(alias="To")


class _Request(RequestModel):
    to: list[E164Number] = Field(alias="To", min_length=1)
    recipients: list[_Recipient] = Field(default_factory=list, alias="Recipients")
    body: str | None = Field(default=None, alias="Body", max_length=5)
    count: int = Field(default=1, alias="Count")
    method: Literal["POST", "GET"] = Field(default="POST", alias="Method")
    lucky: Annotated[int, AfterValidator(_no_sevens)] = Field(default=0, alias="Lucky")
    limit: int = Field(default=0, alias="Limit")

    @field_validator("limit")
    @classmethod
    def _under_context_max(cls, value: int, info: ValidationInfo) -> int:
        maximum = (info.context or {}).get("max", 10)
        if value > maximum:
            raise rule_error(str(value), f"must be at most {maximum}")
        return value


class _Window(RequestModel):
    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.start > self.end:
            raise rule_error(f"{self.start}..{self.end}", "start after end")
        return self


class _Response(WireModel):
    batch_id: str | None = Field(default=None, alias="BatchId")


def _problems(data: dict[str, object], context: object = None) -> tuple[Problem, ...]:
    with pytest.raises(SmsValidationError) as exc_info:
        _Request.build(data, context=context)
    assert exc_info.value.subject == "_Request"
    return exc_info.value.problems


class TestBuild:
    def test_valid_data_by_alias(self) -> None:
        request = _Request.build({"To": [NUMBER], "Body": "hi"})
        assert (request.to, request.body) == ([NUMBER], "hi")

    def test_valid_data_by_name_and_keywords_merged_over_data(self) -> None:
        request = _Request.build({"to": [NUMBER], "count": 1}, count=3)
        assert request.count == 3

    def test_context_reaches_validators(self) -> None:
        assert _Request.build({"To": [NUMBER], "Limit": 50}, context={"max": 100}).limit == 50
        (problem,) = _problems({"To": [NUMBER], "Limit": 50}, context={"max": 20})
        assert problem == Problem(field="Limit", value="50", rule="must be at most 20")


class TestErrorConversion:
    def test_list_item_is_named_with_its_position_and_masked(self) -> None:
        (problem,) = _problems({"To": [NUMBER, NUMBER, NUMBER, "0488023555"]})
        assert problem.field == "To[3]"
        assert problem.value == "04880**555"
        assert problem.rule.startswith("must be an E.164 number")

    def test_nested_model_field_path(self) -> None:
        (problem,) = _problems({"To": [NUMBER], "Recipients": [{"To": NUMBER}, {"To": "+0123"}]})
        assert problem.field == "Recipients[1].To"
        assert problem.value == "***23"

    def test_every_problem_is_collected(self) -> None:
        problems = _problems({"To": ["1", "2"], "Count": "many", "Method": "PUT"})
        assert [p.field for p in problems] == ["To[0]", "To[1]", "Count", "Method"]

    def test_error_text_names_subject_field_value_and_rule(self) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            _Request.build({"To": ["0488023555"]})
        assert str(exc_info.value) == (
            "Invalid _Request, nothing was sent: To[0]=04880**555: must be an E.164 number: "
            "'+', country code, 7 to 15 digits in all, no spaces"
        )

    def test_missing_field(self) -> None:
        (problem,) = _problems({})
        assert (problem.field, problem.value, problem.rule) == ("To", "(hidden)", "Field required")

    def test_unknown_request_fields_are_rejected(self) -> None:
        (problem,) = _problems({"To": [NUMBER], "Colour": "blue"})
        assert (problem.field, problem.rule) == ("Colour", "Extra inputs are not permitted")

    def test_plain_value_error_keeps_its_rule_but_hides_the_value(self) -> None:
        (problem,) = _problems({"To": [NUMBER], "Lucky": 7})
        assert (problem.field, problem.value) == ("Lucky", "(hidden)")
        assert problem.rule == "plain ValueError without a masked value"

    def test_error_that_is_not_about_a_field_is_named_request(self) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            _Window.build(start=5, end=1)
        assert exc_info.value.problems == (Problem(field="(request)", value="5..1", rule="start after end"),)

    def test_model_level_check_passes_when_it_holds(self) -> None:
        assert _Window.build(start=1, end=5).end == 5

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("Body", NUMBER),  # too long: max_length
            ("Count", SPACED_NUMBER),  # not an int
            ("Method", NUMBER),  # not a literal
            ("To", NUMBER),  # not a list
            ("Recipients", NUMBER),  # not a list of objects
            ("Lucky", SPACED_NUMBER),
        ],
    )
    def test_built_in_checks_never_echo_the_input(self, field: str, value: str) -> None:
        with pytest.raises(SmsValidationError) as exc_info:
            _Request.build({"To": [NUMBER], field: value})
        assert value not in str(exc_info.value)
        assert all(value not in str(problem) for problem in exc_info.value.problems)
        assert exc_info.value.problems[0].value == "(hidden)"

    @given(
        st.from_regex(r"\+[1-9][0-9]{2} [0-9]{3} [0-9]{3,8}", fullmatch=True),
        st.sampled_from(["To", "Body", "Count", "Method", "Lucky", "Recipients"]),
    )
    def test_no_phone_number_is_ever_echoed(self, number: str, field: str) -> None:
        data: dict[str, object] = {"To": [number]} if field == "To" else {"To": [NUMBER], field: number}
        with pytest.raises(SmsValidationError) as exc_info:
            _Request.build(data)
        assert number not in str(exc_info.value)
        assert number.replace(" ", "") not in str(exc_info.value)


class TestWire:
    def test_to_wire_uses_aliases_and_drops_none(self) -> None:
        assert _Request.build(to=[NUMBER], count=2).to_wire() == {
            "To": [NUMBER],
            "Recipients": [],
            "Count": 2,
            "Method": "POST",
            "Lucky": 0,
            "Limit": 0,
        }

    def test_unknown_response_fields_are_kept(self) -> None:
        response = _Response.model_validate({"BatchId": "b1", "NewField": {"x": 1}})
        assert response.batch_id == "b1"
        assert response.model_extra == {"NewField": {"x": 1}}
        assert response.model_dump(by_alias=True) == {"BatchId": "b1", "NewField": {"x": 1}}

    def test_response_models_hide_input_in_errors(self) -> None:
        class _Strict(WireModel):
            count: int

        with pytest.raises(ValueError, match="count") as exc_info:
            _Strict.model_validate({"count": SPACED_NUMBER})
        assert SPACED_NUMBER not in str(exc_info.value)

    def test_plain_pydantic_would_echo_the_input(self) -> None:
        class _Plain(BaseModel):
            count: int

        with pytest.raises(ValueError, match="count") as exc_info:
            _Plain.model_validate({"count": SPACED_NUMBER})
        assert SPACED_NUMBER in str(exc_info.value)


# -- phone numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["+61488023555", "+14155552671", "+1234567", "+123456789012345", "+442071838750", "+9" + "0" * 14],
)
def test_e164_numbers_pass(number: str) -> None:
    assert is_e164(number)
    assert check_e164(number) == number


@pytest.mark.parametrize(
    "number",
    [
        "61488023555",  # no plus
        "+0488023555",  # country code cannot start with 0
        "+123456",  # 6 digits: too short
        "+1234567890123456",  # 16 digits: too long
        "+61 488 023 555",
        "+61-488-023-555",
        "+61488O23555",  # letter O
        "",
        "+",
        "+61488023555\n",
    ],
)
def test_other_values_fail(number: str) -> None:
    assert not is_e164(number)
    with pytest.raises(ValueError, match=r"must be an E\.164 number") as exc_info:
        check_e164(number)
    if len(number.strip()) > 2:
        assert number.strip() not in str(exc_info.value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+61488023555", "+6148****555"),
        ("+14155552671", "+1415****671"),
        ("123456789", "12345*789"),
        ("12345678", "******78"),
        ("123", "*23"),
        ("12", "**"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_msisdn(value: str, masked: str) -> None:
    assert mask_msisdn(value) == masked


@pytest.mark.parametrize(
    ("value", "shown"), [(61488023555, "<int>"), (None, "<NoneType>"), (["+614"], "<list>")]
)
def test_mask_msisdn_shows_non_strings_by_type_only(value: object, shown: str) -> None:
    assert mask_msisdn(value) == shown


@given(st.text(min_size=1, max_size=40))
def test_masking_keeps_the_length_and_always_hides_something(value: str) -> None:
    masked = mask_msisdn(value)
    assert len(masked) == len(value)
    assert "*" in masked


@given(st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True))
def test_masked_numbers_never_equal_the_number(number: str) -> None:
    assert mask_msisdn(number) != number


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_every_e164_number_passes_and_its_mask_hides_at_least_a_digit(number: str) -> None:
    assert is_e164(number)
    assert mask_msisdn(number).count("*") >= 1


def test_e164_number_type_names_list_position_and_masks() -> None:
    adapter = TypeAdapter(list[E164Number])
    with pytest.raises(ValidationError) as exc_info:
        adapter.validate_python(["+61488023555", "+61488023556", "0488023557"])
    (error,) = exc_info.value.errors()
    assert error["loc"] == (2,)
    assert error["ctx"]["error"].value == "04880**557"
    assert error["ctx"]["error"].rule == E164_RULE


# -- sender ids ----------------------------------------------------------------------------------------------


class _Senders(RequestModel):
    sinch: SinchSender | None = None
    fone: FoneDynamicsSender | None = None


def _problem(**fields: str) -> str:
    with pytest.raises(SmsValidationError) as exc_info:
        _Senders.build(fields)
    (problem,) = exc_info.value.problems
    return str(problem)


@pytest.mark.parametrize("allow_short_code", [True, False])
@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("+61499009990", SenderKind.E164),
        ("MyBrand", SenderKind.ALPHANUMERIC),
        ("A", SenderKind.ALPHANUMERIC),
        ("My Brand 24", SenderKind.ALPHANUMERIC),  # 11 characters with spaces
        ("24x7", SenderKind.ALPHANUMERIC),
    ],
)
def test_e164_and_alphanumeric_senders_pass_for_both(
    sender: str, kind: SenderKind, allow_short_code: bool
) -> None:
    assert classify_sender(sender, allow_short_code=allow_short_code) is kind


@pytest.mark.parametrize("sender", ["123", "12345", "123456789012345"])
def test_short_codes_pass_only_where_allowed(sender: str) -> None:
    assert classify_sender(sender, allow_short_code=True) is SenderKind.SHORT_CODE
    with pytest.raises(ValueError, match=r"must be an E\.164 number with '\+'"):
        classify_sender(sender, allow_short_code=False)


@pytest.mark.parametrize("sender", ["12", "1234567890123456"])
def test_short_code_length_is_3_to_15_digits(sender: str) -> None:
    with pytest.raises(ValueError, match="short code of 3-15 digits"):
        classify_sender(sender, allow_short_code=True)


@pytest.mark.parametrize(
    "sender",
    [
        "TwelveChars1",  # 12 characters
        "My Brand 245",  # 12 with spaces
        "12345 678",  # no letter
        "   ",  # no letter
        "Brand!",
        "Café",  # letters outside A-Z
        "My_Brand",
        "MyBrand\n",
        "",
    ],
)
@pytest.mark.parametrize("allow_short_code", [True, False])
def test_bad_alphanumeric_senders_fail(sender: str, allow_short_code: bool) -> None:
    with pytest.raises(ValueError, match="with at least one letter"):
        classify_sender(sender, allow_short_code=allow_short_code)


@pytest.mark.parametrize("sender", ["+0499009990", "+61 499 009 990", "+614", "+61499009990\n"])
def test_plus_without_valid_e164_fails(sender: str) -> None:
    with pytest.raises(ValueError, match=r"numeric sender id must be an E\.164 number"):
        classify_sender(sender, allow_short_code=True)


@pytest.mark.parametrize("sender", ["12345\n", "MyBrand\n", "+61499009990\n"])
@pytest.mark.parametrize("allow_short_code", [True, False])
def test_trailing_newline_is_never_accepted(sender: str, allow_short_code: bool) -> None:
    with pytest.raises(ValueError, match="sender id must be"):
        classify_sender(sender, allow_short_code=allow_short_code)


def test_sinch_accepts_short_code_and_fone_dynamics_does_not() -> None:
    assert check_sinch_sender("12345") == "12345"
    with pytest.raises(ValueError, match=r"E\.164"):
        check_fonedynamics_sender("12345")


def test_blank_is_a_leased_number_for_fone_dynamics_only() -> None:
    assert check_fonedynamics_sender("") == ""
    with pytest.raises(ValueError, match="1-11 characters"):
        check_sinch_sender("")


def test_numeric_sender_is_masked_in_errors() -> None:
    shown = _problem(fone="61499009990")
    assert shown.startswith("fone=61499***990: ")
    assert "61499009990" not in shown


def test_bad_e164_sender_is_masked_in_errors() -> None:
    shown = _problem(sinch="+61 499 009 990")
    assert shown.startswith("sinch=+61 4*******990: ")


def test_alphanumeric_sender_is_shown_as_given() -> None:
    assert _problem(sinch="TwelveChars1").startswith("sinch='TwelveChars1': an alphanumeric sender id")


def test_annotated_types_accept_valid_senders() -> None:
    senders = _Senders.build(sinch="12345", fone="")
    assert (senders.sinch, senders.fone) == ("12345", "")


# -- GSM-7 / UCS-2 encoding and part counting ----------------------------------------------------------------

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


# -- status vocabulary ---------------------------------------------------------------------------------------

SINCH_STATUSES = [
    ("Queued", NeutralStatus.PENDING, False),
    ("Dispatched", NeutralStatus.SENT, False),
    ("Delivered", NeutralStatus.DELIVERED, True),
    ("Failed", NeutralStatus.FAILED, True),
    ("Rejected", NeutralStatus.FAILED, True),
    ("Aborted", NeutralStatus.FAILED, True),
    ("Deleted", NeutralStatus.FAILED, True),
    ("Expired", NeutralStatus.EXPIRED, True),
    ("Cancelled", NeutralStatus.CANCELLED, True),
    ("Unknown", NeutralStatus.UNKNOWN, True),
]
FONE_STATUSES = [
    ("Processing", NeutralStatus.PENDING, False),
    ("Submitted", NeutralStatus.SENT, False),
    ("Delivered", NeutralStatus.DELIVERED, True),
    ("Failed", NeutralStatus.FAILED, True),
    ("Received", NeutralStatus.UNKNOWN, True),
]


class TestSinch:
    @pytest.mark.parametrize(("status", "neutral", "final"), SINCH_STATUSES)
    def test_every_documented_status(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        assert from_sinch(status) == MessageState(neutral, final, status, None)

    @pytest.mark.parametrize(("status", "neutral", "final"), SINCH_STATUSES)
    def test_case_and_surrounding_space_do_not_matter(
        self, status: str, neutral: NeutralStatus, final: bool
    ) -> None:
        for spelling in (status.upper(), status.lower(), f" {status} "):
            state = from_sinch(spelling)
            assert (state.status, state.final, state.vendor_status) == (neutral, final, spelling)

    @pytest.mark.parametrize("status", ["Aborted", "Cancelled", "Failed"])
    def test_code_407_is_cancelled_by_the_user(self, status: str) -> None:
        assert from_sinch(status, 407) == MessageState(NeutralStatus.CANCELLED, True, status, 407)

    @pytest.mark.parametrize(("status", "code"), [("Aborted", 402), ("Queued", 400), ("Delivered", 0)])
    def test_other_codes_keep_the_status_mapping_and_are_kept(self, status: str, code: int) -> None:
        state = from_sinch(status, code)
        assert state.vendor_code == code
        assert state.status is not NeutralStatus.CANCELLED

    @pytest.mark.parametrize("status", ["Scheduled", "", "Bogus"])
    def test_unknown_status_is_unknown_and_not_final(self, status: str) -> None:
        assert from_sinch(status) == MessageState(NeutralStatus.UNKNOWN, False, status, None)


class TestFoneDynamics:
    @pytest.mark.parametrize(("status", "neutral", "final"), FONE_STATUSES)
    def test_every_documented_status(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        assert from_fonedynamics(status) == MessageState(neutral, final, status, None)

    @pytest.mark.parametrize(("status", "neutral", "final"), FONE_STATUSES)
    def test_case_does_not_matter(self, status: str, neutral: NeutralStatus, final: bool) -> None:
        for spelling in (status.upper(), status.lower(), f"{status}\n"):
            state = from_fonedynamics(spelling)
            assert (state.status, state.final) == (neutral, final)

    def test_submitted_is_final_only_without_a_receipt(self) -> None:
        assert from_fonedynamics("Submitted", delivery_receipt=False).final is True
        assert from_fonedynamics("Submitted", delivery_receipt=True).final is False
        assert from_fonedynamics("Submitted", delivery_receipt=None).final is False

    def test_receipt_flag_changes_nothing_else(self) -> None:
        assert from_fonedynamics("Processing", delivery_receipt=False).final is False
        assert from_fonedynamics("Delivered", delivery_receipt=False).final is True

    def test_error_code_is_kept_and_blank_is_none(self) -> None:
        assert from_fonedynamics("Failed", "UNDELIVERABLE").vendor_code == "UNDELIVERABLE"
        assert from_fonedynamics("Failed", "").vendor_code is None

    @pytest.mark.parametrize("status", ["Queued", "", "Undelivered"])
    def test_unknown_status_is_unknown_and_not_final(self, status: str) -> None:
        assert from_fonedynamics(status) == MessageState(NeutralStatus.UNKNOWN, False, status, None)


def test_neutral_statuses_are_plain_strings() -> None:
    assert [s.value for s in NeutralStatus] == [
        "pending",
        "sent",
        "delivered",
        "failed",
        "expired",
        "cancelled",
        "unknown",
    ]
    assert NeutralStatus("delivered") == "delivered"


# -- settings rules shared by both vendors' client settings ----------------------------------------------


def checked(method: str, *args: Any, **kwargs: Any) -> tuple[Any, list[Problem]]:
    """Run one ``SettingsChecker`` method and return its result and the problems it recorded."""
    check = SettingsChecker("test settings")
    result = getattr(check, method)(*args, **kwargs)
    return result, check.problems


@pytest.mark.parametrize(
    ("value", "missing"), [(None, True), ("", True), ("  ", True), ("x", False), (0, False)]
)
def test_required_reports_missing_or_blank_values_only(value: Any, missing: bool) -> None:
    _, problems = checked("required", "token", value, "account token")
    assert any(problem.value == "(empty)" for problem in problems) is missing


def test_required_never_shows_the_value() -> None:
    assert checked("required", "token", "s3cret", "account token", secret=True) == ("s3cret", [])
    _, [problem] = checked("required", "token", " ", "account token", secret=True)
    assert (problem.field, problem.value, problem.rule) == (
        "token",
        "(empty)",
        "the account token is required",
    )
    _, [problem] = checked("required", "token", 12345, "account token", secret=True)
    assert (problem.value, problem.rule) == ("(hidden)", "must be text")


@pytest.mark.parametrize("url", [None, "https://api.fonedynamics.com", "http://127.0.0.1:8080/prefix"])
def test_url_accepts_http_urls(url: str | None) -> None:
    assert checked("url", "base_url", url)[1] == []


@pytest.mark.parametrize("url", ["api.fonedynamics.com", "ftp://host", "https://", "http://host:70000"])
def test_url_rejects_others(url: str) -> None:
    assert [problem.field for problem in checked("url", "base_url", url)[1]] == ["base_url"]


@pytest.mark.parametrize(
    "url",
    ["ftp://user:pw-SECRET@host/x", "https://user:pw-SECRET@host:99999", "http://user:pw-SECRET@[::1"],
)
def test_url_hides_credentials(url: str) -> None:
    _, [problem] = checked("url", "base_url", url)
    assert "pw-SECRET" not in problem.value


@pytest.mark.parametrize(("timeout", "max_retries"), [(30.0, 3), (1, 0), (300, 10), ("300", "10")])
def test_valid_timeout_and_retries(timeout: float, max_retries: int) -> None:
    check = SettingsChecker("test settings")
    assert (
        check.seconds("timeout", timeout, 30.0, maximum=300),
        check.count("max_retries", max_retries, 3, maximum=10),
    ) == (float(timeout), int(max_retries))
    assert check.problems == []


@pytest.mark.parametrize(
    ("timeout", "max_retries", "fields"),
    [
        (0, 3, ["timeout"]),
        (True, 3, ["timeout"]),
        (5, -1, ["max_retries"]),
        (-1, 2.5, ["timeout", "max_retries"]),
        (1e9, 3, ["timeout"]),
        (300.5, 11, ["timeout", "max_retries"]),
        (5, 10**6, ["max_retries"]),
    ],
)
def test_invalid_timeout_and_retries(timeout: Any, max_retries: Any, fields: list[str]) -> None:
    check = SettingsChecker("test settings")
    check.seconds("timeout", timeout, 30.0, maximum=300)
    check.count("max_retries", max_retries, 3, maximum=10)
    assert [problem.field for problem in check.problems] == fields


def test_bounds_are_named_in_the_rule() -> None:
    _, [problem] = checked("seconds", "timeout", 1e9, 30.0, maximum=300)
    assert str(problem) == "timeout=1000000000.0: must be a number of seconds greater than 0 and at most 300"
    _, [problem] = checked("count", "max_retries", 99, 3, maximum=10)
    assert str(problem) == "max_retries=99: must be a whole number from 0 to 10"


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), ("0", 0.0), (None, 120.0), (3600, 3600.0)])
def test_seconds_may_allow_zero(value: Any, expected: float) -> None:
    assert checked("seconds", "max_retry_wait", value, 120.0, maximum=3600, allow_zero=True) == (expected, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), (" FALSE ", False), (None, False), ("", False)],
)
def test_flag_reads_booleans_and_their_text(value: Any, expected: bool) -> None:
    assert checked("flag", "allow_insecure_http", value) == (expected, [])


@pytest.mark.parametrize(("value", "shown"), [("yes", "'yes'"), (1, "1"), (0, "0"), ([True], "<list>")])
def test_flag_refuses_anything_else(value: Any, shown: str) -> None:
    result, [problem] = checked("flag", "allow_insecure_http", value)
    assert result is False
    assert str(problem) == f"allow_insecure_http={shown}: must be true or false"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8025",
        "http://127.1.2.3/x",
        "http://localhost:8080",
        "http://LOCALHOST",
        "http://sandbox.localhost",
        "http://[::1]:8025",
        "https://sms.example.com",
    ],
)
def test_url_accepts_https_anywhere_and_plain_http_to_this_machine(url: str) -> None:
    assert checked("url", "base_url", url) == (url, [])


@pytest.mark.parametrize(
    "url",
    [
        "http://sms.example.com",
        "http://10.0.0.5:8080",
        "http://192.168.1.20",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://[::2]",
        "HTTP://api.fonedynamics.com",
    ],
)
def test_url_refuses_plain_http_to_another_machine_unless_allowed(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    result, [problem] = checked("url", "base_url", url)
    assert result is None
    assert problem.field == "base_url"
    assert problem.rule == PLAIN_HTTP_RULE
    assert "allow_insecure_http" in problem.rule

    with caplog.at_level("WARNING"):
        assert checked("url", "host_with_http_allowed", url, allow_plain_http=True) == (url, [])
    assert "plain http to another machine because allow_insecure_http is set" in caplog.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("localhost", True),
        ("localhost.", True),
        ("a.localhost", True),
        ("127.0.0.1.example.com", False),
        ("localhost.example.com", False),
        ("192.0.2.1", False),
        ("10.0.0.1", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback_host(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invalid recipient +61400200005", "Invalid recipient +6140****005"),
        ("to 61400200005 is blocked", "to 61400***005 is blocked"),
        ("+61 400 200 005: not allowed", "+61 4*******005: not allowed"),
        ("numbers 61400200005, 61400200006", "numbers 61400***005, 61400***006"),
        ("batch 01FC66621XXMSKDDBB0M7FWEZX not found", "batch 01FC66621XXMSKDDBB0M7FWEZX not found"),
        ("code 40301 at 2026-05-01T10:00:00Z", "code 40301 at 2026-05-01T10:00:00Z"),
        ("MessageSid MS123456789012 unknown", "MessageSid MS123456789012 unknown"),
    ],
)
def test_mask_numbers_in_text(text: str, expected: str) -> None:
    assert mask_numbers_in_text(text) == expected


def test_raise_problems_names_every_problem_and_the_subject() -> None:
    check = SettingsChecker("Example settings")
    check.raise_problems()  # nothing found: no error
    check.choice("region", "mars", ("us", "eu"), "us")
    check.text("account_sid", "a/b", path_segment=True)
    with pytest.raises(SmsValidationError) as caught:
        check.raise_problems()
    assert str(caught.value) == (
        "Invalid Example settings, nothing was sent: region='mars': must be one of us, eu; "
        "account_sid='a/b': must not contain '/', '?', '#', '%' or whitespace"
    )
