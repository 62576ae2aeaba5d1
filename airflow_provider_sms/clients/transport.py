"""Everything both vendor clients share: the one HTTP transport, auth, retries, paths, parsing, paging.

Both vendor clients and the Sinch OAuth2 token fetch go through :class:`HttpTransport`, so there is a
single implementation of timeouts, backoff, ``Retry-After`` handling and error decoding.
"""

from __future__ import annotations

import base64
import logging
import math
import os
import random
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar, cast
from urllib.parse import quote, unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from airflow_provider_sms import __version__
from airflow_provider_sms.exceptions import (
    Problem,
    SmsAmbiguousResultError,
    SmsApiError,
    SmsRateLimitError,
    SmsTransportError,
    SmsValidationError,
    api_error_class,
)
from airflow_provider_sms.models.sms import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_TIMEOUT_S,
    E164_RULE,
    MAX_RETRIES_LIMIT,
    MAX_RETRY_WAIT_LIMIT_S,
    TIMEOUT_LIMIT_S,
    RequestModel,
    SettingsChecker,
    is_e164,
    mask_msisdn,
    mask_numbers_in_text,
)

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-sms/{__version__} python-requests/{requests.__version__}"
#: Connections for concurrent use of one client (mapped tasks, thread pools in sensors).
POOL_MAXSIZE = 32
#: A host that does not accept a TCP connection within this many seconds is treated as down.
CONNECT_TIMEOUT_MAX = 10.0
DEFAULT_EXPECTED = (200, 201, 202)
#: Statuses a gateway in front of the vendor returns when it lost the upstream answer: the vendor may have
#: processed the request (unlike 500/503, which Sinch documents as "not processed").
GATEWAY_STATUSES = frozenset({502, 504})

#: Why an unreadable answer to a request that creates messages is not repeated.
_MAYBE_TAKEN_EFFECT = "the request may or may not have taken effect, so it was not repeated"
#: Decodes a vendor error body (parsed JSON, or ``None``) into ``(code, text, field names)``.
ErrorDecoder = Callable[[Any], tuple[Any, Any, Sequence[str]]]


# -- retries: when and how long to wait before repeating a failed request ------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently the transport repeats a failed request.

    :param max_retries: Repeats after the first attempt (``0`` disables retrying).
    :param backoff_base: Upper bound, in seconds, of the first backoff; it doubles with every attempt.
    :param backoff_max: Upper bound, in seconds, of any computed backoff.
    :param max_retry_after: The longest server ``Retry-After`` hint that is obeyed as given, in seconds.
    :param max_total_wait: The most seconds one request may spend waiting between its attempts, in total;
        a retry whose wait would pass it is not made, and the last error is raised instead.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 300.0
    max_total_wait: float = DEFAULT_MAX_RETRY_WAIT_S

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries}: must be 0 or more")
        waits = (self.backoff_base, self.backoff_max, self.max_retry_after, self.max_total_wait)
        if any(wait < 0 for wait in waits):
            raise ValueError(
                "backoff_base, backoff_max, max_retry_after and max_total_wait must not be negative"
            )

    def backoff(self, attempt: int, jitter: Callable[[], float]) -> float:
        """Return the exponential backoff with full jitter after failed attempt number ``attempt``.

        :param attempt: The attempt that just failed, counting from 1.
        :param jitter: Returns a float in ``[0, 1)``; ``random.random`` in production.
        """
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * jitter()

    def delay(self, attempt: int, retry_after: float | None, jitter: Callable[[], float]) -> float:
        """Return how long to wait before the next attempt: the server's hint (capped), else the backoff.

        :param attempt: The attempt that just failed, counting from 1.
        :param retry_after: Seconds from the response's ``Retry-After`` header, if it had one.
        :param jitter: Returns a float in ``[0, 1)``.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(attempt, jitter)

    def next_wait(
        self, attempt: int, retry_after: float | None, waited: float, jitter: Callable[[], float]
    ) -> float | None:
        """Return how long to wait before retrying, or ``None`` when the request must not be retried.

        It is not retried once ``max_retries`` repeats were made, nor when the wait would take the
        request's total wait past ``max_total_wait``.

        :param attempt: The attempt that just failed, counting from 1.
        :param retry_after: Seconds from the response's ``Retry-After`` header, if it had one.
        :param waited: Seconds this request has already waited between its attempts.
        :param jitter: Returns a float in ``[0, 1)``.
        """
        if attempt > self.max_retries:
            return None
        wait = self.delay(attempt, retry_after, jitter)
        return wait if waited + wait <= self.max_total_wait else None


def check_request_settings(
    check: SettingsChecker, *, timeout: object, max_retries: object, max_retry_wait: object
) -> dict[str, Any]:
    """Return the checked ``timeout``, ``max_retries`` and ``max_retry_wait`` both vendors' settings share.

    :param check: The settings' checker, which collects the problems.
    :param timeout: Read timeout in seconds, greater than 0 and at most :data:`TIMEOUT_LIMIT_S`.
    :param max_retries: Repeats of a failed request, 0 to :data:`MAX_RETRIES_LIMIT`.
    :param max_retry_wait: Seconds a request may wait between attempts in total, 0 to
        :data:`MAX_RETRY_WAIT_LIMIT_S`.
    """
    return {
        "timeout": check.seconds("timeout", timeout, DEFAULT_TIMEOUT_S, maximum=TIMEOUT_LIMIT_S),
        "max_retries": check.count(
            "max_retries", max_retries, DEFAULT_MAX_RETRIES, maximum=MAX_RETRIES_LIMIT
        ),
        "max_retry_wait": check.seconds(
            "max_retry_wait",
            max_retry_wait,
            DEFAULT_MAX_RETRY_WAIT_S,
            maximum=MAX_RETRY_WAIT_LIMIT_S,
            allow_zero=True,
        ),
    }


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait, or ``None`` if absent or unreadable.

    :param value: The header: delay seconds (``"120"``) or an HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
    :param now: The current Unix time; defaults to ``time.time()``.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


# -- credentials applied to every attempt: none, HTTP Basic, a fixed Bearer token ----------------------------
class RequestAuth(Protocol):
    """Credentials the transport applies to every attempt."""

    def auth_headers(self) -> dict[str, str]:
        """Return the headers that authenticate the next attempt (called before every attempt)."""
        ...

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """React to a 401; return ``True`` if credentials were refreshed and the request may be replayed once.

        :param response: The 401 response.
        """
        ...


class NoAuth:
    """No credentials (for tests and endpoints that need none)."""

    def auth_headers(self) -> dict[str, str]:
        """Return no headers."""
        return {}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """Nothing to refresh."""
        return False

    def __repr__(self) -> str:
        return "NoAuth()"


class BasicAuth:
    """HTTP Basic credentials (Fone Dynamics account SID and token, Sinch OAuth2 key id and secret).

    :param username: The user name, shown in ``repr``.
    :param password: The secret; never shown.
    """

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._header = f"Basic {encoded}"

    def auth_headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header."""
        return {"Authorization": self._header}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """Static credentials cannot be refreshed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password='***')"


class BearerTokenAuth:
    """A static Bearer token (Sinch service plan API token).

    :param token: The token; never shown.
    """

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header."""
        return {"Authorization": self._header}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """A static token cannot be refreshed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return "BearerTokenAuth(token='***')"


# -- masking of phone numbers in URL paths before they reach logs or exception text --------------------------
_PHONE_LIKE = re.compile(r"^\+?[0-9]{7,15}$")


def redact_path(path: str) -> str:
    """Return ``path`` with every segment that looks like a phone number masked.

    ``/batches/01FC/delivery_report/%2B61488023555`` becomes ``/batches/01FC/delivery_report/+6148****555``.

    :param path: A URL path without query string.
    """
    segments = path.split("/")
    return "/".join(
        mask_msisdn(unquote(segment)) if _PHONE_LIKE.match(unquote(segment)) else segment
        for segment in segments
    )


# -- the transport -------------------------------------------------------------------------------------------
class _HeaderAuth(requests.auth.AuthBase):
    """Sets auth headers at prepare time, which also stops ``requests`` from applying ``~/.netrc``."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self._headers)
        return request

    def __repr__(self) -> str:
        return "_HeaderAuth(***)"


def pooled_session(pool_maxsize: int = POOL_MAXSIZE) -> requests.Session:
    """Return a ``requests.Session`` whose connection pool serves ``pool_maxsize`` concurrent requests.

    :param pool_maxsize: Connections kept per host.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _session_settings(
    session: requests.Session, base_url: str
) -> tuple[dict[str, str | bytes], dict[str, Any]]:
    """Return the headers and send settings of every request to ``base_url``, read once.

    ``Session.request`` merges the session's settings and the environment's into each request, and walks
    every environment variable twice to find ``*_proxy`` settings: more client time than the rest of
    sending a chunk (``bench/throughput.py``). The transport prepares each request itself and sends it with
    what this returns, which is what that merge gives: the session's headers under ours, and, if the
    session trusts the environment, its proxies for this URL (``NO_PROXY`` applied) and
    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``.
    """
    headers = {**session.headers, "User-Agent": USER_AGENT, "Accept": "application/json"}
    proxies = dict(session.proxies)
    verify = session.verify
    if session.trust_env:
        proxies.update(get_environ_proxies(base_url))
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
    return headers, {"proxies": proxies, "verify": verify, "cert": session.cert, "stream": session.stream}


def failed_before_sending(exc: requests.RequestException) -> bool:
    """Return whether a network error happened before the request reached the server.

    Only then is a repeat safe for a request that creates messages; anything later (read timeout,
    reset connection, truncated body) may follow a request that already took effect.

    :param exc: The exception ``requests`` raised.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        # NewConnectionError and NameResolutionError are ConnectTimeoutError subclasses in urllib3 2.
        return isinstance(reason, ConnectTimeoutError)
    return False


def _is_network_error(exc: requests.RequestException) -> bool:
    return isinstance(
        exc,
        (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    )


def _shown_url(url: str) -> str:
    """Return ``url`` without any ``user:password@`` part."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class HttpTransport:
    """Sends requests to one vendor API with auth, timeouts, retries and typed errors.

    :param vendor: Vendor name used in errors and logs, e.g. ``Sinch``.
    :param base_url: Scheme, host and optional path prefix, e.g. ``https://us.sms.api.sinch.com``.
    :param auth: Supplies the auth headers of every attempt and may refresh on a 401.
    :param decode_error: Turns the vendor's error body into ``(code, text, field names)``.
    :param timeout: Read timeout in seconds (the connect timeout is the smaller of it and
        :data:`CONNECT_TIMEOUT_MAX`), or an explicit ``(connect, read)`` pair.
    :param retry: How often and how long to back off.
    :param session: A ``requests.Session`` to use; by default a pooled one is created.
    :param sleep: Waits between attempts (injected in tests).
    :param jitter: Returns a float in ``[0, 1)`` that scales each backoff.
    """

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        auth: RequestAuth,
        decode_error: ErrorDecoder,
        timeout: float | tuple[float, float] = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url={_shown_url(base_url)!r}: must be an http(s) URL with a host")
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry
        self.timeout: tuple[float, float] = (
            timeout if isinstance(timeout, tuple) else (min(timeout, CONNECT_TIMEOUT_MAX), timeout)
        )
        self._decode_error = decode_error
        self._session = session if session is not None else pooled_session()
        self._headers, self._send_settings = _session_settings(self._session, self.base_url)
        self._sleep = sleep
        self._jitter = jitter

    def __repr__(self) -> str:
        return (
            f"HttpTransport(vendor={self.vendor!r}, base_url={_shown_url(self.base_url)!r}, "
            f"auth={self.auth!r}, timeout={self.timeout!r}, retry={self.retry!r})"
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
        replayable: bool = True,
    ) -> Any:
        """Send a request like :meth:`request` and return its decoded JSON body (``None`` if empty).

        The answer to a non-``replayable`` request must be JSON: an empty or unreadable body raises
        :class:`SmsAmbiguousResultError`, as a dropped connection does.
        """
        response = self.request(
            method, path, params=params, json=json, data=data, expected=expected, replayable=replayable
        )
        return self.json_body(response, ambiguous=not replayable)

    def json_body(self, response: requests.Response, *, ambiguous: bool = False) -> Any:
        """Return the decoded JSON body of a successful response (``None`` if empty).

        :param response: A response returned by :meth:`request`.
        :param ambiguous: Whether the request may have created something (it was not ``replayable``): then
            an empty or unreadable body says nothing about what happened, and is no success.
        :raises SmsAmbiguousResultError: ``ambiguous`` and the body is empty or not JSON (e.g. cut short).
        :raises SmsTransportError: The body is not JSON.
        """
        request = response.request
        shown = f"{request.method} {redact_path(urlsplit(request.url or '').path)}" if request else "request"
        answer = f"{self.vendor} API answered {shown} with HTTP {response.status_code}"
        if not response.content or not response.content.strip():
            if ambiguous:
                raise SmsAmbiguousResultError(f"{answer} and an empty body; {_MAYBE_TAKEN_EFFECT}")
            return None
        try:
            return response.json()
        except ValueError:
            if ambiguous:
                raise SmsAmbiguousResultError(
                    f"{answer} and a body that is not JSON (cut short?); {_MAYBE_TAKEN_EFFECT}"
                ) from None
            raise SmsTransportError(f"{answer} and a body that is not JSON") from None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
        replayable: bool = True,
    ) -> requests.Response:
        """Send a request, retrying what is safe to retry, and return the response with an expected status.

        :param method: HTTP method.
        :param path: Path below ``base_url``, already URL-quoted.
        :param params: Query parameters.
        :param json: JSON body.
        :param data: Form body (``application/x-www-form-urlencoded``).
        :param expected: Statuses that count as success.
        :param replayable: ``False`` for requests that create messages: a network error after sending
            raises :class:`SmsAmbiguousResultError` at once instead of risking a duplicate.
        :raises SmsApiError: The subclass for the final error status, with the vendor's code and text.
        :raises SmsAmbiguousResultError: A non-replayable request may or may not have taken effect.
        :raises SmsTransportError: The network failed on every attempt.
        """
        method = method.upper()
        url = self.base_url + path
        shown_path = redact_path(path)
        headers = self._headers if json is None else {**self._headers, "Content-Type": "application/json"}
        attempt = 0
        waited = 0.0
        replayed_after_refresh = False
        while True:
            attempt += 1
            auth_headers = self.auth.auth_headers()
            try:
                prepared = requests.Request(
                    method, url, headers, params=params, json=json, data=data, auth=_HeaderAuth(auth_headers)
                ).prepare()
                response = self._session.send(
                    prepared, timeout=self.timeout, allow_redirects=False, **self._send_settings
                )
            except requests.RequestException as exc:
                waited += self._on_network_error(exc, method, shown_path, attempt, replayable, waited)
                continue
            log.debug(
                "%s %s %s attempt %d: HTTP %d", self.vendor, method, shown_path, attempt, response.status_code
            )
            status = response.status_code
            if status in expected:
                return response
            if status == 401 and not replayed_after_refresh and self.auth.handle_unauthorized(response):
                replayed_after_refresh = True
                attempt -= 1  # the replay with fresh credentials is not a retry: it uses up no attempt
                log.info(
                    "%s %s %s: credentials refreshed after HTTP 401, replaying",
                    self.vendor,
                    method,
                    shown_path,
                )
                continue
            if status in GATEWAY_STATUSES and not replayable:
                raise SmsAmbiguousResultError(
                    f"{self.vendor} request {method} {shown_path} got HTTP {status} from a gateway; "
                    "the vendor may or may not have processed it, so it was not repeated"
                )
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429 or status >= 500:
                delay = self.retry.next_wait(attempt, retry_after, waited, self._jitter)
                if delay is not None:
                    log.warning(
                        "%s %s %s attempt %d: HTTP %d, retrying in %.2fs",
                        self.vendor,
                        method,
                        shown_path,
                        attempt,
                        status,
                        delay,
                    )
                    self._sleep(delay)
                    waited += delay
                    continue
                self._log_wait_budget_spent(method, shown_path, attempt, waited)
            raise self._api_error(response, method, shown_path, retry_after)

    def _log_wait_budget_spent(self, method: str, shown_path: str, attempt: int, waited: float) -> None:
        """Say why a request that could be retried is not: its retries or its wait budget are used up."""
        if attempt <= self.retry.max_retries:
            log.warning(
                "%s %s %s attempt %d: not retried, the next wait would pass the %.0fs a request may wait "
                "in total (max_retry_wait; %.1fs waited)",
                self.vendor,
                method,
                shown_path,
                attempt,
                self.retry.max_total_wait,
                waited,
            )

    def _on_network_error(
        self,
        exc: requests.RequestException,
        method: str,
        shown_path: str,
        attempt: int,
        replayable: bool,
        waited: float,
    ) -> float:
        """Sleep before the next attempt and return how long, or raise when the error may not be retried."""
        kind = type(exc).__name__
        if not _is_network_error(exc):
            raise SmsTransportError(f"{self.vendor} request {method} {shown_path} failed: {kind}") from None
        if not replayable and not failed_before_sending(exc):
            raise SmsAmbiguousResultError(
                f"{self.vendor} request {method} {shown_path} was sent but the connection failed before a "
                f"complete answer ({kind}); it may or may not have taken effect, so it was not repeated"
            ) from None
        delay = self.retry.next_wait(attempt, None, waited, self._jitter)
        if delay is None:
            self._log_wait_budget_spent(method, shown_path, attempt, waited)
            raise SmsTransportError(
                f"{self.vendor} request {method} {shown_path} failed after {attempt} attempts: {kind}"
            ) from None
        log.warning(
            "%s %s %s attempt %d: %s, retrying in %.2fs",
            self.vendor,
            method,
            shown_path,
            attempt,
            kind,
            delay,
        )
        self._sleep(delay)
        return delay

    def _api_error(
        self, response: requests.Response, method: str, shown_path: str, retry_after: float | None
    ) -> SmsApiError:
        try:
            body = response.json() if response.content and response.content.strip() else None
        except ValueError:
            body = None
        return self.api_error(response.status_code, body, method, shown_path, retry_after=retry_after)

    def api_error(
        self,
        status: int,
        body: Any,
        method: str,
        shown_path: str,
        *,
        retry_after: float | None = None,
        error_class: type[SmsApiError] | None = None,
    ) -> SmsApiError:
        """Return the typed error of a vendor error body; phone numbers in the vendor's text are masked.

        Clients use it too for an error the vendor reports inside a successful response.

        :param status: The HTTP status.
        :param body: The decoded JSON body, or ``None``.
        :param method: The HTTP method.
        :param shown_path: The request path, numbers already masked (:func:`redact_path`).
        :param retry_after: The ``Retry-After`` hint of a 429, in seconds.
        :param error_class: The error type; by default the one of ``status``.
        """
        code, text, fields = self._decode_body(status, body)
        error_class = error_class or api_error_class(status)
        common: dict[str, Any] = {
            "vendor": self.vendor,
            "status": status,
            "code": code,
            "text": text,
            "fields": fields,
            "method": method,
            "path": shown_path,
        }
        if error_class is SmsRateLimitError:
            return SmsRateLimitError(retry_after=retry_after, **common)
        return error_class(**common)

    def _decode_body(self, status: int, body: Any) -> tuple[str | None, str | None, tuple[str, ...]]:
        try:
            code, text, fields = self._decode_error(body)
        except (TypeError, ValueError, KeyError, AttributeError):
            log.debug("%s: error body of HTTP %d could not be decoded", self.vendor, status)
            return None, None, ()
        # Vendors echo the input they refuse, phone numbers included.
        return (
            None if code is None else mask_numbers_in_text(str(code)),
            None if text is None else mask_numbers_in_text(str(text)),
            tuple(mask_numbers_in_text(str(name)) for name in fields or ()),
        )


# -- ids that go into URL paths: checked before any request, then URL-quoted ---------------------------------
def path_id(field: str, value: object, *, subject: str) -> str:
    """Return ``value`` quoted as one path segment, or raise ``SmsValidationError`` naming ``field``.

    :param field: The argument name, e.g. ``batch_id``.
    :param value: The id; must be a non-empty string other than ``.`` and ``..``.
    :param subject: What is being validated, e.g. ``Sinch get_batch``.
    """
    if not isinstance(value, str):
        raise SmsValidationError([Problem(field, f"<{type(value).__name__}>", "must be a string")], subject)
    if not value.strip() or value.strip(".") == "":
        raise SmsValidationError(
            [Problem(field, repr(value[:40]), "must be a non-empty id (not blank, '.' or '..')")], subject
        )
    return quote(value, safe="")


def path_msisdn(field: str, value: object, *, subject: str) -> str:
    """Return an E.164 number quoted as one path segment (``+`` as ``%2B``), or raise naming ``field``.

    :param field: The argument name, e.g. ``recipient``.
    :param value: The phone number; shown masked in the error.
    :param subject: What is being validated.
    """
    if not isinstance(value, str) or not is_e164(value):
        raise SmsValidationError([Problem(field, mask_msisdn(value), E164_RULE)], subject)
    return quote(value, safe="")


# -- request models, response bodies and pages ---------------------------------------------------------------
_Request = TypeVar("_Request", bound=RequestModel)


def build_request(
    model: type[_Request],
    request: _Request | Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> _Request:
    """Return ``request`` if it already is a ``model``, else validate it and ``fields`` into one.

    :param model: The request model class.
    :param request: A built model, or field values by wire or Python name.
    :param fields: Field values by Python name, merged over ``request``.
    :param context: The validation context (e.g. ``{"allow_insecure_http": True}``).
    :raises SmsValidationError: A value breaks a rule; nothing is sent.
    :raises TypeError: Both a built model and fields were given.
    """
    if isinstance(request, model):
        if fields:
            raise TypeError(f"pass either a {model.__name__} or its fields, not both")
        return request
    return model.build({**cast(Mapping[str, Any], request or {}), **fields}, context=context)


_Result = TypeVar("_Result")


def parse_response(
    parser: Callable[[Any], _Result], data: Any, *, vendor: str, operation: str, ambiguous: bool = False
) -> _Result:
    """Return ``parser(data)``, or raise if the body is not what the API documents.

    The request itself succeeded (it may have sent messages), so the error says so; the body is not
    quoted because it may hold phone numbers.

    :param parser: A model's ``model_validate`` or a vendor parse function; raises ``ValueError``.
    :param data: The decoded JSON body.
    :param vendor: Vendor name for the message.
    :param operation: Client method name for the message.
    :param ambiguous: Whether the request may have created something; the parser then also checks that
        the body proves it did (e.g. an id), and a body that does not is no success.
    :raises SmsAmbiguousResultError: ``ambiguous`` and the body has an unexpected shape.
    :raises SmsTransportError: The body has an unexpected shape.
    """
    try:
        return parser(data)
    except ValueError:
        message = f"{vendor} {operation} succeeded but its response body has an unexpected shape"
        if ambiguous:
            raise SmsAmbiguousResultError(f"{message}; {_MAYBE_TAKEN_EFFECT}") from None
        raise SmsTransportError(message) from None


def is_last_page(*, page: int, page_size: int, returned: int, total: int | None) -> bool:
    """Return whether page ``page`` (counted from 0) is the last one.

    :param page: The page just read.
    :param page_size: The page size that was asked for.
    :param returned: How many items the page held.
    :param total: The total the server reported, if it reported one.
    """
    if returned == 0 or returned < page_size:
        return True
    return total is not None and (page + 1) * page_size >= total
