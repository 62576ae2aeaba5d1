"""Client of the Fone Dynamics REST API v2: send one or a batch of SMS, fetch and search messages.

Every method validates its arguments with the wire models before the first request and returns models.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

import requests

from airflow_provider_sms.clients.transport import (
    BasicAuth,
    HttpTransport,
    RetryPolicy,
    build_request,
    check_request_settings,
    is_last_page,
    parse_response,
    path_id,
)
from airflow_provider_sms.exceptions import Problem, SmsBadRequestError, SmsValidationError
from airflow_provider_sms.models.fonedynamics import (
    FoneBatchItemError,
    FoneBatchMessagesRequest,
    FoneBatchSummary,
    FoneMessage,
    FoneMessageListQuery,
    FoneMessageRequest,
    parse_batch_response,
    parse_error_body,
    parse_message_list,
    parse_message_response,
    summarize_batch_response,
)
from airflow_provider_sms.models.sms import (
    ALLOW_INSECURE_HTTP,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_TIMEOUT_S,
    SettingsChecker,
    check_fonedynamics_sender,
)

DEFAULT_BASE_URL = "https://api.fonedynamics.com"
#: The vendor's default page size of a message search.
DEFAULT_RESULTS_COUNT = 200

Timestamp: TypeAlias = "int | datetime"
_Parsed = TypeVar("_Parsed", list[FoneMessage | FoneBatchItemError], FoneBatchSummary)


@dataclass(frozen=True)
class FoneDynamicsSettings:
    """Checked settings of a :class:`FoneDynamicsClient`; construction fails with every broken rule at once.

    Values are normalised: text is stripped and blank text is ``None``, the URL loses a trailing ``/``,
    and ``timeout`` and ``max_retries`` also accept numeric text (missing or blank means the default).
    The token never appears in ``repr``.

    :param account_sid: Account SID (Basic auth user); must fit in a URL path segment.
    :param token: API token of the account (Basic auth password); secret.
    :param property_sid: Default property that sends and owns messages; each call may override it.
    :param base_url: Overrides ``https://api.fonedynamics.com`` (sandbox or proxy).
    :param default_from: Sender used when a request gives none; must pass the Fone Dynamics sender rules.
    :param timeout: Read timeout of each request in seconds, greater than 0 and at most 300.
    :param max_retries: Repeats of a request that failed in a way worth repeating, 0 to 10.
    :param max_retry_wait: Seconds one request may wait between its attempts in total, 0 to 3600.
    :param allow_insecure_http: Whether ``base_url`` (and webhook URLs of requests) may use plain
        ``http://`` to another machine; a warning is logged when they do.
    :raises SmsValidationError: naming every setting that breaks a rule, with its value (the token
        hidden) and the rule.
    """

    account_sid: str
    token: str = field(repr=False)
    property_sid: str | None = None
    base_url: str | None = None
    default_from: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT_S
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        check = SettingsChecker("Fone Dynamics settings")
        plain_http = check.flag(ALLOW_INSECURE_HTTP, self.allow_insecure_http)
        values = {
            "account_sid": check.required("account_sid", self.account_sid, "account SID", path_segment=True),
            "token": check.required("token", self.token, "account token", secret=True),
            "property_sid": check.text("property_sid", self.property_sid, path_segment=True),
            "default_from": check.sender("default_from", self.default_from, check_fonedynamics_sender),
            "base_url": check.url("base_url", self.base_url, allow_plain_http=plain_http),
            **check_request_settings(
                check, timeout=self.timeout, max_retries=self.max_retries, max_retry_wait=self.max_retry_wait
            ),
            ALLOW_INSECURE_HTTP: plain_http,
        }
        check.raise_problems()
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def secret(self) -> str:
        """The credential to mask in logs: the account token."""
        return self.token


class FoneDynamicsClient:
    """Sends and tracks SMS through the Fone Dynamics REST API v2 (HTTP Basic: account SID and token).

    :param settings: Checked settings: credentials, default property, URL, timeout and retries.
    :param session: ``requests.Session`` to use; by default a pooled one.
    :param sleep: Waits between attempts (injected in tests).
    """

    vendor = "Fone Dynamics"

    def __init__(
        self,
        settings: FoneDynamicsSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.account_sid = settings.account_sid
        self.property_sid = settings.property_sid
        self.transport = HttpTransport(
            vendor=self.vendor,
            base_url=settings.base_url or DEFAULT_BASE_URL,
            auth=BasicAuth(settings.account_sid, settings.token),
            decode_error=parse_error_body,
            timeout=settings.timeout,
            retry=RetryPolicy(max_retries=settings.max_retries, max_total_wait=settings.max_retry_wait),
            session=session,
            sleep=sleep,
        )

    @property
    def validation_context(self) -> dict[str, Any]:
        """The context request models are validated in: whether webhook URLs may use plain http."""
        return {ALLOW_INSECURE_HTTP: self.settings.allow_insecure_http}

    def __repr__(self) -> str:
        return (
            f"FoneDynamicsClient(account_sid={self.account_sid!r}, property_sid={self.property_sid!r}, "
            f"transport={self.transport!r})"
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self.transport.close()

    def __enter__(self) -> FoneDynamicsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send_message(
        self,
        request: FoneMessageRequest | Mapping[str, Any] | None = None,
        *,
        property_sid: str | None = None,
        **fields: Any,
    ) -> FoneMessage:
        """Send or schedule one SMS (POST ``/v2/Properties/{PropertySid}/Messages``).

        Not repeated after a network error once sent: that raises ``SmsAmbiguousResultError``.

        :param request: A built request model, or its fields (wire names like ``To`` or snake_case).
        :param property_sid: The sending property; defaults to the client's.
        :param fields: Fields in snake_case (``from_``, ``to``, ``text``, ``schedule``, ``external_id`` ...),
            merged over ``request``.
        """
        sid = self._property_path(property_sid, "send_message")
        body = build_request(FoneMessageRequest, request, fields, self.validation_context)
        data = self.transport.request_json("POST", f"{sid}/Messages", json=body.to_wire(), replayable=False)
        return parse_response(
            _created_message, data, vendor=self.vendor, operation="send_message", ambiguous=True
        )

    def send_messages(
        self,
        messages: Sequence[FoneMessageRequest | Mapping[str, Any]],
        *,
        property_sid: str | None = None,
    ) -> list[FoneMessage | FoneBatchItemError]:
        """Send or schedule many SMS in one request (POST ``/v2/Properties/{PropertySid}/BatchMessages``).

        Every message is validated first; one bad message rejects the whole batch before sending.
        Not repeated after a network error once sent.

        :param messages: Request models or their fields.
        :param property_sid: The sending property; defaults to the client's.
        :returns: One result per message, in order: the accepted :class:`FoneMessage` or the vendor's
            :class:`FoneBatchItemError` for that message.
        :raises SmsBadRequestError: The vendor rejected the request as a whole (``ResponseStatus``).
        """
        body = FoneBatchMessagesRequest.build({"messages": list(messages)}, context=self.validation_context)
        return self._post_batch(body.to_wire(), property_sid, parse_batch_response, len(body.messages))

    def send_wire_messages(
        self, messages: list[dict[str, Any]], *, property_sid: str | None = None
    ) -> FoneBatchSummary:
        """Send messages already checked and in wire form (``FoneMessageRequest.to_wire()``), as one batch.

        The send path of a campaign: it builds each message model once, and reads of the response only
        the counts and refusals. Not repeated after a network error once sent.

        :param messages: The messages as the vendor takes them.
        :param property_sid: The sending property; defaults to the client's.
        :raises SmsBadRequestError: The vendor rejected the request as a whole (``ResponseStatus``).
        """
        return self._post_batch({"Messages": messages}, property_sid, summarize_batch_response, len(messages))

    def _post_batch(
        self, wire: dict[str, Any], property_sid: str | None, parse: Callable[[Any], _Parsed], count: int
    ) -> _Parsed:
        sid = self._property_path(property_sid, "send_messages")
        response = self.transport.request("POST", f"{sid}/BatchMessages", json=wire, replayable=False)
        data = self.transport.json_body(response, ambiguous=True)
        if isinstance(data, Mapping) and "ResponseStatus" in data:
            raise self.transport.api_error(
                response.status_code, data, "POST", f"{sid}/BatchMessages", error_class=SmsBadRequestError
            )

        def one_result_per_message(data: Any) -> _Parsed:
            parsed = parse(data)
            results = parsed.results if isinstance(parsed, FoneBatchSummary) else len(parsed)
            if results != count:
                raise ValueError(f"{results} results for {count} messages")
            return parsed

        return parse_response(
            one_result_per_message, data, vendor=self.vendor, operation="send_messages", ambiguous=True
        )

    def get_message(self, message_sid: str) -> FoneMessage:
        """Return one sent or received message (GET ``/v2/Messages/{MessageSid}``).

        :param message_sid: The id Fone Dynamics gave the message.
        """
        sid = path_id("message_sid", message_sid, subject="Fone Dynamics get_message")
        data = self.transport.request_json("GET", f"/v2/Messages/{sid}")
        return parse_response(parse_message_response, data, vendor=self.vendor, operation="get_message")

    def list_messages(
        self,
        *,
        date_from: Timestamp,
        date_to: Timestamp,
        status: str | None = None,
        direction: str | None = None,
        results_count: int = DEFAULT_RESULTS_COUNT,
        property_sid: str | None = None,
    ) -> Iterator[FoneMessage]:
        """Iterate every message of a property in ``[date_from, date_to)``, fetching pages lazily.

        The arguments are validated at once, before the first page is fetched.

        :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
        :param date_to: End, exclusive.
        :param status: Only this status: Processing, Submitted, Delivered, Failed or Received.
        :param direction: Only ``Transmit`` (sent) or ``Receive`` (received).
        :param results_count: Page size.
        :param property_sid: The property searched; defaults to the client's.
        """
        sid = self._property_path(property_sid, "list_messages")
        query = FoneMessageListQuery.build(
            date_from=date_from,
            date_to=date_to,
            status=status,
            direction=direction,
            results_count=results_count,
            results_skip=0,
        )
        return self._walk(sid, query, results_count)

    def list_messages_page(
        self,
        *,
        date_from: Timestamp,
        date_to: Timestamp,
        status: str | None = None,
        direction: str | None = None,
        results_count: int = DEFAULT_RESULTS_COUNT,
        results_skip: int = 0,
        property_sid: str | None = None,
    ) -> list[FoneMessage]:
        """Return one page of a property's messages (GET ``/v2/Properties/{PropertySid}/Messages``).

        :param date_from: Start, inclusive: Unix seconds UTC or an aware datetime.
        :param date_to: End, exclusive.
        :param status: Only this status.
        :param direction: Only ``Transmit`` or ``Receive``.
        :param results_count: Page size.
        :param results_skip: Messages to skip (the offset).
        :param property_sid: The property searched; defaults to the client's.
        """
        sid = self._property_path(property_sid, "list_messages_page")
        query = FoneMessageListQuery.build(
            date_from=date_from,
            date_to=date_to,
            status=status,
            direction=direction,
            results_count=results_count,
            results_skip=results_skip,
        )
        return self._fetch_page(sid, query)

    def _walk(self, sid: str, query: FoneMessageListQuery, results_count: int) -> Iterator[FoneMessage]:
        skip = 0
        while True:
            page = self._fetch_page(sid, query.model_copy(update={"results_skip": skip}))
            yield from page
            if is_last_page(page=0, page_size=results_count, returned=len(page), total=None):
                return
            skip += len(page)

    def _fetch_page(self, sid: str, query: FoneMessageListQuery) -> list[FoneMessage]:
        data = self.transport.request_json("GET", f"{sid}/Messages", params=query.to_params())
        return parse_response(parse_message_list, data, vendor=self.vendor, operation="list_messages")

    def _property_path(self, property_sid: str | None, operation: str) -> str:
        """Return ``/v2/Properties/{sid}`` of the given or default property, or raise naming it."""
        sid = property_sid or self.property_sid
        subject = f"Fone Dynamics {operation}"
        if sid is None:
            rule = "required: pass property_sid or set a default property_sid on the client"
            raise SmsValidationError([Problem("property_sid", "(missing)", rule)], subject)
        return "/v2/Properties/" + path_id("property_sid", sid, subject=subject)


def _created_message(data: Any) -> FoneMessage:
    """Parse the message a send returned: without its ``MessageSid`` it proves nothing."""
    message = parse_message_response(data)
    if not message.message_sid:
        raise ValueError("the message has no MessageSid")
    return message
