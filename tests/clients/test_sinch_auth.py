from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any

import pytest
import requests
import requests_mock

from airflow_provider_sms.clients.sinch_auth import DEFAULT_AUTH_URL, SinchOAuth2Auth, decode_oauth_error
from airflow_provider_sms.exceptions import SmsAuthenticationError, SmsTransportError

KEY_ID = "key-id-1"
KEY_SECRET = "key-SECRET-xyz"
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
