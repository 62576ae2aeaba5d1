"""Client of the Sinch SMS REST API ("XMS" batches), service-plan (API token) or project (OAuth2) flavour.

Every method validates its arguments with the wire models before the first request and returns models.
The OAuth2 flavour fetches, caches and refreshes its access token with :class:`SinchOAuth2Auth`.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, TypeVar
from urllib.parse import quote, urlsplit

import requests

from airflow_provider_sms.clients.transport import (
    BasicAuth,
    BearerTokenAuth,
    HttpTransport,
    RequestAuth,
    RetryPolicy,
    build_request,
    check_request_settings,
    is_last_page,
    parse_response,
    path_id,
    path_msisdn,
    pooled_session,
)
from airflow_provider_sms.exceptions import SmsTransportError
from airflow_provider_sms.models.sinch import (
    SinchBatch,
    SinchBatchListPage,
    SinchBinaryBatchRequest,
    SinchDeliveryFeedbackRequest,
    SinchDryRunQuery,
    SinchDryRunResponse,
    SinchListBatchesQuery,
    SinchTextBatchRequest,
    SinchUpdateBatchRequest,
    parse_error_body,
)
from airflow_provider_sms.models.sinch_reports import (
    SinchBatchDeliveryReport,
    SinchBatchDeliveryReportQuery,
    SinchDeliveryReportListPage,
    SinchInbound,
    SinchInboundListPage,
    SinchListDeliveryReportsQuery,
    SinchListInboundsQuery,
    SinchRecipientDeliveryReport,
)
from airflow_provider_sms.models.sms import (
    ALLOW_INSECURE_HTTP,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_TIMEOUT_S,
    EMPTY,
    SINCH_AUTH_TYPES,
    SINCH_OAUTH2_REGIONS,
    SINCH_REGIONS,
    SettingsChecker,
    WireModel,
    check_sinch_sender,
)

log = logging.getLogger(__name__)

DEFAULT_AUTH_URL = "https://auth.sinch.com/oauth2/token"
#: A token is replaced this many seconds before it expires, so no request carries a token about to lapse.
REFRESH_MARGIN = 60.0
#: The documented lifetime ("about one hour"), used when a token response does not say.
DEFAULT_EXPIRES_IN = 3600.0
#: Sinch's page size when none is given; the client always sends one so it knows when a page is short.
DEFAULT_PAGE_SIZE = 30

SinchBatchRequest: TypeAlias = SinchTextBatchRequest | SinchBinaryBatchRequest
_Response = TypeVar("_Response", bound=WireModel)
_Query = TypeVar("_Query", SinchListBatchesQuery, SinchListDeliveryReportsQuery, SinchListInboundsQuery)
_Item = TypeVar("_Item")
_Page = TypeVar("_Page", SinchBatchListPage, SinchDeliveryReportListPage, SinchInboundListPage)


def sinch_host(region: str, auth_type: str) -> str:
    """Return the API host of a region: ``zt.``-prefixed for the OAuth2 (project) flavour.

    :param region: One of :data:`SINCH_REGIONS`.
    :param auth_type: ``api_token`` or ``oauth2``.
    """
    prefix = "zt." if auth_type == "oauth2" else ""
    return f"https://{prefix}{region}.sms.api.sinch.com"


# -- settings: checked once, on construction; the client trusts them ----------------------------------------
@dataclass(frozen=True)
class SinchSettings:
    """Checked settings of a :class:`SinchClient`; construction fails with every broken rule at once.

    Values are normalised: text is stripped and blank text is ``None``, ``region`` and ``auth_type`` are
    matched in any case and kept lower-case, URLs lose a trailing ``/``, and ``timeout`` and
    ``max_retries`` also accept numeric text (missing or blank means the default). Fields the chosen
    ``auth_type`` does not use are checked but kept as ``None``. Secrets never appear in ``repr``.

    :param region: Where the account lives: one of :data:`SINCH_REGIONS`.
    :param auth_type: ``api_token`` (all regions) or ``oauth2`` (project access keys, us and eu only).
    :param service_plan_id: Service plan id (``api_token``); goes in every URL path.
    :param api_token: Service plan API token (``api_token``); secret.
    :param project_id: Project id (``oauth2``); goes in every URL path.
    :param key_id: Access key id (``oauth2``).
    :param key_secret: Access key secret (``oauth2``); secret.
    :param base_url: Overrides the regional host (sandbox or proxy), e.g. ``http://127.0.0.1:8080``.
    :param auth_url: Overrides the OAuth2 token endpoint (``oauth2``).
    :param default_from: Sender used when a request gives none; must pass the Sinch sender rules.
    :param has_default_originator: Whether the service plan has a default originator, which Sinch uses
        for a batch without ``from``; without it (and without ``default_from``) a send is refused, because
        Sinch would accept the batch and abort every message (code 410).
    :param timeout: Read timeout of each request in seconds, greater than 0 and at most 300.
    :param max_retries: Repeats of a request that failed in a way worth repeating, 0 to 10.
    :param max_retry_wait: Seconds one request may wait between its attempts in total, 0 to 3600.
    :param allow_insecure_http: Whether ``base_url`` and ``auth_url`` (and callback URLs of requests) may
        use plain ``http://`` to another machine; a warning is logged when they do.
    :raises SmsValidationError: naming every setting that breaks a rule, with its value (secrets
        hidden) and the rule.
    """

    region: str = "us"
    auth_type: str = "api_token"
    service_plan_id: str | None = None
    api_token: str | None = field(default=None, repr=False)
    project_id: str | None = None
    key_id: str | None = None
    key_secret: str | None = field(default=None, repr=False)
    base_url: str | None = None
    auth_url: str | None = None
    default_from: str | None = None
    has_default_originator: bool = False
    timeout: float = DEFAULT_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT_S
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        for name, value in _checked_sinch_settings(self).items():
            object.__setattr__(self, name, value)

    @property
    def secret(self) -> str:
        """The credential to mask in logs: the API token or the access key secret."""
        secret = self.key_secret if self.auth_type == "oauth2" else self.api_token
        assert secret is not None  # required by the checks of __post_init__
        return secret

    @property
    def account_id(self) -> str:
        """The id in every URL path: the project id (``oauth2``) or the service plan id (``api_token``)."""
        account_id = self.project_id if self.auth_type == "oauth2" else self.service_plan_id
        assert account_id is not None  # required by the checks of __post_init__
        return account_id


def _checked_sinch_settings(given: SinchSettings) -> dict[str, Any]:
    """Return the normalised values of ``given``, or raise ``SmsValidationError`` naming every problem."""
    check = SettingsChecker("Sinch settings")
    plain_http = check.flag(ALLOW_INSECURE_HTTP, given.allow_insecure_http)
    region = check.choice("region", given.region, SINCH_REGIONS, "us")
    auth_type = check.choice("auth_type", given.auth_type, SINCH_AUTH_TYPES, "api_token")
    oauth = auth_type == "oauth2"
    if oauth:
        key_id = check.required("key_id", given.key_id, "access key ID")
        key_secret = check.required("key_secret", given.key_secret, "access key secret", secret=True)
        service_plan_id = check.text("service_plan_id", given.service_plan_id, path_segment=True)
        api_token = check.text("api_token", given.api_token, secret=True)
    else:
        service_plan_id = check.required(
            "service_plan_id", given.service_plan_id, "service plan ID", path_segment=True
        )
        api_token = check.required("api_token", given.api_token, "API token", secret=True)
        key_id = check.text("key_id", given.key_id)
        key_secret = check.text("key_secret", given.key_secret, secret=True)
    project_id = check.text("project_id", given.project_id, path_segment=True)
    auth_url = check.url("auth_url", given.auth_url, allow_plain_http=plain_http)
    if oauth and project_id is None and (given.project_id is None or isinstance(given.project_id, str)):
        check.add("project_id", EMPTY, "the project ID is required when auth_type is oauth2")
    if oauth and region not in SINCH_OAUTH2_REGIONS:
        check.add(
            "region",
            repr(region),
            "Sinch offers oauth2 only in regions us and eu; use auth_type api_token elsewhere",
        )
    values = {
        "region": region,
        "auth_type": auth_type,
        "service_plan_id": None if oauth else service_plan_id,
        "api_token": None if oauth else api_token,
        "project_id": project_id if oauth else None,
        "key_id": key_id if oauth else None,
        "key_secret": key_secret if oauth else None,
        "auth_url": auth_url if oauth else None,
        "default_from": check.sender("default_from", given.default_from, check_sinch_sender),
        "has_default_originator": check.flag("has_default_originator", given.has_default_originator),
        "base_url": check.url("base_url", given.base_url, allow_plain_http=plain_http),
        **check_request_settings(
            check, timeout=given.timeout, max_retries=given.max_retries, max_retry_wait=given.max_retry_wait
        ),
        ALLOW_INSECURE_HTTP: plain_http,
    }
    check.raise_problems()
    return values


# -- OAuth2 client-credentials auth: fetches, caches and refreshes the access token --------------------------
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


# -- the client ----------------------------------------------------------------------------------------------
class SinchClient:
    """Sends, schedules, changes, cancels and tracks SMS batches through the Sinch XMS API.

    :param settings: Checked settings: region, credentials, URLs, timeout and retries.
    :param session: ``requests.Session`` to use; by default a pooled one.
    :param on_new_token: Called with every newly fetched OAuth2 access token (e.g. to mask it in logs).
    :param sleep: Waits between attempts (injected in tests).
    """

    vendor = "Sinch"

    def __init__(
        self,
        settings: SinchSettings,
        *,
        session: requests.Session | None = None,
        on_new_token: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.region = settings.region
        self.auth_type = settings.auth_type
        self.account_id = settings.account_id
        retry = RetryPolicy(max_retries=settings.max_retries, max_total_wait=settings.max_retry_wait)
        shared_session = session if session is not None else pooled_session()
        auth: RequestAuth
        if settings.auth_type == "oauth2":
            auth = SinchOAuth2Auth(
                key_id=settings.key_id or "",
                key_secret=settings.secret,
                auth_url=settings.auth_url or DEFAULT_AUTH_URL,
                timeout=settings.timeout,
                retry=retry,
                session=shared_session,
                sleep=sleep,
                on_new_token=on_new_token,
            )
        else:
            auth = BearerTokenAuth(settings.secret)
        self._prefix = "/xms/v1/" + quote(self.account_id, safe="")
        self.transport = HttpTransport(
            vendor=self.vendor,
            base_url=settings.base_url or sinch_host(settings.region, settings.auth_type),
            auth=auth,
            decode_error=parse_error_body,
            timeout=settings.timeout,
            retry=retry,
            session=shared_session,
            sleep=sleep,
        )

    @property
    def validation_context(self) -> dict[str, Any]:
        """The context request models are validated in: whether callback URLs may use plain http."""
        return {ALLOW_INSECURE_HTTP: self.settings.allow_insecure_http}

    def __repr__(self) -> str:
        return (
            f"SinchClient(region={self.region!r}, auth_type={self.auth_type!r}, "
            f"account_id={self.account_id!r}, transport={self.transport!r})"
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self.transport.close()

    def __enter__(self) -> SinchClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- batches ---------------------------------------------------------------------------------

    def send_batch(
        self, request: SinchBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Send or schedule a batch (POST ``/batches``): text, or binary with ``type="mt_binary"``.

        Not repeated after a network error once sent: that raises ``SmsAmbiguousResultError``.

        :param request: A built request model, or its fields by API name.
        :param fields: Fields by API name in snake_case (``from_`` for ``from``), merged over ``request``.
        """
        return self.send_wire_batch(_batch_request(request, fields, self.validation_context).to_wire())

    def send_wire_batch(self, wire: Mapping[str, Any]) -> SinchBatch:
        """Send a batch already checked and in wire form (``SinchTextBatchRequest.to_wire()``).

        The send path of a campaign: its request model is built once. Not repeated after a network error
        once sent: that raises ``SmsAmbiguousResultError``.

        :param wire: The request body as Sinch takes it.
        """
        data = self.transport.request_json(
            "POST", self._path("batches"), json=wire, expected=(200, 201), replayable=False
        )
        return parse_response(
            _changed_batch, data, vendor=self.vendor, operation="send_batch", ambiguous=True
        )

    def dry_run(
        self,
        request: SinchBatchRequest | Mapping[str, Any] | None = None,
        *,
        per_recipient: bool | None = None,
        number_of_recipients: int | None = None,
        **fields: Any,
    ) -> SinchDryRunResponse:
        """Compute parts and encoding of a batch without sending it (POST ``/batches/dry_run``).

        :param request: A built request model, or its fields by API name.
        :param per_recipient: Whether to list each recipient's body, parts and encoding.
        :param number_of_recipients: How many recipients to list (1-1000).
        :param fields: Batch fields, merged over ``request``.
        """
        query = SinchDryRunQuery.build(per_recipient=per_recipient, number_of_recipients=number_of_recipients)
        body = _batch_request(request, fields, self.validation_context)
        data = self.transport.request_json(
            "POST", self._path("batches", "dry_run"), params=query.to_params(), json=body.to_wire()
        )
        return self._parse(SinchDryRunResponse, data, "dry_run")

    def list_batches(self, **query: Any) -> Iterator[SinchBatch]:
        """Iterate every batch matching the filters, fetching pages lazily (GET ``/batches``).

        The filters are validated at once, before the first page is fetched.

        :param query: ``page`` (first page, from 0), ``page_size`` (1-100), ``from_``, ``start_date``,
            ``end_date``, ``client_reference``.
        """
        parsed = SinchListBatchesQuery.build(query)
        return self._walk(parsed, self._fetch_batches_page, lambda page: page.batches)

    def list_batches_page(self, **query: Any) -> SinchBatchListPage:
        """Return one page of batches (GET ``/batches``).

        :param query: Filters as in :meth:`list_batches`.
        """
        return self._fetch_batches_page(SinchListBatchesQuery.build(query))

    def get_batch(self, batch_id: str) -> SinchBatch:
        """Return one batch (GET ``/batches/{batch_id}``).

        :param batch_id: The id Sinch gave the batch.
        """
        batch_path = self._batch_path(batch_id, "get_batch")
        return self._parse(SinchBatch, self.transport.request_json("GET", batch_path), "get_batch")

    def update_batch(
        self, batch_id: str, request: SinchUpdateBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Change a batch not yet sent (POST ``/batches/{batch_id}``): recipients, body, schedule, reports.

        Not repeated after a network error once sent, because added recipients could be messaged twice.

        :param batch_id: The id Sinch gave the batch.
        :param request: A built update model, or its fields by API name.
        :param fields: Fields (``to_add``, ``to_remove``, ``body``, ``send_at`` ...), merged over ``request``.
        """
        batch_path = self._batch_path(batch_id, "update_batch")
        body = build_request(SinchUpdateBatchRequest, request, fields, self.validation_context)
        data = self.transport.request_json("POST", batch_path, json=body.to_wire(), replayable=False)
        return parse_response(
            _changed_batch, data, vendor=self.vendor, operation="update_batch", ambiguous=True
        )

    def replace_batch(
        self, batch_id: str, request: SinchBatchRequest | Mapping[str, Any] | None = None, **fields: Any
    ) -> SinchBatch:
        """Replace a batch as a whole (PUT ``/batches/{batch_id}``), like cancelling it and sending anew.

        Not repeated after a network error once sent, because the new batch may already be on its way.

        :param batch_id: The id Sinch gave the batch.
        :param request: A built request model, or its fields by API name.
        :param fields: Batch fields, merged over ``request``.
        """
        batch_path = self._batch_path(batch_id, "replace_batch")
        body = _batch_request(request, fields, self.validation_context)
        data = self.transport.request_json("PUT", batch_path, json=body.to_wire(), replayable=False)
        return parse_response(
            _changed_batch, data, vendor=self.vendor, operation="replace_batch", ambiguous=True
        )

    def cancel_batch(self, batch_id: str) -> SinchBatch:
        """Cancel a batch (DELETE ``/batches/{batch_id}``); messages already handed on may still arrive.

        :param batch_id: The id Sinch gave the batch.
        """
        batch_path = self._batch_path(batch_id, "cancel_batch")
        return self._parse(SinchBatch, self.transport.request_json("DELETE", batch_path), "cancel_batch")

    def send_delivery_feedback(self, batch_id: str, recipients: Sequence[str]) -> None:
        """Report recipients that confirmed delivery (POST ``/batches/{batch_id}/delivery_feedback``).

        :param batch_id: The id Sinch gave the batch (sent with ``feedback_enabled``).
        :param recipients: E.164 numbers; an empty list means every recipient of the batch.
        """
        batch_path = self._batch_path(batch_id, "send_delivery_feedback")
        body = SinchDeliveryFeedbackRequest.build(recipients=list(recipients))
        self.transport.request(
            "POST", batch_path + "/delivery_feedback", json=body.to_wire(), expected=(200, 201, 202, 204)
        )

    # -- delivery reports ------------------------------------------------------------------------

    def get_delivery_report(
        self,
        batch_id: str,
        *,
        type: Literal["summary", "full"] = "summary",
        status: Sequence[str] | str | None = None,
        code: Sequence[int] | str | None = None,
        client_reference: str | None = None,
    ) -> SinchBatchDeliveryReport:
        """Return a batch's delivery report (GET ``/batches/{batch_id}/delivery_report``).

        :param batch_id: The id Sinch gave the batch.
        :param type: ``summary`` (counts per status) or ``full`` (also the recipients per status).
        :param status: Only these statuses, e.g. ``["Delivered", "Failed"]``.
        :param code: Only these delivery codes.
        :param client_reference: Only messages with this reference.
        """
        batch_path = self._batch_path(batch_id, "get_delivery_report")
        query = SinchBatchDeliveryReportQuery.build(
            type=type, status=status, code=code, client_reference=client_reference
        )
        data = self.transport.request_json("GET", batch_path + "/delivery_report", params=query.to_params())
        return self._parse(SinchBatchDeliveryReport, data, "get_delivery_report")

    def get_recipient_delivery_report(self, batch_id: str, recipient: str) -> SinchRecipientDeliveryReport:
        """Return one recipient's delivery report (GET ``/batches/{batch_id}/delivery_report/{recipient}``).

        :param batch_id: The id Sinch gave the batch.
        :param recipient: The recipient's E.164 number.
        """
        subject = "Sinch get_recipient_delivery_report"
        batch_path = self._batch_path(batch_id, "get_recipient_delivery_report")
        number = path_msisdn("recipient", recipient, subject=subject)
        data = self.transport.request_json("GET", f"{batch_path}/delivery_report/{number}")
        return self._parse(SinchRecipientDeliveryReport, data, "get_recipient_delivery_report")

    def list_delivery_reports(self, **query: Any) -> Iterator[SinchRecipientDeliveryReport]:
        """Iterate every recipient delivery report matching the filters (GET ``/delivery_reports``).

        The filters are validated at once, before the first page is fetched.

        :param query: ``page``, ``page_size`` (1-100), ``start_date``, ``end_date``, ``status``, ``code``,
            ``client_reference``.
        """
        parsed = SinchListDeliveryReportsQuery.build(query)
        return self._walk(parsed, self._fetch_reports_page, lambda page: page.delivery_reports)

    def list_delivery_reports_page(self, **query: Any) -> SinchDeliveryReportListPage:
        """Return one page of recipient delivery reports (GET ``/delivery_reports``).

        :param query: Filters as in :meth:`list_delivery_reports`.
        """
        return self._fetch_reports_page(SinchListDeliveryReportsQuery.build(query))

    # -- inbound (MO) messages -------------------------------------------------------------------

    def list_inbounds(self, **query: Any) -> Iterator[SinchInbound]:
        """Iterate every inbound message matching the filters, newest first (GET ``/inbounds``).

        The filters are validated at once, before the first page is fetched.

        :param query: ``page``, ``page_size`` (1-100), ``to`` (numbers or short codes), ``start_date``,
            ``end_date``, ``client_reference``.
        """
        parsed = SinchListInboundsQuery.build(query)
        return self._walk(parsed, self._fetch_inbounds_page, lambda page: page.inbounds)

    def list_inbounds_page(self, **query: Any) -> SinchInboundListPage:
        """Return one page of inbound messages (GET ``/inbounds``).

        :param query: Filters as in :meth:`list_inbounds`.
        """
        return self._fetch_inbounds_page(SinchListInboundsQuery.build(query))

    def get_inbound(self, inbound_id: str) -> SinchInbound:
        """Return one inbound message (GET ``/inbounds/{inbound_id}``).

        :param inbound_id: The id Sinch gave the message.
        """
        path = self._path("inbounds", path_id("inbound_id", inbound_id, subject="Sinch get_inbound"))
        return self._parse(SinchInbound, self.transport.request_json("GET", path), "get_inbound")

    # -- helpers ---------------------------------------------------------------------------------

    def _parse(self, model: type[_Response], data: Any, operation: str) -> _Response:
        return parse_response(model.model_validate, data, vendor=self.vendor, operation=operation)

    def _path(self, *segments: str) -> str:
        return "/".join((self._prefix, *segments))

    def _batch_path(self, batch_id: str, operation: str) -> str:
        return self._path("batches", path_id("batch_id", batch_id, subject=f"Sinch {operation}"))

    def _fetch_batches_page(self, query: SinchListBatchesQuery) -> SinchBatchListPage:
        data = self.transport.request_json("GET", self._path("batches"), params=query.to_params())
        return self._parse(SinchBatchListPage, data, "list_batches")

    def _fetch_reports_page(self, query: SinchListDeliveryReportsQuery) -> SinchDeliveryReportListPage:
        data = self.transport.request_json("GET", self._path("delivery_reports"), params=query.to_params())
        return self._parse(SinchDeliveryReportListPage, data, "list_delivery_reports")

    def _fetch_inbounds_page(self, query: SinchListInboundsQuery) -> SinchInboundListPage:
        data = self.transport.request_json("GET", self._path("inbounds"), params=query.to_params())
        return self._parse(SinchInboundListPage, data, "list_inbounds")

    def _walk(
        self, query: _Query, fetch: Callable[[_Query], _Page], items: Callable[[_Page], list[_Item]]
    ) -> Iterator[_Item]:
        page_number = query.page or 0
        page_size = query.page_size or DEFAULT_PAGE_SIZE
        while True:
            page = fetch(query.model_copy(update={"page": page_number, "page_size": page_size}))
            found = items(page)
            yield from found
            total = page.count if "count" in page.model_fields_set else None
            if is_last_page(page=page_number, page_size=page_size, returned=len(found), total=total):
                return
            page_number += 1


def _batch_request(
    request: SinchBatchRequest | Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> SinchBatchRequest:
    """Return the text or binary batch model the request describes (binary when ``type`` is ``mt_binary``).

    :param request: A built request model, or its fields by API name.
    :param fields: Fields by API name in snake_case, merged over ``request``.
    :param context: The validation context (e.g. ``{"allow_insecure_http": True}``).
    """
    if isinstance(request, (SinchTextBatchRequest, SinchBinaryBatchRequest)):
        return build_request(type(request), request, fields)
    requested_type = {**(request or {}), **fields}.get("type")
    if requested_type == "mt_binary":
        return build_request(SinchBinaryBatchRequest, request, fields, context)
    return build_request(SinchTextBatchRequest, request, fields, context)


def _changed_batch(data: Any) -> SinchBatch:
    """Parse the batch a send, replace or update returned: without its id it proves nothing."""
    batch = SinchBatch.model_validate(data)
    if not batch.id:
        raise ValueError("the batch has no id")
    return batch
