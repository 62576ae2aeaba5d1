"""Rules of a ``fonedynamics`` connection: each with a passing and a failing case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk import Connection

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.fonedynamics_connection import read_fonedynamics_connection

TOKEN = "fone-token-0001"


def fone(extra: dict[str, Any] | None = None, **fields: Any) -> Connection:
    values: dict[str, Any] = {"login": "AC0001", "password": TOKEN, **fields}
    return Connection(conn_id="fd", conn_type="fonedynamics", extra=json.dumps(extra or {}), **values)


def problems(connection: Connection) -> list[str]:
    with pytest.raises(SmsValidationError) as raised:
        read_fonedynamics_connection(connection)
    assert str(raised.value).startswith("Invalid Fone Dynamics connection 'fd', nothing was sent: ")
    assert TOKEN not in str(raised.value)
    return [str(problem) for problem in raised.value.problems]


def test_full_connection_is_read() -> None:
    extra = {"property_sid": "PR1", "default_from": "Acme", "timeout": 5, "max_retries": 0}

    settings = read_fonedynamics_connection(fone(extra, host="http://127.0.0.1:9090"))

    assert (settings.account_sid, settings.token, settings.property_sid) == ("AC0001", TOKEN, "PR1")
    assert (settings.base_url, settings.default_from, settings.timeout, settings.max_retries) == (
        "http://127.0.0.1:9090",
        "Acme",
        5.0,
        0,
    )


def test_minimal_connection_gets_defaults() -> None:
    settings = read_fonedynamics_connection(fone())

    assert (settings.property_sid, settings.base_url, settings.timeout, settings.max_retries) == (
        None,
        None,
        30.0,
        3,
    )


def test_account_sid_and_token_are_required() -> None:
    assert problems(fone(login="", password="")) == [
        "login=(empty): the account SID is required",
        "password=(empty): the account token is required",
    ]


def test_ids_must_fit_in_a_url_path() -> None:
    assert problems(fone({"property_sid": "PR 1"}, login="AC?1")) == [
        "login='AC?1': must not contain '/', '?', '#', '%' or whitespace",
        "extra.property_sid='PR 1': must not contain '/', '?', '#', '%' or whitespace",
    ]


def test_default_from_rejects_a_short_code() -> None:
    (problem,) = problems(fone({"default_from": "12345"}))

    assert problem.startswith("extra.default_from=***45: a numeric sender id must be an E.164 number")


def test_host_must_be_an_http_url() -> None:
    assert problems(fone(host="api.fonedynamics.com")) == [
        "host='api.fonedynamics.com': must be an absolute http:// or https:// URL"
    ]


def test_settings_repr_hides_the_token() -> None:
    assert TOKEN not in repr(read_fonedynamics_connection(fone()))
