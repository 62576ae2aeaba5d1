"""FoneDynamicsHook: connections from environment variables, delegation, test_connection and masking."""

from __future__ import annotations

import base64
import inspect
import logging
import time

import pytest
import requests_mock

from airflow_provider_sms.clients.fonedynamics import FoneDynamicsClient
from airflow_provider_sms.exceptions import SmsCapabilityError, SmsValidationError
from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
from tests.hooks.conftest import FD_ACCOUNT, FD_PROPERTY, FD_TOKEN, SetConnection

API = "https://api.fonedynamics.com/v2"
MESSAGES = f"{API}/Properties/{FD_PROPERTY}/Messages"
MESSAGE = {"MessageSid": "MS01", "To": "+61400000002", "From": "+61400000001", "Text": "Hi"}


def test_connection_builds_a_client_with_basic_auth(
    fonedynamics_conn: str, http: requests_mock.Mocker
) -> None:
    http.get(f"{API}/Messages/MS01", json={"Message": MESSAGE})
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)

    message = hook.get_message("MS01")

    assert isinstance(hook.get_conn(), FoneDynamicsClient)
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


def test_bad_connection_fails_naming_connection_and_fields(set_connection: SetConnection) -> None:
    conn_id = set_connection(
        "fone_bad", "fonedynamics", password=FD_TOKEN, extra={"property_sid": "PR/1", "max_retries": -1}
    )

    with pytest.raises(SmsValidationError) as raised:
        FoneDynamicsHook(sms_conn_id=conn_id).get_conn()

    message = str(raised.value)
    assert message.startswith("Invalid Fone Dynamics connection 'fone_bad'")
    assert "login=(empty): the account SID is required" in message
    assert "extra.property_sid='PR/1'" in message
    assert "extra.max_retries=-1: must be a whole number >= 0" in message
    assert FD_TOKEN not in message


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "http_method", "url", "response"),
    [
        ("send_message", (), {"to": "+61400000002", "text": "Hi"}, "POST", MESSAGES, {"Message": MESSAGE}),
        (
            "send_messages",
            ([{"to": "+61400000002", "text": "Hi"}],),
            {},
            "POST",
            MESSAGES[:-8] + "BatchMessages",
            [MESSAGE],
        ),
        ("get_message", ("MS01",), {}, "GET", f"{API}/Messages/MS01", {"Message": MESSAGE}),
        (
            "list_messages_page",
            (),
            {"date_from": 1_700_000_000, "date_to": 1_700_003_600},
            "GET",
            MESSAGES,
            [],
        ),
    ],
)
def test_methods_make_the_client_request(
    fonedynamics_conn: str,
    http: requests_mock.Mocker,
    method: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    http_method: str,
    url: str,
    response: object,
) -> None:
    http.register_uri(http_method, url, json=response)

    getattr(FoneDynamicsHook(sms_conn_id=fonedynamics_conn), method)(*args, **kwargs)

    assert [(r.method, r.url.split("?")[0]) for r in http.request_history] == [(http_method, url)]


def test_hook_exposes_every_client_method_with_its_signature() -> None:
    client_methods = {
        name
        for name, _ in inspect.getmembers(FoneDynamicsClient, inspect.isfunction)
        if not name.startswith("_") and name != "close"
    }

    assert client_methods == {
        "send_message",
        "send_messages",
        "get_message",
        "list_messages",
        "list_messages_page",
    }
    for name in client_methods:
        assert inspect.signature(getattr(FoneDynamicsHook, name)) == inspect.signature(
            getattr(FoneDynamicsClient, name)
        ), name


@pytest.mark.parametrize("capability", ["replace", "update", "cancel", "feedback"])
def test_missing_capabilities_fail_before_any_request(
    fonedynamics_conn: str, http: requests_mock.Mocker, capability: str
) -> None:
    hook = FoneDynamicsHook(sms_conn_id=fonedynamics_conn)

    with pytest.raises(SmsCapabilityError, match=r"^Fone Dynamics has no API to .*; no request was made$"):
        hook.require(capability)

    assert http.request_history == []


@pytest.mark.parametrize("capability", ["send", "dry_run", "delivery_reports"])
def test_offered_capabilities_pass(fonedynamics_conn: str, capability: str) -> None:
    FoneDynamicsHook(sms_conn_id=fonedynamics_conn).require(capability)


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
