from __future__ import annotations

from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator, model_validator

from airflow_provider_sms.exceptions import Problem, SmsValidationError
from airflow_provider_sms.models._base import RequestModel, WireModel, rule_error
from airflow_provider_sms.models.phone import E164Number

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
