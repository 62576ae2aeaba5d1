"""SinchHook: connections from environment variables, delegation, test_connection and masking."""

from __future__ import annotations

import inspect
import logging

import pytest
import requests_mock

from airflow_provider_sms.clients.sinch import SinchClient
from airflow_provider_sms.exceptions import SmsAuthenticationError, SmsValidationError
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


def test_bad_connection_fails_naming_connection_and_field(set_connection: SetConnection) -> None:
    conn_id = set_connection(
        "sinch_bad", "sinch", login=SINCH_PLAN, password=SINCH_TOKEN, extra={"region": "mars"}
    )

    with pytest.raises(SmsValidationError) as raised:
        SinchHook(sms_conn_id=conn_id).get_conn()

    message = str(raised.value)
    assert "Sinch connection 'sinch_bad'" in message
    assert "extra.region='mars': must be one of us, eu, au, br, ca" in message
    assert SINCH_TOKEN not in message


def test_connection_of_another_type_is_refused(set_connection: SetConnection) -> None:
    conn_id = set_connection("fone_as_sinch", "fonedynamics", login="AC1", password=SINCH_TOKEN)

    with pytest.raises(SmsValidationError, match=r"conn_type='fonedynamics': SinchHook needs 'sinch'"):
        SinchHook(sms_conn_id=conn_id).get_conn()


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "http_method", "path", "response"),
    [
        ("send_batch", (), {"to": ["+61400000002"], "from_": "Acme", "body": "Hi"}, "POST", "", BATCH),
        ("dry_run", (), {"to": ["+61400000002"], "from_": "Acme", "body": "Hi"}, "POST", "/dry_run", {}),
        ("list_batches_page", (), {"page_size": 1}, "GET", "", EMPTY_PAGE),
        ("get_batch", ("01BATCH",), {}, "GET", "/01BATCH", BATCH),
        ("update_batch", ("01BATCH",), {"body": "New"}, "POST", "/01BATCH", BATCH),
        ("replace_batch", ("01BATCH",), {"to": ["+61400000002"], "body": "Hi"}, "PUT", "/01BATCH", BATCH),
        ("cancel_batch", ("01BATCH",), {}, "DELETE", "/01BATCH", BATCH),
        ("get_delivery_report", ("01BATCH",), {}, "GET", "/01BATCH/delivery_report", {"batch_id": "01BATCH"}),
    ],
)
def test_methods_make_the_client_request(
    sinch_token_conn: str,
    http: requests_mock.Mocker,
    method: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    http_method: str,
    path: str,
    response: dict[str, object],
) -> None:
    http.register_uri(http_method, EU_BATCHES + path, json=response)

    getattr(SinchHook(sms_conn_id=sinch_token_conn), method)(*args, **kwargs)

    assert [(r.method, r.url.split("?")[0]) for r in http.request_history] == [
        (http_method, EU_BATCHES + path)
    ]


def test_delivery_feedback_posts_the_recipients(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.post(EU_BATCHES + "/01BATCH/delivery_feedback", status_code=202)

    SinchHook(sms_conn_id=sinch_token_conn).send_delivery_feedback("01BATCH", ["+61400000002"])

    assert http.last_request.json() == {"recipients": ["+61400000002"]}


def test_hook_exposes_every_client_method_with_its_signature() -> None:
    client_methods = {
        name
        for name, member in inspect.getmembers(SinchClient, inspect.isfunction)
        if not name.startswith("_") and name != "close"
    }

    for name in client_methods:
        hook_signature = inspect.signature(getattr(SinchHook, name))
        assert hook_signature == inspect.signature(getattr(SinchClient, name)), name


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


def test_errors_propagate_from_delegated_methods(sinch_token_conn: str, http: requests_mock.Mocker) -> None:
    http.get(EU_BATCHES + "/01BATCH", status_code=401, json={"code": "unauthorized", "text": "no"})

    with pytest.raises(SmsAuthenticationError):
        SinchHook(sms_conn_id=sinch_token_conn).get_batch("01BATCH")


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
