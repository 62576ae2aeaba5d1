"""FoneDynamicsHook and its connection: settings read once, errors naming connection fields, auth, masking.

Every settings rule is tested on ``FoneDynamicsSettings`` (``tests/clients``); here, that the hook reads
each connection field into the right setting and names the connection's own field in each error.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests_mock

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient, FoneDynamicsSettings
from airflow_provider_sms.exceptions import SmsValidationError
from airflow_provider_sms.hooks._form import FONEDYNAMICS_FORM
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from tests.hooks.conftest import FD_ACCOUNT, FD_PROPERTY, FD_TOKEN, SetConnection

API = "https://api.fonedynamics.com/v2"
MESSAGES = f"{API}/Properties/{FD_PROPERTY}/Messages"
MESSAGE = {"MessageSid": "MS01", "To": "+61400000002", "From": "+61400000001", "Text": "Hi"}


# -- reading the connection ---------------------------------------------------------------------------------


@pytest.fixture
def read(set_connection: SetConnection) -> Callable[..., FoneDynamicsSettings]:
    """Return a function that defines the ``fd`` connection and returns the settings the hook reads."""

    def settings(extra: dict[str, Any] | None = None, **fields: Any) -> FoneDynamicsSettings:
        values = {"login": FD_ACCOUNT, "password": FD_TOKEN, **fields}
        conn_id = set_connection("fd", "fonedynamics", extra=extra or {}, **values)
        return FoneDynamicsHook(sms_conn_id=conn_id).settings

    return settings


def problems(read: Callable[..., FoneDynamicsSettings], extra: Any = None, **fields: Any) -> list[str]:
    with pytest.raises(SmsValidationError) as raised:
        read(extra, **fields)
    assert str(raised.value).startswith("Invalid Fone Dynamics connection 'fd', nothing was sent: ")
    assert FD_TOKEN not in str(raised.value)
    return [str(problem) for problem in raised.value.problems]


def test_full_connection_is_read(read: Callable[..., FoneDynamicsSettings]) -> None:
    extra = {"property_sid": "PR1", "default_from": "Acme", "timeout": 5, "max_retries": 0}

    settings = read(extra, host="http://127.0.0.1:9090")

    assert (settings.account_sid, settings.token, settings.property_sid) == (FD_ACCOUNT, FD_TOKEN, "PR1")
    assert (settings.base_url, settings.default_from, settings.timeout, settings.max_retries) == (
        "http://127.0.0.1:9090",
        "Acme",
        5.0,
        0,
    )


def test_minimal_connection_gets_defaults(read: Callable[..., FoneDynamicsSettings]) -> None:
    settings = read()

    assert (settings.property_sid, settings.base_url, settings.timeout, settings.max_retries) == (
        None,
        None,
        30.0,
        3,
    )


@pytest.mark.parametrize(
    ("extra", "fields", "expected"),
    [
        (
            {},
            {"login": "", "password": ""},
            ["login=(empty): the account SID is required", "password=(empty): the account token is required"],
        ),
        (
            {"property_sid": "PR 1"},
            {"login": "AC?1"},
            [
                "login='AC?1': must not contain '/', '?', '#', '%' or whitespace",
                "extra.property_sid='PR 1': must not contain '/', '?', '#', '%' or whitespace",
            ],
        ),
        (
            {},
            {"host": "api.fonedynamics.com"},
            ["host='api.fonedynamics.com': must be an absolute http:// or https:// URL"],
        ),
        ({"timeout": 0}, {}, ["extra.timeout=0: must be a number of seconds greater than 0 and at most 300"]),
    ],
)
def test_each_rule_names_the_connection_field_its_value_and_the_rule(
    read: Callable[..., FoneDynamicsSettings],
    extra: dict[str, Any],
    fields: dict[str, Any],
    expected: list[str],
) -> None:
    assert problems(read, extra, **fields) == expected


def test_default_from_rejects_a_short_code(read: Callable[..., FoneDynamicsSettings]) -> None:
    (problem,) = problems(read, {"default_from": "12345"})

    assert problem.startswith("extra.default_from=***45: a numeric sender id must be an E.164 number")


def test_bad_connection_fails_naming_connection_and_every_field(set_connection: SetConnection) -> None:
    conn_id = set_connection(
        "fone_bad", "fonedynamics", password=FD_TOKEN, extra={"property_sid": "PR/1", "max_retries": -1}
    )

    with pytest.raises(SmsValidationError) as raised:
        FoneDynamicsHook(sms_conn_id=conn_id).get_conn()

    message = str(raised.value)
    assert message.startswith("Invalid Fone Dynamics connection 'fone_bad'")
    assert "login=(empty): the account SID is required" in message
    assert "extra.property_sid='PR/1'" in message
    assert "extra.max_retries=-1: must be a whole number from 0 to 10" in message
    assert FD_TOKEN not in message


def test_every_settings_field_is_named_after_a_field_of_the_connection_form() -> None:
    hook = FoneDynamicsHook(sms_conn_id="unused")
    form_fields = {f"extra.{f.name}" for f in FONEDYNAMICS_FORM.fields} | {"login", "password", "host"}

    for settings_field in dataclasses.fields(FoneDynamicsSettings):
        assert hook._connection_field(settings_field.name) in form_fields, settings_field.name


def test_connection_of_another_type_is_refused(set_connection: SetConnection) -> None:
    conn_id = set_connection("sinch_as_fone", "sinch", login="plan", password=FD_TOKEN)

    with pytest.raises(SmsValidationError, match=r"conn_type='sinch': FoneDynamicsHook needs 'fonedynamics'"):
        FoneDynamicsHook(sms_conn_id=conn_id).get_conn()


def test_settings_repr_hides_the_token(read: Callable[..., FoneDynamicsSettings]) -> None:
    assert FD_TOKEN not in repr(read())


# -- the client, authentication and masking -----------------------------------------------------------------


def test_connection_builds_a_client_with_basic_auth(
    fonedynamics_conn: str, http: requests_mock.Mocker
) -> None:
    http.get(f"{API}/Messages/MS01", json={"Message": MESSAGE})
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)

    message = hook.get_message("MS01")

    assert isinstance(hook.get_conn(), FoneDynamicsClient)
    assert hook.get_conn() is hook.get_conn()
    assert message.message_sid == "MS01"
    expected = "Basic " + base64.b64encode(f"{FD_ACCOUNT}:{FD_TOKEN}".encode()).decode()
    assert http.last_request.headers["Authorization"] == expected


def test_default_connection_id_and_default_sender(set_connection: SetConnection) -> None:
    set_connection(
        "fonedynamics_default",
        "fonedynamics",
        login=FD_ACCOUNT,
        password=FD_TOKEN,
        extra={"default_from": "Acme"},
    )

    hook = FoneDynamicsHook()

    assert hook.sms_conn_id == "fonedynamics_default"
    assert hook.default_from == "Acme"


def test_base_url_override_is_used(set_connection: SetConnection, http: requests_mock.Mocker) -> None:
    conn_id = set_connection(
        "fone_sandbox",
        "fonedynamics",
        login=FD_ACCOUNT,
        password=FD_TOKEN,
        host="http://127.0.0.1:9090",
        extra={"property_sid": FD_PROPERTY},
    )
    http.post(f"http://127.0.0.1:9090/v2/Properties/{FD_PROPERTY}/Messages", json={"Message": MESSAGE})

    FoneDynamicsHook(sms_conn_id=conn_id).send_message(to="+61400000002", from_="+61400000001", text="Hi")

    assert http.last_request.json()["To"] == "+61400000002"


def test_token_is_masked_when_the_client_is_built(fonedynamics_conn: str, mask_calls: list[object]) -> None:
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)
    assert mask_calls == []

    hook.get_conn()

    assert mask_calls == [FD_TOKEN]


def test_no_secret_in_repr_or_logs(
    fonedynamics_conn: str, http: requests_mock.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    http.get(MESSAGES, json=[])
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)

    with caplog.at_level(logging.DEBUG):
        hook.test_connection()

    assert repr(hook) == "FoneDynamicsHook(sms_conn_id='fone')"
    for text in (repr(hook), repr(hook.settings), repr(hook.get_conn()), caplog.text):
        assert FD_TOKEN not in text


# -- the connection test ------------------------------------------------------------------------------------


def test_test_connection_lists_the_last_hour_once(fonedynamics_conn: str, http: requests_mock.Mocker) -> None:
    http.get(MESSAGES, json=[])
    before = int(time.time())

    ok, message = FoneDynamicsHook(sms_conn_id=fonedynamics_conn).test_connection()

    assert ok is True
    assert message == f"Fone Dynamics connection works: listed messages of property {FD_PROPERTY}"
    assert len(http.request_history) == 1
    request = http.last_request
    assert request.method == "GET"
    query = {
        key.lower(): int(value[0])
        for key, value in request.qs.items()
        if key.lower().startswith(("date", "results_c"))
    }
    assert query["results_count"] == 1
    assert query["date_to"] - query["date_from"] == 3600
    assert before <= query["date_to"] <= int(time.time())


def test_test_connection_reports_rejected_credentials(
    fonedynamics_conn: str, http: requests_mock.Mocker
) -> None:
    http.get(
        MESSAGES, status_code=401, json={"ResponseStatus": {"ErrorCode": "UNAUTHORIZED", "Message": "Bad"}}
    )

    ok, message = FoneDynamicsHook(sms_conn_id=fonedynamics_conn).test_connection()

    assert ok is False
    assert message.startswith("Fone Dynamics connection test failed: Fone Dynamics API returned HTTP 401")
    assert FD_TOKEN not in message
    assert len(http.request_history) == 1


def test_test_connection_reports_a_bad_connection_without_a_request(
    set_connection: SetConnection, http: requests_mock.Mocker
) -> None:
    conn_id = set_connection("fone_nopass", "fonedynamics", login=FD_ACCOUNT)

    ok, message = FoneDynamicsHook(sms_conn_id=conn_id).test_connection()

    assert ok is False
    assert "password=(empty): the account token is required" in message
    assert http.request_history == []
