"""Sinch OAuth2 client-credentials auth: fetches, caches and refreshes the access token."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from airflow_provider_sms.clients.auth import BasicAuth
from airflow_provider_sms.clients.retry import RetryPolicy
from airflow_provider_sms.clients.transport import HttpTransport
from airflow_provider_sms.exceptions import SmsTransportError

log = logging.getLogger(__name__)

DEFAULT_AUTH_URL = "https://auth.sinch.com/oauth2/token"
#: A token is replaced this many seconds before it expires, so no request carries a token about to lapse.
REFRESH_MARGIN = 60.0
#: The documented lifetime ("about one hour"), used when a token response does not say.
DEFAULT_EXPIRES_IN = 3600.0


def decode_oauth_error(body: Any) -> tuple[str | None, str | None, Sequence[str]]:
    """Decode an OAuth2 error body (``{"error": "invalid_client", "error_description": "..."}``).

    :param body: The parsed JSON body, or ``None``.
    """
    if not isinstance(body, dict):
        return None, None, ()
    error = body.get("error")
    if isinstance(error, dict):
        return error.get("code") or error.get("status"), error.get("message"), ()
    description = body.get("error_description") or body.get("message")
    return (None if error is None else str(error)), (None if description is None else str(description)), ()


class SinchOAuth2Auth:
    """Bearer auth with a cached OAuth2 access token, refreshed before expiry and after an "expired" 401.

    Thread-safe: concurrent callers share one token and at most one fetch runs at a time.

    :param key_id: Access key id (HTTP Basic user of the token request).
    :param key_secret: Access key secret; never shown.
    :param auth_url: The token endpoint.
    :param timeout: Timeout of the token request (see :class:`HttpTransport`).
    :param retry: Retry policy of the token request (the endpoint can answer 429).
    :param session: ``requests.Session`` to use for the token request.
    :param sleep: Waits between token request attempts.
    :param jitter: Scales each backoff, returns a float in ``[0, 1)``.
    :param clock: Monotonic seconds, used for token expiry.
    :param refresh_margin: Seconds before expiry at which a token is replaced.
    :param on_new_token: Called with every newly fetched token before it is used (e.g. to register it
        with a log masker).
    """

    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        auth_url: str = DEFAULT_AUTH_URL,
        timeout: float | tuple[float, float] = 30.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN,
        on_new_token: Callable[[str], None] | None = None,
    ) -> None:
        parts = urlsplit(auth_url)
        self._key_id = key_id
        self._token_path = parts.path or "/"
        self._transport = HttpTransport(
            vendor="Sinch OAuth2",
            base_url=f"{parts.scheme}://{parts.netloc}",
            auth=BasicAuth(key_id, key_secret),
            decode_error=decode_oauth_error,
            timeout=timeout,
            retry=retry,
            session=session,
            sleep=sleep,
            jitter=jitter,
        )
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._on_new_token = on_new_token
        self._lock = threading.Lock()
        # (token, monotonic time after which it must be replaced); one tuple so readers never see a mix.
        self._cached: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return (
            f"SinchOAuth2Auth(key_id={self._key_id!r}, key_secret='***', "
            f"auth_url={self._transport.base_url + self._token_path!r})"
        )

    def auth_headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header with a valid access token, fetching one if needed."""
        return {"Authorization": f"Bearer {self.access_token()}"}

    def access_token(self) -> str:
        """Return a cached token that is not about to expire, fetching a new one if needed."""
        token = self._fresh_token()
        if token is not None:
            return token
        with self._lock:
            token = self._fresh_token()
            if token is None:
                token = self._fetch()
            return token

    def invalidate(self) -> None:
        """Forget the cached token; the next request fetches a new one."""
        with self._lock:
            self._cached = None

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """On a 401 whose ``WWW-Authenticate`` says the token expired, drop it and ask for one replay.

        :param response: The 401 response.
        """
        challenge = response.headers.get("WWW-Authenticate") or ""
        if "expired" not in challenge.lower():
            return False
        sent = response.request.headers.get("Authorization") if response.request is not None else None
        with self._lock:
            cached = self._cached
            # Another thread may already have replaced the token this request carried: keep the new one.
            if cached is not None and (sent is None or sent == f"Bearer {cached[0]}"):
                self._cached = None
        log.info("Sinch OAuth2 access token expired; fetching a new one")
        return True

    def _fresh_token(self) -> str | None:
        cached = self._cached
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        return None

    def _fetch(self) -> str:
        requested_at = self._clock()
        body = self._transport.request_json(
            "POST", self._token_path, data={"grant_type": "client_credentials"}
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SmsTransportError("Sinch OAuth2 token response has no access_token")
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(self._refresh_margin, lifetime / 2)
        if self._on_new_token is not None:
            self._on_new_token(token)
        self._cached = (token, requested_at + lifetime - margin)
        log.debug("Sinch OAuth2 access token fetched, valid for %.0fs", lifetime)
        return token


def _lifetime(expires_in: Any) -> float:
    """Return a token's lifetime in seconds from ``expires_in`` (number or numeric string)."""
    if isinstance(expires_in, bool):
        return DEFAULT_EXPIRES_IN
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN
    return seconds if math.isfinite(seconds) and seconds > 0 else DEFAULT_EXPIRES_IN
