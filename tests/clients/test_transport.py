from __future__ import annotations

import logging
from email.utils import formatdate
from typing import Any

import pytest
import requests
import requests_mock
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from airflow_provider_sms import __version__
from airflow_provider_sms.clients.auth import BearerTokenAuth
from airflow_provider_sms.clients.retry import RetryPolicy
from airflow_provider_sms.clients.transport import HttpTransport, failed_before_sending
from airflow_provider_sms.exceptions import (
    SmsAmbiguousResultError,
    SmsApiError,
    SmsAuthenticationError,
    SmsBadRequestError,
    SmsForbiddenError,
    SmsNotFoundError,
    SmsRateLimitError,
    SmsServerError,
    SmsTransportError,
)

BASE = "https://api.example.test"
URL = f"{BASE}/v1/things"
TOKEN = "tok-SECRET-0123456789"


def decode(body: Any) -> tuple[Any, Any, list[str]]:
    if isinstance(body, dict):
        return body.get("code"), body.get("text"), body.get("fields", [])
    return None, None, []


def make_transport(sleeps: list[float], **overrides: Any) -> HttpTransport:
    settings: dict[str, Any] = {
        "vendor": "Acme",
        "base_url": BASE,
        "auth": BearerTokenAuth(TOKEN),
        "decode_error": decode,
        "sleep": sleeps.append,
        "jitter": lambda: 0.5,
    }
    settings.update(overrides)
    return HttpTransport(**settings)


def connect_refused() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        MaxRetryError(None, "/v1/things", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    )


def connection_reset() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


class RefreshingAuth:
    def __init__(self) -> None:
        self.token = "first"
        self.refreshes = 0

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        self.refreshes += 1
        self.token = f"fresh-{self.refreshes}"
        return True


def test_request_sends_auth_user_agent_accept_and_timeouts(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, json={"ok": True})
    assert make_transport(sleeps, timeout=45.0).request_json("GET", "/v1/things", params={"page": 2}) == {
        "ok": True
    }
    sent = http.last_request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (
        sent.headers["User-Agent"]
        == f"airflow-provider-sms/{__version__} python-requests/{requests.__version__}"
    )
    assert sent.headers["Accept"] == "application/json"
    assert "Content-Type" not in sent.headers
    assert sent.qs == {"page": ["2"]}
    assert sent.timeout == (10.0, 45.0)


def test_json_body_is_sent_with_json_content_type(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(URL, status_code=201, json={"id": "1"})
    make_transport(sleeps).request("POST", "/v1/things", json={"to": ["+61488023555"]})
    assert http.last_request.headers["Content-Type"] == "application/json"
    assert http.last_request.json() == {"to": ["+61488023555"]}


def test_explicit_connect_and_read_timeouts_are_kept(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(URL, json={})
    make_transport(sleeps, timeout=(2.0, 9.0)).request("GET", "/v1/things")
    assert http.last_request.timeout == (2.0, 9.0)


def test_request_json_returns_none_for_an_empty_body(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(URL, status_code=202, text="")
    assert make_transport(sleeps).request_json("POST", "/v1/things", json={}) is None


def test_success_body_that_is_not_json_is_a_transport_error(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, text="<html>")
    with pytest.raises(SmsTransportError, match="not JSON"):
        make_transport(sleeps).request_json("GET", "/v1/things")


def test_429_without_retry_after_backs_off_with_jitter(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, [{"status_code": 429}, {"status_code": 429}, {"status_code": 200, "json": {}}])
    make_transport(sleeps).request("GET", "/v1/things")
    assert http.call_count == 3
    assert sleeps == [0.25, 0.5]


def test_429_retry_after_seconds_is_honoured(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(URL, [{"status_code": 429, "headers": {"Retry-After": "7"}}, {"status_code": 200, "json": {}}])
    make_transport(sleeps).request("GET", "/v1/things")
    assert sleeps == [7.0]


def test_429_retry_after_http_date_is_honoured(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    import time

    when = formatdate(time.time() + 120, usegmt=True)
    http.get(URL, [{"status_code": 429, "headers": {"Retry-After": when}}, {"status_code": 200, "json": {}}])
    make_transport(sleeps).request("GET", "/v1/things")
    assert len(sleeps) == 1
    assert 115.0 <= sleeps[0] <= 120.0


def test_429_retry_after_is_capped(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(
        URL, [{"status_code": 429, "headers": {"Retry-After": "86400"}}, {"status_code": 200, "json": {}}]
    )
    make_transport(sleeps, retry=RetryPolicy(max_retry_after=90.0)).request("GET", "/v1/things")
    assert sleeps == [90.0]


def test_5xx_streak_then_success_on_a_creating_post(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.post(
        URL,
        [
            {"status_code": 500},
            {"status_code": 503},
            {"status_code": 500},
            {"status_code": 201, "json": {"id": "b"}},
        ],
    )
    body = make_transport(sleeps).request_json("POST", "/v1/things", json={}, replayable=False)
    assert body == {"id": "b"}
    assert http.call_count == 4
    assert sleeps == [0.25, 0.5, 1.0]


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_a_creating_post_is_ambiguous_and_not_repeated(
    http: requests_mock.Mocker, sleeps: list[float], status: int
) -> None:
    http.post(URL, [{"status_code": status}, {"status_code": 201, "json": {}}])
    with pytest.raises(SmsAmbiguousResultError, match=f"HTTP {status} from a gateway"):
        make_transport(sleeps).request("POST", "/v1/things", json={}, replayable=False)
    assert http.call_count == 1


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_a_replayable_request_is_retried(
    http: requests_mock.Mocker, sleeps: list[float], status: int
) -> None:
    http.get(URL, [{"status_code": status}, {"status_code": 200, "json": {"ok": 1}}])
    assert make_transport(sleeps).request_json("GET", "/v1/things") == {"ok": 1}
    assert http.call_count == 2


def test_exhausted_5xx_raises_server_error_with_vendor_details(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, status_code=503, json={"code": "unavailable", "text": "try later", "fields": ["to"]})
    with pytest.raises(SmsServerError) as caught:
        make_transport(sleeps).request("GET", "/v1/things")
    error = caught.value
    assert http.call_count == 4
    assert (error.vendor, error.status, error.code, error.text, error.fields) == (
        "Acme",
        503,
        "unavailable",
        "try later",
        ("to",),
    )
    assert (error.method, error.path) == ("GET", "/v1/things")
    assert "unavailable: try later" in str(error)


def test_exhausted_429_raises_rate_limit_error_with_retry_after(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, status_code=429, headers={"Retry-After": "3"})
    with pytest.raises(SmsRateLimitError) as caught:
        make_transport(sleeps, retry=RetryPolicy(max_retries=1)).request("GET", "/v1/things")
    assert caught.value.retry_after == 3.0
    assert http.call_count == 2


def test_max_retries_zero_means_one_attempt(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(URL, status_code=500)
    with pytest.raises(SmsServerError):
        make_transport(sleeps, retry=RetryPolicy(max_retries=0)).request("GET", "/v1/things")
    assert http.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, SmsBadRequestError),
        (401, SmsAuthenticationError),
        (403, SmsForbiddenError),
        (404, SmsNotFoundError),
        (409, SmsApiError),
    ],
)
def test_other_4xx_are_never_retried(
    http: requests_mock.Mocker, sleeps: list[float], status: int, error_class: type[SmsApiError]
) -> None:
    http.get(URL, status_code=status, json={"code": "nope", "text": "bad"})
    with pytest.raises(error_class) as caught:
        make_transport(sleeps).request("GET", "/v1/things")
    assert type(caught.value) is error_class
    assert caught.value.code == "nope"
    assert http.call_count == 1
    assert sleeps == []


def test_error_body_that_is_not_json_still_raises_typed_error(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, status_code=404, text="Not Found")
    with pytest.raises(SmsNotFoundError) as caught:
        make_transport(sleeps).request("GET", "/v1/things")
    assert (caught.value.code, caught.value.text) == (None, None)


def test_error_decoder_that_fails_does_not_hide_the_status(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    def broken(body: Any) -> tuple[Any, Any, list[str]]:
        raise KeyError("code")

    http.get(URL, status_code=400, json={"odd": 1})
    with pytest.raises(SmsBadRequestError):
        make_transport(sleeps, decode_error=broken).request("GET", "/v1/things")


@pytest.mark.parametrize(
    "error", [requests.exceptions.ConnectTimeout("connect timed out"), connect_refused()]
)
def test_connect_error_then_success_is_retried_even_for_creating_posts(
    http: requests_mock.Mocker, sleeps: list[float], error: Exception
) -> None:
    http.post(URL, [{"exc": error}, {"status_code": 201, "json": {"id": "x"}}])
    assert make_transport(sleeps).request_json("POST", "/v1/things", json={}, replayable=False) == {"id": "x"}
    assert http.call_count == 2
    assert sleeps == [0.25]


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        connection_reset(),
        requests.exceptions.ChunkedEncodingError("truncated"),
    ],
)
def test_error_after_sending_a_creating_post_is_ambiguous_and_not_repeated(
    http: requests_mock.Mocker, sleeps: list[float], error: Exception
) -> None:
    http.post(URL, [{"exc": error}, {"status_code": 201, "json": {}}])
    with pytest.raises(SmsAmbiguousResultError, match="may or may not have taken effect"):
        make_transport(sleeps).request("POST", "/v1/things", json={}, replayable=False)
    assert http.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("error", [requests.exceptions.ReadTimeout("read timed out"), connection_reset()])
def test_error_after_sending_a_replayable_request_is_retried(
    http: requests_mock.Mocker, sleeps: list[float], error: Exception
) -> None:
    http.get(URL, [{"exc": error}, {"status_code": 200, "json": {"ok": 1}}])
    assert make_transport(sleeps).request_json("GET", "/v1/things") == {"ok": 1}
    assert http.call_count == 2


def test_network_errors_on_every_attempt_raise_transport_error(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, exc=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(SmsTransportError, match="after 4 attempts: ConnectTimeout") as caught:
        make_transport(sleeps).request("GET", "/v1/things")
    assert not isinstance(caught.value, SmsAmbiguousResultError)
    assert http.call_count == 4
    assert sleeps == [0.25, 0.5, 1.0]


def test_non_network_request_error_is_not_retried(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    http.get(URL, exc=requests.exceptions.InvalidHeader("bad header"))
    with pytest.raises(SmsTransportError, match="InvalidHeader"):
        make_transport(sleeps).request("GET", "/v1/things")
    assert http.call_count == 1


def test_failed_before_sending_classifies_errors() -> None:
    assert failed_before_sending(requests.exceptions.ConnectTimeout())
    assert failed_before_sending(connect_refused())
    assert not failed_before_sending(requests.exceptions.ReadTimeout())
    assert not failed_before_sending(connection_reset())
    assert not failed_before_sending(requests.exceptions.ConnectionError())


def test_401_with_refreshed_credentials_is_replayed_once(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    auth = RefreshingAuth()
    http.post(URL, [{"status_code": 401}, {"status_code": 201, "json": {"id": "1"}}])
    make_transport(sleeps, auth=auth).request("POST", "/v1/things", json={}, replayable=False)
    assert [r.headers["Authorization"] for r in http.request_history] == ["Bearer first", "Bearer fresh-1"]
    assert sleeps == []


def test_second_401_after_a_refresh_is_raised_without_a_loop(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    auth = RefreshingAuth()
    http.get(URL, status_code=401)
    with pytest.raises(SmsAuthenticationError):
        make_transport(sleeps, auth=auth).request("GET", "/v1/things")
    assert http.call_count == 2
    assert auth.refreshes == 1


def test_logs_show_method_path_status_but_no_secret_query_or_number(
    http: requests_mock.Mocker, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    path = "/v1/reports/%2B61488023555"
    http.get(BASE + path, [{"status_code": 503}, {"status_code": 200, "json": {}}])
    with caplog.at_level(logging.DEBUG):
        make_transport(sleeps).request("GET", path, params={"from": "+61499009990"}, json=None)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("airflow_provider_sms"))
    assert "GET /v1/reports/+6148****555" in ours
    assert "HTTP 503" in ours
    assert "retrying in 0.25s" in ours
    for hidden in ("61488023555", "61499009990", "Authorization"):
        assert hidden not in ours
    # urllib3/requests_mock log URLs at DEBUG themselves; no library ever sees the token in a URL.
    assert TOKEN not in caplog.text


def test_errors_mask_numbers_in_the_path(http: requests_mock.Mocker, sleeps: list[float]) -> None:
    path = "/v1/reports/%2B61488023555"
    http.get(BASE + path, status_code=404)
    with pytest.raises(SmsNotFoundError) as caught:
        make_transport(sleeps).request("GET", path)
    assert "61488023555" not in str(caught.value)
    assert caught.value.path == "/v1/reports/+6148****555"


def test_repr_hides_token_and_url_credentials(sleeps: list[float]) -> None:
    transport = make_transport(sleeps, base_url="https://user:pw-SECRET@proxy.example.test:8443/sms/")
    shown = repr(transport)
    assert "pw-SECRET" not in shown
    assert TOKEN not in shown
    assert "proxy.example.test:8443/sms" in shown


@pytest.mark.parametrize("base_url", ["ftp://host", "not a url", "https://"])
def test_base_url_must_be_http_with_a_host(sleeps: list[float], base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        make_transport(sleeps, base_url=base_url)


def test_default_session_has_a_pool_for_concurrent_use(sleeps: list[float]) -> None:
    transport = make_transport(sleeps)
    adapter = transport._session.get_adapter("https://api.example.test")
    assert adapter._pool_maxsize >= 16  # type: ignore[attr-defined]
