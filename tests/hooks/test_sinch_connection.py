"""Rules of a ``sinch`` connection: each with a passing and a failing case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk import Connection

from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks.sinch_connection import read_sinch_connection

TOKEN = "sinch-api-token-0001"


def sinch(extra: dict[str, Any] | str | None = None, **fields: Any) -> Connection:
    values: dict[str, Any] = {"login": "plan0001", "password": TOKEN, **fields}
    extra_text = extra if isinstance(extra, str) or extra is None else json.dumps(extra)
    return Connection(conn_id="sms", conn_type="sinch", extra=extra_text, **values)


def problems(connection: Connection) -> list[str]:
    with pytest.raises(SmsValidationError) as raised:
        read_sinch_connection(connection)
    assert str(raised.value).startswith("Invalid Sinch connection 'sms', nothing was sent: ")
    assert TOKEN not in str(raised.value)
    return [str(problem) for problem in raised.value.problems]


def test_minimal_connection_gets_defaults() -> None:
    settings = read_sinch_connection(sinch())

    assert (settings.region, settings.auth_type, settings.timeout, settings.max_retries) == (
        "us",
        "api_token",
        30.0,
        3,
    )
    assert (settings.base_url, settings.default_from, settings.project_id) == (None, None, None)


def test_empty_form_values_mean_defaults() -> None:
    extra = {"region": "", "auth_type": None, "project_id": "", "timeout": "", "max_retries": None}

    settings = read_sinch_connection(sinch(extra))

    assert (settings.region, settings.auth_type, settings.timeout, settings.max_retries) == (
        "us",
        "api_token",
        30.0,
        3,
    )


@pytest.mark.parametrize("region", ["us", "eu", "au", "br", "ca", "EU"])
def test_region_accepts_every_sinch_region(region: str) -> None:
    assert read_sinch_connection(sinch({"region": region})).region == region.lower()


def test_region_rejects_others() -> None:
    assert problems(sinch({"region": "mars"})) == ["extra.region='mars': must be one of us, eu, au, br, ca"]


def test_auth_type_rejects_others() -> None:
    assert problems(sinch({"auth_type": "basic"})) == [
        "extra.auth_type='basic': must be one of api_token, oauth2"
    ]


def test_login_and_password_are_required() -> None:
    assert problems(sinch(login=" ", password=None)) == [
        "login=(empty): the service plan ID is required",
        "password=(empty): the API token is required",
    ]


def test_service_plan_id_must_fit_in_a_url_path() -> None:
    assert problems(sinch(login="plan/../x")) == [
        "login='plan/../x': must not contain '/', '?', '#', '%' or whitespace"
    ]


def test_oauth_connection_reads_project_and_key() -> None:
    extra = {
        "auth_type": "oauth2",
        "region": "eu",
        "project_id": "proj1",
        "auth_url": "https://auth.example/t",
    }

    settings = read_sinch_connection(sinch(extra, login="key-id"))

    assert (settings.auth_type, settings.project_id, settings.login) == ("oauth2", "proj1", "key-id")
    assert settings.auth_url == "https://auth.example/t"


def test_oauth_needs_a_project_id_and_a_us_or_eu_region() -> None:
    assert problems(sinch({"auth_type": "oauth2", "region": "au"}, password="")) == [
        "password=(empty): the access key secret is required",
        "extra.project_id=(empty): the project ID is required when auth_type is oauth2",
        "extra.region='au': Sinch offers oauth2 only in regions us and eu; use auth_type api_token elsewhere",
    ]


def test_api_token_ignores_oauth_only_fields() -> None:
    settings = read_sinch_connection(sinch({"project_id": "proj1", "auth_url": "https://auth.example/t"}))

    assert (settings.project_id, settings.auth_url) == (None, None)


@pytest.mark.parametrize("host", ["http://127.0.0.1:8080", "https://proxy.example/sinch/"])
def test_host_accepts_an_absolute_http_url(host: str) -> None:
    assert read_sinch_connection(sinch(host=host)).base_url == host.rstrip("/")


def test_host_rejects_a_bare_name() -> None:
    assert problems(sinch(host="proxy.example")) == [
        "host='proxy.example': must be an absolute http:// or https:// URL"
    ]


def test_host_rejects_credentials_without_showing_them() -> None:
    assert problems(sinch(host="https://user:pa55word@proxy.example")) == [
        "host=(hidden): must not contain a user name or password"
    ]


def test_auth_url_rejects_other_schemes() -> None:
    extra = {"auth_type": "oauth2", "project_id": "p", "auth_url": "ftp://auth.example"}

    assert problems(sinch(extra)) == [
        "extra.auth_url='ftp://auth.example': must be an absolute http:// or https:// URL"
    ]


@pytest.mark.parametrize("sender", ["+61400000001", "12345", "Acme"])
def test_default_from_accepts_sinch_senders(sender: str) -> None:
    assert read_sinch_connection(sinch({"default_from": sender})).default_from == sender


def test_default_from_rejects_a_bad_number_masked() -> None:
    (problem,) = problems(sinch({"default_from": "+0612345678901"}))

    assert problem == "extra.default_from=+0612******901: a numeric sender id must be an E.164 number"


@pytest.mark.parametrize(("raw", "seconds"), [(10, 10.0), ("2.5", 2.5), (0.5, 0.5)])
def test_timeout_accepts_positive_seconds(raw: object, seconds: float) -> None:
    assert read_sinch_connection(sinch({"timeout": raw})).timeout == seconds


@pytest.mark.parametrize("raw", [0, -1, "soon", True, [5]])
def test_timeout_rejects_others(raw: object) -> None:
    assert problems(sinch({"timeout": raw})) == [
        f"extra.timeout={raw!r}: must be a number of seconds greater than 0"
    ]


@pytest.mark.parametrize(("raw", "count"), [(0, 0), ("5", 5), (2.0, 2)])
def test_max_retries_accepts_whole_numbers(raw: object, count: int) -> None:
    assert read_sinch_connection(sinch({"max_retries": raw})).max_retries == count


@pytest.mark.parametrize("raw", [-1, 1.5, "many"])
def test_max_retries_rejects_others(raw: object) -> None:
    assert problems(sinch({"max_retries": raw})) == [
        f"extra.max_retries={raw!r}: must be a whole number >= 0"
    ]


def test_extra_must_be_an_object() -> None:
    assert problems(sinch("[1, 2]")) == ["extra=<list>: must be a JSON object"]


def test_text_fields_must_be_text() -> None:
    assert problems(sinch({"default_from": 61400000001})) == ["extra.default_from=<int>: must be text"]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(sinch({"region": "xx", "timeout": 0, "max_retries": -2}, login=None))

    assert [problem.split("=")[0] for problem in found] == [
        "extra.region",
        "login",
        "extra.timeout",
        "extra.max_retries",
    ]


def test_settings_repr_hides_the_secret() -> None:
    assert TOKEN not in repr(read_sinch_connection(sinch()))
