from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sms.clients.settings import (
    check_base_url,
    check_timeout_and_retries,
    is_missing,
    require,
)


@pytest.mark.parametrize(
    ("value", "missing"), [(None, True), ("", True), ("  ", True), ("x", False), (0, False)]
)
def test_is_missing(value: Any, missing: bool) -> None:
    assert is_missing(value) is missing


def test_require_never_shows_the_value() -> None:
    assert require("token", "s3cret", "required") == []
    [problem] = require("token", " ", "required")
    assert (problem.field, problem.value, problem.rule) == ("token", "(missing)", "required")


@pytest.mark.parametrize("url", [None, "https://api.fonedynamics.com", "http://127.0.0.1:8080/prefix"])
def test_check_base_url_accepts_http_urls(url: str | None) -> None:
    assert check_base_url("base_url", url) == []


@pytest.mark.parametrize("url", ["api.fonedynamics.com", "ftp://host", "https://"])
def test_check_base_url_rejects_others(url: str) -> None:
    assert [p.field for p in check_base_url("base_url", url)] == ["base_url"]


def test_check_base_url_hides_credentials() -> None:
    [problem] = check_base_url("base_url", "ftp://user:pw-SECRET@host/x")
    assert "pw-SECRET" not in problem.value


@pytest.mark.parametrize(("timeout", "max_retries"), [(30.0, 3), (1, 0)])
def test_valid_timeout_and_retries(timeout: float, max_retries: int) -> None:
    assert check_timeout_and_retries(timeout, max_retries) == []


@pytest.mark.parametrize(
    ("timeout", "max_retries", "fields"),
    [
        (0, 3, ["timeout"]),
        (True, 3, ["timeout"]),
        (5, -1, ["max_retries"]),
        (-1, 2.5, ["timeout", "max_retries"]),
    ],
)
def test_invalid_timeout_and_retries(timeout: Any, max_retries: Any, fields: list[str]) -> None:
    assert [p.field for p in check_timeout_and_retries(timeout, max_retries)] == fields
