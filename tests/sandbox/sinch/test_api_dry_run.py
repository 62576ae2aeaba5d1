from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.sinch.helpers import SinchApi

A, B = "+61400000001", "+61400000002"


def dry_run(api: SinchApi, body: str, to: list[str] | None = None, **params: Any) -> dict[str, Any]:
    response = api.request(
        "POST", "/batches/dry_run", params={"per_recipient": "true", **params},
        json={"to": to or [A], "from": "Acme", "body": body},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(
    ("body", "parts", "encoding"),
    [
        ("a" * 160, 1, "GSM"),
        ("a" * 161, 2, "GSM"),
        ("a" * 306, 2, "GSM"),
        ("a" * 307, 3, "GSM"),
        ("€" * 80, 1, "GSM"),
        ("a" * 159 + "€", 2, "GSM"),
        ("ж" * 70, 1, "UNICODE"),
        ("ж" * 71, 2, "UNICODE"),
        ("ж" * 134, 2, "UNICODE"),
        ("ж" * 135, 3, "UNICODE"),
        ("😀" * 35, 1, "UNICODE"),
        ("😀" * 36, 2, "UNICODE"),
        ("", 1, "GSM"),
    ],
)
def test_part_counting_boundaries(api: SinchApi, body: str, parts: int, encoding: str) -> None:
    result = dry_run(api, body)
    assert result["number_of_messages"] == parts
    assert result["per_recipient"] == [
        {"recipient": A, "number_of_parts": parts, "body": body, "encoding": encoding}
    ]


def test_bodies_after_substitution_and_totals(api: SinchApi) -> None:
    response = api.request(
        "POST", "/batches/dry_run", params={"per_recipient": "true"},
        json={
            "to": [A, B, "+61400000003"], "from": "Acme", "body": "Hi ${name}",
            "parameters": {"name": {A: "Ann", B: "Zoë " + "x" * 70}},
        },
    )  # fmt: skip
    result = response.json()
    assert result["number_of_recipients"] == 3
    assert result["number_of_messages"] == 1 + 2
    assert [(r["recipient"], r["body"], r["encoding"]) for r in result["per_recipient"]] == [
        (A, "Hi Ann", "GSM"),
        (B, "Hi Zoë " + "x" * 70, "UNICODE"),
    ]


def test_per_recipient_is_optional_and_limited(api: SinchApi) -> None:
    numbers = [f"+614000000{n:02d}" for n in range(10, 15)]
    without = api.request(
        "POST", "/batches/dry_run", json={"to": numbers, "from": "Acme", "body": "x"}
    ).json()
    assert "per_recipient" not in without
    assert (without["number_of_recipients"], without["number_of_messages"]) == (5, 5)
    limited = dry_run(api, "x", to=numbers, number_of_recipients="2")
    assert len(limited["per_recipient"]) == 2
    too_many = api.request(
        "POST", "/batches/dry_run", params={"number_of_recipients": "1001"},
        json={"to": [A], "from": "Acme", "body": "x"},
    )  # fmt: skip
    assert (too_many.status_code, too_many.json()["code"]) == (400, "syntax_constraint_violation")


def test_dry_run_sends_nothing_and_is_validated(api: SinchApi) -> None:
    dry_run(api, "nothing")
    assert api.request("GET", "/batches").json()["count"] == 0
    bad = api.request("POST", "/batches/dry_run", json={"to": ["12"], "body": "x"})
    assert (bad.status_code, bad.json()["code"]) == (400, "syntax_invalid_parameter_format")
