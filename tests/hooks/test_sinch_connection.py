"""SinchHook and its connection: settings read once, errors naming connection fields, auth, masking.

Every settings rule is tested on ``SinchSettings`` (``tests/clients``); here, that the hook reads each
connection field into the right setting and names the connection's own field in each error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests_mock
from airflow.sdk import Connection

from airflow_provider_sms.clients.sinch import SinchClient, SinchSettings
from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks._form import SINCH_FORM
from airflow_provider_sms.hooks.sinch import SinchHook
from tests.hooks.conftest import (
    SINCH_KEY_ID,
    SINCH_KEY_SECRET,
    SINCH_PLAN,
    SINCH_PROJECT,
    SINCH_TOKEN,
    SetConnection,
)

EU_BATCHES = f"https://eu.sms.api.sinch.com/xms/v1/{SINCH_PLAN}/batches"
OAUTH_BATCHES = f"https://zt.us.sms.api.sinch.com/xms/v1/{SINCH_PROJECT}/batches"
TOKEN_URL = "https://auth.sinch.com/oauth2/token"
ACCESS_TOKEN = "oauth-access-token-0001"
BATCH = {"id": "01BATCH", "type": "mt_text", "to": ["61400000002"], "from": "Acme", "body": "Hi"}
EMPTY_PAGE = {"count": 0, "page": 0, "page_size": 1, "batches": []}


# -- reading the connection -------------------------------------------------------------------------------


@pytest.fixture
def read(set_connection: SetConnection) -> Callable[..., SinchSettings]:
    """Return a function that defines the ``sms`` connection and returns the settings the hook reads.

    An ``extra`` given as text is set on the hook's ``Connection`` as it is: Airflow 3.1 refuses to even
    define a connection whose ``extra`` is not a JSON object, so that case is built directly.
    """

    def settings(extra: dict[str, Any] | str | None = None, **fields: Any) -> SinchSettings:
        values = {"login": SINCH_PLAN, "password": SINCH_TOKEN, **fields}
        if isinstance(extra, str):
            hook = SinchHook(sms_conn_id="sms")
            hook._connection = Connection(conn_id="sms", conn_type="sinch", extra=extra, **values)
            return hook.settings
        conn_id = set_connection("sms", "sinch", extra=extra if extra is not None else {}, **values)
        return SinchHook(sms_conn_id=conn_id).settings

    return settings


def problems(read: Callable[..., SinchSettings], extra: Any = None, **fields: Any) -> list[str]:
    with pytest.raises(SmsValidationError) as raised:
        read(extra, **fields)
    assert str(raised.value).startswith("Invalid Sinch connection 'sms', nothing was sent: ")
    assert SINCH_TOKEN not in str(raised.value)
    return [str(problem) for problem in raised.value.problems]


def test_minimal_connection_gets_defaults(read: Callable[..., SinchSettings]) -> None:
    settings = read()

    assert (settings.region, settings.auth_type, settings.timeout, settings.max_retries) == (
        "us",
        "api_token",
        30.0,
        3,
    )
    assert (settings.base_url, settings.default_from, settings.project_id) == (None, None, None)
    assert (settings.service_plan_id, settings.api_token) == (SINCH_PLAN, SINCH_TOKEN)


def test_empty_form_values_mean_defaults(read: Callable[..., SinchSettings]) -> None:
    settings = read({"region": "", "auth_type": None, "project_id": "", "timeout": "", "max_retries": None})

    assert (settings.region, settings.auth_type, settings.timeout, settings.max_retries) == (
        "us",
        "api_token",
        30.0,
        3,
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        *[
            ({"region": region}, ("region", region.lower()))
            for region in ("us", "eu", "au", "br", "ca", "EU")
        ],
        ({"default_from": "+61400000001"}, ("default_from", "+61400000001")),
        ({"default_from": "12345"}, ("default_from", "12345")),
        ({"default_from": "Acme"}, ("default_from", "Acme")),
        ({"timeout": 10}, ("timeout", 10.0)),
        ({"timeout": "2.5"}, ("timeout", 2.5)),
        ({"timeout": 0.5}, ("timeout", 0.5)),
        ({"max_retries": 0}, ("max_retries", 0)),
        ({"max_retries": "5"}, ("max_retries", 5)),
        ({"max_retries": 2.0}, ("max_retries", 2)),
        ({"project_id": "proj1", "auth_url": "https://auth.example/t"}, ("project_id", None)),
    ],
)
def test_extra_values_are_read_and_normalised(
    read: Callable[..., SinchSettings], extra: dict[str, Any], expected: tuple[str, object]
) -> None:
    name, value = expected

    assert getattr(read(extra), name) == value


@pytest.mark.parametrize("host", ["http://127.0.0.1:8080", "https://proxy.example/sinch/"])
def test_host_accepts_an_absolute_http_url(read: Callable[..., SinchSettings], host: str) -> None:
    assert read(host=host).base_url == host.rstrip("/")


def test_oauth_connection_reads_project_and_key(read: Callable[..., SinchSettings]) -> None:
    extra = {
        "auth_type": "oauth2",
        "region": "eu",
        "project_id": "proj1",
        "auth_url": "https://auth.example/t",
    }

    settings = read(extra, login="key-id")

    assert (settings.auth_type, settings.project_id, settings.key_id) == ("oauth2", "proj1", "key-id")
    assert (settings.key_secret, settings.auth_url) == (SINCH_TOKEN, "https://auth.example/t")
    assert (settings.service_plan_id, settings.api_token) == (None, None)


@pytest.mark.parametrize(
    ("extra", "fields", "expected"),
    [
        ({"region": "mars"}, {}, ["extra.region='mars': must be one of us, eu, au, br, ca"]),
        ({"auth_type": "basic"}, {}, ["extra.auth_type='basic': must be one of api_token, oauth2"]),
        (
            {},
            {"login": " ", "password": None},
            ["login=(empty): the service plan ID is required", "password=(empty): the API token is required"],
        ),
        (
            {},
            {"login": "plan/../x"},
            ["login='plan/../x': must not contain '/', '?', '#', '%' or whitespace"],
        ),
        (
            {"auth_type": "oauth2", "region": "au"},
            {"password": ""},
            [
                "password=(empty): the access key secret is required",
                "extra.project_id=(empty): the project ID is required when auth_type is oauth2",
                "extra.region='au': Sinch offers oauth2 only in regions us and eu; "
                "use auth_type api_token elsewhere",
            ],
        ),
        (
            {"auth_type": "oauth2", "project_id": "p"},
            {"login": None},
            ["login=(empty): the access key ID is required"],
        ),
        (
            {},
            {"host": "proxy.example"},
            ["host='proxy.example': must be an absolute http:// or https:// URL"],
        ),
        (
            {},
            {"host": "https://user:pa55word@proxy.example"},
            ["host=(hidden): must not contain a user name or password"],
        ),
        (
            {"auth_type": "oauth2", "project_id": "p", "auth_url": "ftp://auth.example"},
            {},
            ["extra.auth_url='ftp://auth.example': must be an absolute http:// or https:// URL"],
        ),
        (
            {"default_from": "+0612345678901"},
            {},
            ["extra.default_from=+0612******901: a numeric sender id must be an E.164 number"],
        ),
        ({"default_from": 61400000001}, {}, ["extra.default_from=<int>: must be text"]),
        ("[1, 2]", {}, ["extra=<list>: must be a JSON object"]),
        *[
            (
                {"timeout": raw},
                {},
                [f"extra.timeout={raw!r}: must be a number of seconds greater than 0 and at most 300"],
            )
            for raw in (0, -1, "soon", True, [5])
        ],
        *[
            ({"max_retries": raw}, {}, [f"extra.max_retries={raw!r}: must be a whole number from 0 to 10"])
            for raw in (-1, 1.5, "many")
        ],
    ],
)
def test_each_rule_names_the_connection_field_its_value_and_the_rule(
    read: Callable[..., SinchSettings], extra: Any, fields: dict[str, Any], expected: list[str]
) -> None:
    assert problems(read, extra, **fields) == expected


def test_every_problem_is_reported_at_once(read: Callable[..., SinchSettings]) -> None:
    found = problems(read, {"region": "xx", "timeout": 0, "max_retries": -2}, login=None)

    assert [problem.split("=")[0] for problem in found] == [
        "extra.region",
        "login",
        "extra.timeout",
        "extra.max_retries",
    ]


def test_unknown_extra_keys_are_refused_with_every_other_problem(read: Callable[..., SinchSettings]) -> None:
    found = problems(read, {"regoin": "eu", "timeout": 0, "api_token": SINCH_TOKEN})

    assert [problem.split("=")[0] for problem in found] == [
        "extra.regoin",
        "extra.api_token",
        "extra.timeout",
    ]
    assert found[0].startswith(
        "extra.regoin=(hidden): is not a setting of a sinch connection; did you mean 'region'?"
    )
    assert (
        "known keys: region, auth_type, project_id, auth_url, default_from, has_default_originator"
        in found[0]
    )


def test_every_key_of_the_form_is_accepted(read: Callable[..., SinchSettings]) -> None:
    extra = {field.name: None for field in SINCH_FORM.fields}

    assert read(extra).region == "us"


@pytest.mark.parametrize(("given", "expected"), [(None, False), ("", False), (True, True), ("true", True)])
def test_has_default_originator_reads_booleans(
    read: Callable[..., SinchSettings], given: Any, expected: bool
) -> None:
    assert read({"has_default_originator": given}).has_default_originator is expected


def test_every_settings_field_is_named_after_a_field_of_the_connection_form() -> None:
    hook = SinchHook(sms_conn_id="unused")
    form_fields = {f"extra.{f.name}" for f in SINCH_FORM.fields} | {"login", "password", "host"}

    for settings_field in dataclasses.fields(SinchSettings):
        assert hook._connection_field(settings_field.name) in form_fields, settings_field.name


def test_connection_of_another_type_is_refused(set_connection: SetConnection) -> None:
    conn_id = set_connection("fone_as_sinch", "fonedynamics", login="AC1", password=SINCH_TOKEN)

    with pytest.raises(SmsValidationError, match=r"conn_type='fonedynamics': SinchHook needs 'sinch'"):
        SinchHook(sms_conn_id=conn_id).get_conn()


def test_settings_repr_hides_the_secret(read: Callable[..., SinchSettings]) -> None:
    assert SINCH_TOKEN not in repr(read())


# -- the client, authentication and masking ---------------------------------------------------------------


def test_api_token_connection_builds_a_regional_client(sinch_token_conn: str) -> None:
    hook = SinchHook(sms_conn_id=sinch_token_conn)

    client = hook.get_conn()

    assert isinstance(client, SinchClient)
    assert (client.region, client.auth_type, client.account_id) == ("eu", "api_token", SINCH_PLAN)
    assert hook.get_conn() is client


def test_default_connection_id_is_sinch_default(set_connection: SetConnection) -> None:
    set_connection("sinch_default", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN)

    hook = SinchHook()

    assert hook.sms_conn_id == "sinch_default"
    assert hook.settings.region == "us"


def test_api_token_requests_carry_the_bearer_token(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(EU_BATCHES, json=EMPTY_PAGE)

    SinchHook(sms_conn_id=sinch_token_conn).list_batches_page(page_size=1)

    assert http.last_request.headers["Authorization"] == f"Bearer {SINCH_TOKEN}"


def test_oauth_connection_fetches_a_token_and_uses_the_project_host(
    sinch_oauth_conn: str, http: requests_mock.Mocker, mask_calls: list[object]
) -> None:
    http.post(TOKEN_URL, json={"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "bearer"})
    http.get(OAUTH_BATCHES, json=EMPTY_PAGE)

    SinchHook(sms_conn_id=sinch_oauth_conn).list_batches_page(page_size=1)

    token_request, api_request = http.request_history
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert api_request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert mask_calls == [SINCH_KEY_SECRET, ACCESS_TOKEN]


def test_oauth_token_url_override_is_used(set_connection: SetConnection, http: requests_mock.Mocker) -> None:
    conn_id = set_connection(
        "sinch_oauth_custom",
        "sinch",
        login=SINCH_KEY_ID,
        password=SINCH_KEY_SECRET,
        host="http://127.0.0.1:8080/",
        extra={"auth_type": "oauth2", "project_id": SINCH_PROJECT, "auth_url": "http://127.0.0.1:8080/token"},
    )
    http.post("http://127.0.0.1:8080/token", json={"access_token": ACCESS_TOKEN, "expires_in": 3599})
    http.get(f"http://127.0.0.1:8080/xms/v1/{SINCH_PROJECT}/batches/01BATCH", json=BATCH)

    batch = SinchHook(sms_conn_id=conn_id).get_batch("01BATCH")

    assert batch.id == "01BATCH"


def test_api_token_secret_is_masked_when_the_client_is_built(
    sinch_token_conn: str, mask_calls: list[object]
) -> None:
    hook = SinchHook(sms_conn_id=sinch_token_conn)
    assert mask_calls == []

    hook.get_conn()

    assert mask_calls == [SINCH_TOKEN]


def test_no_secret_in_repr_or_logs(
    sinch_oauth_conn: str, http: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    http.post(TOKEN_URL, json={"access_token": ACCESS_TOKEN, "expires_in": 3599})
    http.get(OAUTH_BATCHES, json=EMPTY_PAGE)
    hook = SinchHook(sms_conn_id=sinch_oauth_conn)

    with caplog.at_level(logging.DEBUG):
        hook.test_connection()

    shown = [repr(hook), repr(hook.settings), repr(hook.get_conn()), caplog.text]
    assert "sinch_oauth" in shown[0]
    for secret in (SINCH_KEY_SECRET, ACCESS_TOKEN):
        assert all(secret not in text for text in shown)


# -- the connection test ----------------------------------------------------------------------------------


def test_test_connection_makes_one_harmless_read(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(EU_BATCHES, json=EMPTY_PAGE)

    ok, message = SinchHook(sms_conn_id=sinch_token_conn).test_connection()

    assert ok is True
    assert message == "Sinch connection works: listed batches in region eu"
    assert len(http.request_history) == 1
    assert http.last_request.method == "GET"
    assert http.last_request.qs["page_size"] == ["1"]


def test_test_connection_reports_rejected_credentials(
    sinch_token_conn: str, http: requests_mock.Mocker
) -> None:
    http.get(EU_BATCHES, status_code=401, json={"code": "unauthorized", "text": "Invalid token"})

    ok, message = SinchHook(sms_conn_id=sinch_token_conn).test_connection()

    assert ok is False
    assert message.startswith("Sinch connection test failed: Sinch API returned HTTP 401")
    assert SINCH_TOKEN not in message
    assert len(http.request_history) == 1


def test_test_connection_reports_a_bad_connection_without_a_request(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    conn_id = set_connection("sinch_nopass", "sinch", login=SINCH_PLAN)

    ok, message = SinchHook(sms_conn_id=conn_id).test_connection()

    assert ok is False
    assert "password=(empty): the API token is required" in message
    assert http.request_history == []
