from __future__ import annotations

import base64
import logging

import pytest
import requests_mock

from airflow_provider_sms.exceptions import SmsAuthenticationError, SmsServerError

from .sinch_fixtures import (
    API_TOKEN,
    AUTH_URL,
    BATCH_ID,
    BATCH_RESPONSE,
    KEY_ID,
    KEY_SECRET,
    PROJECT,
    sinch,
    sinch_oauth,
)

EU = f"https://zt.eu.sms.api.sinch.com/xms/v1/{PROJECT}"
EXPIRED = 'Bearer error="invalid_token", error_description="Jwt expired at 2026-01-01T00:00:00Z"'


def tokens(*values: str) -> list[dict[str, object]]:
    return [{"json": {"access_token": v, "expires_in": 3599, "token_type": "bearer"}} for v in values]


def test_oauth2_uses_zt_host_project_path_and_fetched_token(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    token_call = http.post(AUTH_URL, tokens("access-A"))
    http.get(f"{EU}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    sinch_oauth(sleeps).get_batch(BATCH_ID)
    assert token_call.last_request.headers["Authorization"] == (
        "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    )
    assert token_call.last_request.text == "grant_type=client_credentials"
    assert http.last_request.headers["Authorization"] == "Bearer access-A"


def test_oauth2_us_host(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(AUTH_URL, tokens("access-A"))
    http.get(f"https://zt.us.sms.api.sinch.com/xms/v1/{PROJECT}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    sinch_oauth(sleeps, region="us").get_batch(BATCH_ID)
    assert http.call_count == 2


def test_auth_url_override(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    token_call = http.post("http://127.0.0.1:8080/oauth2/token", tokens("access-A"))
    http.get(f"http://127.0.0.1:8080/xms/v1/{PROJECT}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    client = sinch_oauth(
        sleeps, base_url="http://127.0.0.1:8080", auth_url="http://127.0.0.1:8080/oauth2/token"
    )
    client.get_batch(BATCH_ID)
    assert token_call.call_count == 1


def test_one_token_serves_many_requests(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    token_call = http.post(AUTH_URL, tokens("access-A", "access-B"))
    http.get(f"{EU}/batches/{BATCH_ID}", json=BATCH_RESPONSE)
    client = sinch_oauth(sleeps)
    for _ in range(10):
        client.get_batch(BATCH_ID)
    assert token_call.call_count == 1


def test_expired_401_refreshes_and_replays_a_send_once(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    token_call = http.post(AUTH_URL, tokens("access-A", "access-B"))
    send = http.post(
        f"{EU}/batches",
        [
            {"status_code": 401, "headers": {"WWW-Authenticate": EXPIRED}},
            {"status_code": 201, "json": BATCH_RESPONSE},
        ],
    )
    registered: list[str] = []
    batch = sinch_oauth(sleeps, on_new_token=registered.append).send_batch(to=["+15551256344"], body="hi")
    assert batch.id == BATCH_ID
    assert [r.headers["Authorization"] for r in send.request_history] == [
        "Bearer access-A",
        "Bearer access-B",
    ]
    assert token_call.call_count == 2
    assert registered == ["access-A", "access-B"]
    assert sleeps == []


def test_second_expired_401_is_raised_without_a_loop(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    token_call = http.post(AUTH_URL, tokens("access-A", "access-B", "access-C"))
    api = http.get(f"{EU}/batches/{BATCH_ID}", status_code=401, headers={"WWW-Authenticate": EXPIRED})
    with pytest.raises(SmsAuthenticationError):
        sinch_oauth(sleeps).get_batch(BATCH_ID)
    assert api.call_count == 2
    assert token_call.call_count == 2


def test_401_without_www_authenticate_is_raised_at_once(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    token_call = http.post(AUTH_URL, tokens("access-A", "access-B"))
    api = http.get(f"{EU}/batches/{BATCH_ID}", status_code=401, json={"code": "unauthorized", "text": "no"})
    with pytest.raises(SmsAuthenticationError) as caught:
        sinch_oauth(sleeps).get_batch(BATCH_ID)
    assert api.call_count == 1
    assert token_call.call_count == 1
    assert caught.value.status == 401


def test_no_secret_in_repr_errors_or_logs(
    http: requests_mock.Mocker, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    http.post(AUTH_URL, tokens("access-SECRET-A", "access-SECRET-B"))
    http.get(
        f"{EU}/batches/{BATCH_ID}",
        [
            {"status_code": 401, "headers": {"WWW-Authenticate": EXPIRED}},
            {"status_code": 503},
            {"status_code": 503},
            {"status_code": 503},
            {"status_code": 503},
        ],
    )
    oauth_client = sinch_oauth(sleeps)
    token_client = sinch(sleeps)
    with caplog.at_level(logging.DEBUG), pytest.raises(SmsServerError) as caught:
        oauth_client.get_batch(BATCH_ID)
    shown = " ".join(
        [repr(oauth_client), repr(oauth_client.transport), repr(token_client), str(caught.value)]
    )
    for secret in (KEY_SECRET, API_TOKEN, "access-SECRET-A", "access-SECRET-B"):
        assert secret not in shown
        assert secret not in caplog.text
    assert "HTTP 503" in caplog.text
