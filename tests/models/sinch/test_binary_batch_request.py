"""SinchBinaryBatchRequest: Base64 body, hex udh, 140 bytes together, no parameters."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from airflow_provider_sms.models.sinch import SinchBinaryBatchRequest
from tests.models.sinch.helpers import CONTEXT, only_problem

NUMBER = "+61488023555"
UDH = "050003CC0201"  # 6 bytes: concatenation header


def body_of(size: int) -> str:
    return base64.b64encode(bytes(range(256))[:size] if size <= 256 else b"\x00" * size).decode()


def binary(**fields: Any) -> dict[str, Any]:
    return {"to": [NUMBER], "body": body_of(10), "udh": UDH, **fields}


def test_binary_request_wire_output() -> None:
    request = SinchBinaryBatchRequest.build(binary(from_="Acme", client_reference="ref"), context=CONTEXT)
    assert request.to_wire() == {
        "type": "mt_binary",
        "to": [NUMBER],
        "from": "Acme",
        "body": body_of(10),
        "udh": UDH,
        "client_reference": "ref",
    }


def test_body_and_udh_of_exactly_140_bytes_are_accepted() -> None:
    assert SinchBinaryBatchRequest.build(binary(body=body_of(134))).udh == UDH


def test_empty_udh_is_accepted() -> None:
    assert SinchBinaryBatchRequest.build(binary(udh="", body=body_of(140))).udh == ""


def test_body_and_udh_over_140_bytes_are_an_error() -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(body=body_of(135)))
    assert (problem.field, problem.value) == ("udh", "<6 udh bytes + 135 body bytes>")
    assert problem.rule == "body and udh together must be at most 140 bytes"


@pytest.mark.parametrize("body", ["not base64!", "QUJD=", "QUJDRA", "QUJD\n"])
def test_body_that_is_not_base64_is_an_error_showing_length_only(body: str) -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(body=body))
    assert (problem.field, problem.value) == ("body", f"<{len(body)} characters>")
    assert problem.rule == "must be Base64 (standard alphabet, padded)"


@pytest.mark.parametrize("udh", ["0500 03", "ABC", "zz", "05\n"])
def test_udh_that_is_not_hex_pairs_is_an_error(udh: str) -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(udh=udh))
    assert (problem.field, problem.value) == ("udh", repr(udh))
    assert problem.rule == "must be hexadecimal, two digits per byte"


def test_udh_is_required() -> None:
    data = binary()
    del data["udh"]
    assert only_problem(SinchBinaryBatchRequest, data).field == "udh"


def test_parameters_are_not_accepted_for_binary() -> None:
    assert (
        only_problem(SinchBinaryBatchRequest, binary(parameters={"a": {"default": "b"}})).field
        == "parameters"
    )


def test_shared_rules_apply_to_binary_too() -> None:
    problem = only_problem(SinchBinaryBatchRequest, binary(to=[NUMBER, NUMBER]))
    assert problem.rule.startswith("to[0] and to[1] are the same number")
    assert only_problem(SinchBinaryBatchRequest, binary(from_ton=9)).field == "from_ton"
