"""The shared transport and its parts: retries, auth, redaction, paths, request models, responses, pages."""

from __future__ import annotations

import base64
import logging
import threading
import urllib.request
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests
import requests_mock
from pytest_mock import MockerFixture
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from airflow_provider_sms import __version__
from airflow_provider_sms.clients.transport import (
    POOL_MAXSIZE,
    BasicAuth,
    BearerTokenAuth,
    HttpTransport,
    RetryPolicy,
    build_request,
    failed_before_sending,
    is_last_page,
    parse_response,
    parse_retry_after,
    path_id,
    path_msisdn,
    pooled_session,
    redact_path,
)
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
    SmsValidationError,
)
from airflow_provider_sms.models.sinch import SinchBatch, SinchDeliveryFeedbackRequest

# -- HttpTransport -------------------------------------------------------------------------------------------

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


@pytest.mark.parametrize(
    ("body", "said"), [("", "an empty body"), ("  \n", "an empty body"), ('{"id": "01F', "not JSON")]
)
def test_an_empty_or_cut_short_success_to_a_creating_post_is_ambiguous_and_not_repeated(
    http: requests_mock.Mocker, sleeps: list[float], body: str, said: str
) -> None:
    http.post(URL, [{"status_code": 201, "text": body}, {"status_code": 201, "json": {"id": "2"}}])
    with pytest.raises(SmsAmbiguousResultError, match=f"{said}.*may or may not have taken effect"):
        make_transport(sleeps).request_json("POST", "/v1/things", json={}, replayable=False)
    assert http.call_count == 1


def test_a_success_body_that_proves_nothing_is_ambiguous_only_for_creating_requests() -> None:
    def needs_id(data: Any) -> SinchBatch:
        batch = SinchBatch.model_validate(data)
        if not batch.id:
            raise ValueError("no id")
        return batch

    with pytest.raises(SmsAmbiguousResultError, match=r"send_batch succeeded but .* may or may not have"):
        parse_response(needs_id, {}, vendor="Sinch", operation="send_batch", ambiguous=True)
    with pytest.raises(SmsTransportError) as raised:
        parse_response(needs_id, {}, vendor="Sinch", operation="get_batch")
    assert not isinstance(raised.value, SmsAmbiguousResultError)


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


def test_retry_waits_of_one_request_are_bounded_in_total(
    http: requests_mock.Mocker, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    http.get(URL, status_code=429, headers={"Retry-After": "100"})
    retry = RetryPolicy(max_retries=3, max_total_wait=250.0)
    with caplog.at_level(logging.WARNING), pytest.raises(SmsRateLimitError) as caught:
        make_transport(sleeps, retry=retry).request("GET", "/v1/things")
    assert sleeps == [100.0, 100.0]
    assert http.call_count == 3
    assert caught.value.retry_after == 100.0
    assert "not retried, the next wait would pass the 250s a request may wait in total" in caplog.text


def test_a_retry_after_longer_than_the_budget_is_not_waited_for(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, status_code=503, headers={"Retry-After": "300"})
    with pytest.raises(SmsServerError):
        make_transport(sleeps).request("GET", "/v1/things")
    assert (sleeps, http.call_count) == ([], 1)


def test_network_error_backoffs_count_against_the_same_budget(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, exc=connect_refused())
    retry = RetryPolicy(max_retries=10, backoff_base=4.0, backoff_max=4.0, max_total_wait=10.0)
    with pytest.raises(SmsTransportError, match="failed after 3 attempts"):
        make_transport(sleeps, retry=retry, jitter=lambda: 1.0).request("GET", "/v1/things")
    assert sleeps == [4.0, 4.0]


def test_worst_case_wait_of_the_defaults_is_the_budget(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    http.get(URL, status_code=429, headers={"Retry-After": "40"})
    with pytest.raises(SmsRateLimitError):
        make_transport(sleeps).request("GET", "/v1/things")
    assert sleeps == [40.0, 40.0, 40.0]
    assert sum(sleeps) <= RetryPolicy().max_total_wait == 120.0


def test_vendor_error_text_that_echoes_numbers_is_masked(
    http: requests_mock.Mocker, sleeps: list[float]
) -> None:
    body = {"code": "blocked 61488023555", "text": "Recipient +61488023555 is blocked", "fields": ["to"]}
    http.post(URL, status_code=400, json=body)
    with pytest.raises(SmsBadRequestError) as caught:
        make_transport(sleeps).request("POST", "/v1/things", json={})
    shown = str(caught.value)
    assert "61488023555" not in shown
    assert caught.value.text == "Recipient +6148****555 is blocked"
    assert caught.value.code == "blocked 61488***555"


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


# -- retries -------------------------------------------------------------------------------------------------

NOW = 1_700_000_000.0


def test_defaults_match_the_documented_policy() -> None:
    policy = RetryPolicy()
    assert (
        policy.max_retries,
        policy.backoff_base,
        policy.backoff_max,
        policy.max_retry_after,
        policy.max_total_wait,
    ) == (3, 0.5, 30.0, 300.0, 120.0)


@pytest.mark.parametrize(
    ("attempt", "retry_after", "waited", "expected"),
    [
        (1, 10.0, 0.0, 10.0),
        (1, 10.0, 110.0, 10.0),
        (1, 10.0, 110.5, None),
        (4, None, 0.0, None),
        (2, None, 119.0, 1.0),
        (2, None, 119.5, None),
    ],
)
def test_next_wait_stops_at_the_retries_or_the_budget(
    attempt: int, retry_after: float | None, waited: float, expected: float | None
) -> None:
    assert RetryPolicy().next_wait(attempt, retry_after, waited, lambda: 1.0) == expected


@pytest.mark.parametrize(("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (10, 30.0)])
def test_backoff_doubles_up_to_the_maximum(attempt: int, expected: float) -> None:
    assert RetryPolicy().backoff(attempt, lambda: 1.0) == expected


def test_backoff_is_full_jitter() -> None:
    assert RetryPolicy().backoff(3, lambda: 0.0) == 0.0
    assert RetryPolicy().backoff(3, lambda: 0.25) == 0.5


def test_delay_prefers_the_server_hint_and_caps_it() -> None:
    policy = RetryPolicy(max_retry_after=60.0)
    assert policy.delay(1, 12.0, lambda: 1.0) == 12.0
    assert policy.delay(1, 3600.0, lambda: 1.0) == 60.0
    assert policy.delay(2, None, lambda: 1.0) == 1.0


@pytest.mark.parametrize(
    "field", ["max_retries", "backoff_base", "backoff_max", "max_retry_after", "max_total_wait"]
)
def test_negative_settings_are_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=r"negative|0 or more"):
        RetryPolicy(**{field: -1})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Tue, 14 Nov 2023 22:15:20 GMT", 120.0),
        ("Tue, 14 Nov 2023 22:10:00 GMT", 0.0),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(header: str, expected: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(expected)


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "Tue, 14 Nov 2023 22:15:20"])
def test_parse_retry_after_ignores_what_it_cannot_read(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None


# -- static credentials --------------------------------------------------------------------------------------


def test_basic_auth_header_encodes_user_and_password() -> None:
    header = BasicAuth("AC123", "s3cret-token").auth_headers()["Authorization"]
    assert header == "Basic " + base64.b64encode(b"AC123:s3cret-token").decode()


def test_bearer_auth_header_carries_the_token() -> None:
    assert BearerTokenAuth("tok-123").auth_headers() == {"Authorization": "Bearer tok-123"}


def test_static_credentials_never_ask_for_a_replay() -> None:
    response = requests.Response()
    response.status_code = 401
    assert BasicAuth("a", "b").handle_unauthorized(response) is False
    assert BearerTokenAuth("t").handle_unauthorized(response) is False


def test_repr_hides_secrets() -> None:
    assert "s3cret-token" not in repr(BasicAuth("AC123", "s3cret-token"))
    assert "AC123" in repr(BasicAuth("AC123", "s3cret-token"))
    assert "tok-123" not in repr(BearerTokenAuth("tok-123"))


# -- redaction of phone numbers in paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/xms/v1/plan/batches/01FC/delivery_report/%2B61488023555",
            "/xms/v1/plan/batches/01FC/delivery_report/+6148****555",
        ),
        (
            "/xms/v1/plan/batches/01FC/delivery_report/61488023555",
            "/xms/v1/plan/batches/01FC/delivery_report/61488***555",
        ),
        ("/v2/Messages/MGTBUEHNLFOOHNSIOCSAQRRUKLMEZSLE", "/v2/Messages/MGTBUEHNLFOOHNSIOCSAQRRUKLMEZSLE"),
        ("/xms/v1/plan/batches", "/xms/v1/plan/batches"),
    ],
)
def test_phone_numbers_in_paths_are_masked(path: str, expected: str) -> None:
    assert redact_path(path) == expected


# -- ids in URL paths ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("01FC66621XXXXX119Z8PMV1QPQ", "01FC66621XXXXX119Z8PMV1QPQ"), ("a/b c", "a%2Fb%20c"), ("a.b", "a.b")],
)
def test_path_id_quotes_a_valid_id_into_one_segment(value: str, expected: str) -> None:
    assert path_id("batch_id", value, subject="test") == expected


@pytest.mark.parametrize(
    ("value", "shown"), [("", "''"), (" ", "' '"), (".", "'.'"), ("..", "'..'"), (7, "<int>")]
)
def test_path_id_rejects_blank_dot_and_non_strings(value: Any, shown: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        path_id("batch_id", value, subject="Sinch get_batch")
    problem = caught.value.problems[0]
    assert (problem.field, problem.value) == ("batch_id", shown)
    assert caught.value.subject == "Sinch get_batch"


def test_path_msisdn_quotes_the_plus() -> None:
    assert path_msisdn("recipient", "+61488023555", subject="test") == "%2B61488023555"


@pytest.mark.parametrize("value", ["61488023555", "+6148802355x", None])
def test_path_msisdn_rejects_non_e164_and_masks_it(value: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        path_msisdn("recipient", value, subject="test")
    assert caught.value.problems[0].field == "recipient"
    assert "88023" not in str(caught.value)


# -- request models ------------------------------------------------------------------------------------------


def test_built_model_is_returned_as_is() -> None:
    model = SinchDeliveryFeedbackRequest.build(recipients=[])
    assert build_request(SinchDeliveryFeedbackRequest, model, {}) is model


def test_fields_are_merged_over_the_mapping() -> None:
    model = build_request(
        SinchDeliveryFeedbackRequest, {"recipients": ["x"]}, {"recipients": ["+61488023555"]}
    )
    assert model.recipients == ["+61488023555"]


def test_model_and_fields_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not both"):
        build_request(
            SinchDeliveryFeedbackRequest, SinchDeliveryFeedbackRequest.build(recipients=[]), {"a": 1}
        )


def test_invalid_fields_raise_validation_error() -> None:
    with pytest.raises(SmsValidationError):
        build_request(SinchDeliveryFeedbackRequest, None, {})


# -- response bodies -----------------------------------------------------------------------------------------


def test_parse_response_returns_the_model() -> None:
    batch = parse_response(SinchBatch.model_validate, {"id": "b1"}, vendor="Sinch", operation="get_batch")
    assert batch.id == "b1"


def test_parse_response_of_a_wrong_shape_names_vendor_and_operation_not_the_body() -> None:
    with pytest.raises(SmsTransportError, match="Sinch get_batch succeeded") as caught:
        parse_response(SinchBatch.model_validate, ["+61488023555"], vendor="Sinch", operation="get_batch")
    assert "61488023555" not in str(caught.value)


# -- pages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "page_size", "returned", "total", "last"),
    [
        (0, 30, 30, 100, False),
        (2, 30, 30, 100, False),
        (3, 30, 10, 100, True),
        (0, 2, 2, 2, True),
        (0, 2, 2, None, False),
        (0, 2, 1, None, True),
        (0, 2, 0, 50, True),
    ],
)
def test_is_last_page(page: int, page_size: int, returned: int, total: int | None, last: bool) -> None:
    assert is_last_page(page=page, page_size=page_size, returned=returned, total=total) is last


def test_one_pooled_session_serves_the_most_chunk_requests_a_send_may_have_under_way() -> None:
    from airflow_provider_sms.models.sms import MAX_CONCURRENT_REQUESTS_LIMIT

    adapter = pooled_session().get_adapter("https://sms.test/")
    assert adapter._pool_maxsize == POOL_MAXSIZE >= MAX_CONCURRENT_REQUESTS_LIMIT  # type: ignore[attr-defined]


# -- the environment: proxies and CA bundle, read once -----------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with ``{}`` and records its request line (a proxy sees the absolute URL)."""

    seen: ClassVar[list[str]] = []
    headers_seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(self.requestline)
        type(self).headers_seen.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        return


#: A recorder's URL, the request lines and the headers it received.
Recorded = tuple[str, list[str], list[dict[str, str]]]


@pytest.fixture
def recorder() -> Iterator[Recorded]:
    """A loopback HTTP server; yields its URL and the request lines it received."""
    handler = type("Recorder", (_Recorder,), {"seen": [], "headers_seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen, handler.headers_seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_proxy_set_in_the_environment_carries_the_requests(
    recorder: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_url, seen, _ = recorder
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    transport = make_transport([], base_url="http://sms.invalid")  # a name that never resolves

    transport.request_json("POST", "/v1/things", json={"n": 1})

    assert seen == ["POST http://sms.invalid/v1/things HTTP/1.1"]  # absolute form: it went through the proxy


@pytest.mark.usefixtures("no_proxy_environment")
def test_no_proxy_in_the_environment_sends_straight_to_the_host(
    recorder: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen, _ = recorder
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    transport = make_transport([], base_url=url)

    transport.request_json("POST", "/v1/things", json={"n": 1})

    assert seen == ["POST /v1/things HTTP/1.1"]


@pytest.mark.usefixtures("no_proxy_environment")
def test_the_environment_is_read_once_per_transport_not_on_every_request(
    recorder: Recorded, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture
) -> None:
    url, seen, _ = recorder
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    walks = mocker.spy(urllib.request, "getproxies_environment")
    transport = make_transport([], base_url=url)
    walked_to_build = walks.call_count
    sends = mocker.spy(requests.adapters.HTTPAdapter, "send")

    for n in range(3):
        transport.request_json("POST", "/v1/things", json={"n": n})

    assert len(seen) == 3
    assert walked_to_build >= 1
    assert walks.call_count == walked_to_build
    assert [c.kwargs["verify"] for c in sends.call_args_list] == ["/etc/ssl/certs/ca-certificates.crt"] * 3


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_given_session_keeps_its_headers_under_ours_and_its_choice_to_ignore_the_environment(
    recorder: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen, headers_seen = recorder
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    session = requests.Session()
    session.trust_env = False
    session.headers.update({"X-Trace": "t-1", "User-Agent": "theirs"})
    transport = make_transport([], base_url=url, session=session)

    transport.request_json("POST", "/v1/things", json={"n": 1})

    assert seen == ["POST /v1/things HTTP/1.1"]
    sent = headers_seen[0]
    assert sent["X-Trace"] == "t-1"
    assert sent["User-Agent"] == f"airflow-provider-sms/{__version__} python-requests/{requests.__version__}"
    assert sent["Accept"] == "application/json"
    assert sent["Content-Type"] == "application/json"
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert "gzip" in sent["Accept-Encoding"]
