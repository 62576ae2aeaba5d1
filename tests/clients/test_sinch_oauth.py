"""Sinch OAuth2: the token cache and refresh of SinchOAuth2Auth, and the client's project (OAuth2) flavour."""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any

import pytest
import requests
import requests_mock

from airflow_provider_sms.clients.sinch import DEFAULT_AUTH_URL, SinchOAuth2Auth, decode_oauth_error
from airflow_provider_sms.exceptions import SmsAuthenticationError, SmsServerError, SmsTransportError

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

# -- SinchOAuth2Auth: token cache and refresh ----------------------------------------------------------------

BASIC = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_auth(sleeps: list[float], **overrides: Any) -> SinchOAuth2Auth:
    settings: dict[str, Any] = {
        "key_id": KEY_ID,
        "key_secret": KEY_SECRET,
        "sleep": sleeps.append,
        "jitter": lambda: 0.5,
    }
    settings.update(overrides)
    return SinchOAuth2Auth(**settings)


def token_responses(*tokens: str, expires_in: Any = 3599) -> list[dict[str, Any]]:
    return [
        {"json": {"access_token": t, "expires_in": expires_in, "scope": "", "token_type": "bearer"}}
        for t in tokens
    ]


def unauthorized(sent_token: str, challenge: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 401
    if challenge is not None:
        response.headers["WWW-Authenticate"] = challenge
    response.request = requests.Request(
        "GET", "https://x.test", headers={"Authorization": f"Bearer {sent_token}"}
    ).prepare()
    return response


def test_token_request_is_basic_auth_and_client_credentials_form(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(DEFAULT_AUTH_URL, token_responses("tok-A"))
    assert make_auth(sleeps).auth_headers() == {"Authorization": "Bearer tok-A"}
    sent = http.last_request
    assert sent.headers["Authorization"] == BASIC
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.text == "grant_type=client_credentials"


def test_custom_auth_url_is_used(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post("http://127.0.0.1:8099/oauth2/token", token_responses("tok-A"))
    assert make_auth(sleeps, auth_url="http://127.0.0.1:8099/oauth2/token").access_token() == "tok-A"


def test_token_is_cached_across_requests(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    token_call = http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B"))
    auth = make_auth(sleeps)
    assert {auth.auth_headers()["Authorization"] for _ in range(50)} == {"Bearer tok-A"}
    assert token_call.call_count == 1


def test_token_is_refreshed_a_margin_before_expiry(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    token_call = http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B", expires_in=3600))
    clock = FakeClock()
    auth = make_auth(sleeps, clock=clock)
    assert auth.access_token() == "tok-A"
    clock.now += 3600 - 60 - 1
    assert auth.access_token() == "tok-A"
    clock.now += 2
    assert auth.access_token() == "tok-B"
    assert token_call.call_count == 2


@pytest.mark.parametrize("expires_in", [None, "abc", -5, True])
def test_unreadable_expires_in_falls_back_to_one_hour(
    http: requests_mock.Mocker, sleeps: list[float], expires_in: Any
) -> None:
    http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B", expires_in=expires_in))
    clock = FakeClock()
    auth = make_auth(sleeps, clock=clock)
    auth.access_token()
    clock.now += 3500
    assert auth.access_token() == "tok-A"
    clock.now += 100
    assert auth.access_token() == "tok-B"


def test_short_lived_token_is_not_refetched_on_every_call(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    token_call = http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B", expires_in="30"))
    clock = FakeClock()
    auth = make_auth(sleeps, clock=clock)
    auth.access_token()
    clock.now += 10
    assert auth.access_token() == "tok-A"
    assert token_call.call_count == 1


def test_single_flight_under_twenty_threads(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    def slow_token(request: Any, context: Any) -> dict[str, Any]:
        time.sleep(0.05)
        return {"access_token": "tok-A", "expires_in": 3599}

    token_call = http.post(DEFAULT_AUTH_URL, json=slow_token)
    auth = make_auth(sleeps)
    start = threading.Barrier(20)
    seen: list[str] = []

    def worker() -> None:
        start.wait()
        seen.append(auth.auth_headers()["Authorization"])

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert token_call.call_count == 1
    assert seen == ["Bearer tok-A"] * 20


def test_on_new_token_sees_every_fetched_token(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B"))
    registered: list[str] = []
    auth = make_auth(sleeps, on_new_token=registered.append)
    auth.access_token()
    auth.access_token()
    auth.invalidate()
    auth.access_token()
    assert registered == ["tok-A", "tok-B"]


def test_429_on_the_token_endpoint_is_retried_with_backoff(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(DEFAULT_AUTH_URL, [{"status_code": 429}, {"status_code": 429}, *token_responses("tok-A")])
    assert make_auth(sleeps).access_token() == "tok-A"
    assert sleeps == [0.25, 0.5]


def test_rejected_key_raises_authentication_error_without_the_secret(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(
        DEFAULT_AUTH_URL,
        status_code=401,
        json={"error": "invalid_client", "error_description": "bad credentials"},
    )
    with pytest.raises(SmsAuthenticationError) as caught:
        make_auth(sleeps).access_token()
    assert (caught.value.code, caught.value.text) == ("invalid_client", "bad credentials")
    assert KEY_SECRET not in str(caught.value)
    assert http.call_count == 1


def test_token_response_without_access_token_is_an_error(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.post(DEFAULT_AUTH_URL, json={"expires_in": 3599})
    with pytest.raises(SmsTransportError, match="no access_token"):
        make_auth(sleeps).access_token()


@pytest.mark.parametrize(
    "challenge",
    [
        'Bearer error="invalid_token", error_description="Jwt expired at 2026-01-01T00:00:00Z"',
        "Bearer error_description=EXPIRED",
    ],
)
def test_expired_challenge_drops_the_token_and_asks_for_a_replay(
    http: requests_mock.Mocker, sleeps: list[float], challenge: str
) -> None:
    http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B"))
    auth = make_auth(sleeps)
    auth.access_token()
    assert auth.handle_unauthorized(unauthorized("tok-A", challenge)) is True
    assert auth.access_token() == "tok-B"


@pytest.mark.parametrize("challenge", [None, 'Bearer error="invalid_token"'])
def test_401_that_is_not_an_expiry_is_not_replayed(
    http: requests_mock.Mocker, sleeps: list[float], challenge: str | None
) -> None:
    token_call = http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B"))
    auth = make_auth(sleeps)
    auth.access_token()
    assert auth.handle_unauthorized(unauthorized("tok-A", challenge)) is False
    assert auth.access_token() == "tok-A"
    assert token_call.call_count == 1


def test_late_expiry_of_an_old_token_keeps_the_newer_one(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    token_call = http.post(DEFAULT_AUTH_URL, token_responses("tok-A", "tok-B", "tok-C"))
    auth = make_auth(sleeps)
    auth.access_token()
    assert auth.handle_unauthorized(unauthorized("tok-A", "expired")) is True
    assert auth.access_token() == "tok-B"
    assert auth.handle_unauthorized(unauthorized("tok-A", "expired")) is True
    assert auth.access_token() == "tok-B"
    assert token_call.call_count == 2


def test_repr_and_logs_hide_secret_and_token(
    http: requests_mock.Mocker, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    http.post(DEFAULT_AUTH_URL, token_responses("tok-SECRET-A"))
    auth = make_auth(sleeps)
    with caplog.at_level(logging.DEBUG):
        auth.access_token()
    for secret in (KEY_SECRET, "tok-SECRET-A", BASIC):
        assert secret not in repr(auth)
        assert secret not in caplog.text
    assert KEY_ID in repr(auth)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": "invalid_client", "error_description": "nope"}, ("invalid_client", "nope", ())),
        ({"error": {"code": 401, "message": "bad"}}, (401, "bad", ())),
        ({"message": "odd"}, (None, "odd", ())),
        (None, (None, None, ())),
        (["x"], (None, None, ())),
    ],
)
def test_decode_oauth_error_shapes(body: Any, expected: tuple[Any, Any, tuple[str, ...]]) -> None:
    assert decode_oauth_error(body) == expected


# -- SinchClient, project (OAuth2) flavour -------------------------------------------------------------------

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
