"""The Sinch SMS REST API ("XMS" batches) as served by the sandbox: authentication, behaviour, routes.

Written from the vendor's reference, independently of ``clients/`` and ``models/``: batches that move
through Queued, Dispatched and a final status on the sandbox clock, delivery reports, inbound (MO)
messages, signed callbacks, dry run with its own GSM-7 / UCS-2 part counting, and the API token and
OAuth2 access-token schemes. :func:`build_router` serves ``/oauth2/token`` and everything under
``/xms/v1/{id}`` over a :class:`SinchService`, and the plan's dashboard settings under
``/_sandbox/sinch/``. Request checks are in :mod:`~.sinch_requests`, batches over time in
:mod:`~.sinch_batches`, response bodies and list filters in :mod:`~.sinch_reports`, inbound messages and
callback signing in :mod:`~.sinch_inbounds`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from airflow_provider_sms.sandbox.core import InboundRequest, SandboxContext
from airflow_provider_sms.sandbox.sinch_batches import (
    Batch,
    DueIndex,
    RecipientState,
    SinchPersistence,
    SinchState,
    StatusChange,
    advance,
    cancel,
    new_batch_id,
    next_change_at,
    queued_recipients,
    render,
)
from airflow_provider_sms.sandbox.sinch_inbounds import CallbackSettings, InboundBook, inbound_json
from airflow_provider_sms.sandbox.sinch_reports import (
    FinalReports,
    batch_json,
    batch_report,
    iso,
    query_bool,
    query_codes,
    query_csv,
    query_int,
    query_page,
    query_statuses,
    query_window,
    recipient_report,
)
from airflow_provider_sms.sandbox.sinch_requests import (
    ALREADY_DISPATCHED,
    FEEDBACK_NOT_ENABLED,
    INVALID_JSON,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    SinchApiError,
    apply_update,
    check_msisdn_list,
    constraint_violation,
    not_found,
    parse_content,
    require_object,
    same_number,
)

# --- authentication: the static API token of a service plan, and OAuth2 access tokens of a project ----------


@dataclass(frozen=True)
class Credentials:
    """What the sandbox accepts.

    :param service_plan_id: Path id that takes the static API token.
    :param api_token: The static API token.
    :param project_id: Path id that takes OAuth2 access tokens.
    :param key_id: OAuth2 client id (HTTP Basic user name at the token endpoint).
    :param key_secret: OAuth2 client secret (HTTP Basic password at the token endpoint).
    :param token_ttl: Lifetime of an issued access token, in seconds.
    """

    service_plan_id: str
    api_token: str
    project_id: str
    key_id: str
    key_secret: str
    token_ttl: int

    def __repr__(self) -> str:
        return f"Credentials(service_plan_id={self.service_plan_id!r}, project_id={self.project_id!r})"


class OAuthError(Exception):
    """An OAuth2 token endpoint error (RFC 6749 section 5.2 body).

    :param status: HTTP status, 400 or 401.
    :param error: OAuth2 error code, e.g. ``invalid_client``.
    :param description: Human-readable explanation.
    """

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description


def _unauthorized(text: str, challenge: str = "Bearer") -> SinchApiError:
    return SinchApiError(401, UNAUTHORIZED, text, headers={"WWW-Authenticate": challenge})


def _bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("an 'Authorization: Bearer <token>' header is required")
    return token.strip()


def check_bearer(
    credentials: Credentials,
    tokens: dict[str, datetime],
    path_id: str,
    authorization: str | None,
    now: datetime,
) -> None:
    """Accept the request or raise a 401 (with ``WWW-Authenticate``) saying why not.

    :param credentials: What the sandbox accepts.
    :param tokens: Issued OAuth2 access tokens and their expiry.
    :param path_id: The service plan or project id from ``/xms/v1/{id}``.
    :param authorization: The ``Authorization`` header, if any.
    :param now: Sandbox time.
    """
    token = _bearer_token(authorization)
    if path_id == credentials.service_plan_id and hmac.compare_digest(token, credentials.api_token):
        return
    if path_id == credentials.project_id and token in tokens:
        expires_at = tokens[token]
        if now < expires_at:
            return
        raise _unauthorized(
            "the access token has expired",
            f'Bearer error="invalid_token", error_description="Jwt expired at {iso(expires_at)}"',
        )
    raise _unauthorized(
        "the token is not valid for this service plan or project",
        'Bearer error="invalid_token", error_description="token not valid for this resource"',
    )


def _client_credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(401, "invalid_client", "HTTP Basic client authentication is required")
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "malformed HTTP Basic credentials") from None
    return user, password


def issue_access_token(
    credentials: Credentials,
    tokens: dict[str, datetime],
    authorization: str | None,
    content_type: str,
    form_body: bytes,
    now: datetime,
) -> dict[str, object]:
    """Handle ``POST /oauth2/token`` (client credentials grant) and return the token response.

    :param credentials: What the sandbox accepts.
    :param tokens: Issued tokens; the new one is added.
    :param authorization: The ``Authorization`` header (HTTP Basic key id : key secret).
    :param content_type: The request's content type; must be a form.
    :param form_body: The raw request body.
    :param now: Sandbox time.
    """
    key_id, key_secret = _client_credentials(authorization)
    known = hmac.compare_digest(key_id, credentials.key_id) and hmac.compare_digest(
        key_secret, credentials.key_secret
    )
    if not known:
        raise OAuthError(401, "invalid_client", "unknown key id or wrong key secret")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise OAuthError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    grant_types = parse_qs(form_body.decode("utf-8", "replace")).get("grant_type", [])
    if grant_types != ["client_credentials"]:
        raise OAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials")
    for expired in [token for token, expiry in tokens.items() if expiry < now - timedelta(days=1)]:
        del tokens[expired]
    token = secrets.token_urlsafe(32)
    tokens[token] = now + timedelta(seconds=credentials.token_ttl)
    return {
        "access_token": token,
        "expires_in": credentials.token_ttl,
        "scope": "",
        "token_type": "bearer",
    }


# --- behaviour behind the routes: batches, reports, callbacks, persistence ----------------------------------

LIST_WINDOW = timedelta(days=14)
MAX_DRY_RUN_RECIPIENTS = 1000


class SinchService:
    """Sinch XMS behaviour over the sandbox context; call every method with ``ctx.lock`` held.

    :param ctx: The running sandbox's shared context.
    """

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        config = ctx.config
        self.credentials = Credentials(
            service_plan_id=config.sinch_service_plan_id,
            api_token=config.sinch_api_token,
            project_id=config.sinch_project_id,
            key_id=config.sinch_key_id,
            key_secret=config.sinch_key_secret,
            token_ttl=config.sinch_token_ttl,
        )
        self.persistence = SinchPersistence(ctx.store)
        self.state = self.persistence.load()
        self.inbounds = InboundBook(ctx.store)
        self.callback_settings = self.configured_callbacks()
        self.due = DueIndex()
        self.final_reports = FinalReports()
        for batch in self.state.batches.values():
            self._schedule(batch)
        ctx.add_ticker(self.tick)
        ctx.add_reset_hook(self.reset)
        ctx.add_inbound_handler("sinch", self.receive_inbound)

    def configured_callbacks(self) -> CallbackSettings:
        """Return the plan's callback settings given at start (config or command line)."""
        config = self.ctx.config
        return CallbackSettings(config.sinch_callback_url, config.sinch_callback_secret)

    def _schedule(self, batch: Batch) -> None:
        self.due.set(batch.id, next_change_at(batch, self.ctx.config.delivery_delay, self.ctx.outcome))

    def save(self) -> None:
        """Persist what changed since the last save (see :class:`SinchPersistence`)."""
        self.persistence.save(self.state)

    def reset(self) -> None:
        """Forget every batch, token and inbound message; the callback settings return to the start's."""
        self.state = SinchState()
        self.inbounds.clear()
        self.callback_settings = self.configured_callbacks()
        self.due.clear()
        self.persistence.forget()
        self.final_reports.changed()

    # --- time -------------------------------------------------------------------------------------

    def tick(self, now: datetime) -> None:
        """Move the batches with a change due along to ``now``: dispatch, receipts, expiry, callbacks.

        :param now: Sandbox time.
        """
        for batch_id in self.due.take_due(now):
            batch = self.state.batches[batch_id]
            changes = advance(batch, now, self.ctx.config.delivery_delay, self.ctx.outcome)
            self._publish(batch, changes)
            self._schedule(batch)
            if changes:
                self.persistence.batch_changed(batch_id)
        self.save()

    def _callback(self, url: str, payload: dict[str, Any], kind: str) -> None:
        self.ctx.callbacks.enqueue(
            url, payload, vendor="sinch", kind=kind, sign=self.callback_settings.signer()
        )

    def _publish(self, batch: Batch, changes: list[StatusChange]) -> None:
        if changes:
            self.final_reports.changed()
        content = batch.content
        callback_url = content.callback_url or self.callback_settings.url
        for change in changes:
            recipient = change.recipient
            self.ctx.count(f"sinch.messages_{recipient.status.lower()}")
            if recipient.status == "Delivered":
                self.ctx.inbox.deliver(
                    recipient.msisdn,
                    body=recipient.body or "",
                    sender=content.sender or "",
                    vendor="sinch",
                    message_id=batch.id,
                    batch_id=batch.id,
                )
            wanted = content.delivery_report == "per_recipient" or (
                content.delivery_report == "per_recipient_final" and recipient.final
            )
            if wanted and callback_url:
                self._callback(callback_url, recipient_report(batch, recipient), "delivery_report")
        summary_type = content.delivery_report in ("summary", "full")
        if changes and summary_type and callback_url and not batch.summary_sent and batch.all_final():
            batch.summary_sent = True
            report = batch_report(batch, full=content.delivery_report == "full")
            self._callback(callback_url, report, "delivery_report")

    # --- auth -------------------------------------------------------------------------------------

    def authenticate(self, path_id: str, authorization: str | None) -> None:
        """Accept a vendor API request or raise a 401.

        :param path_id: The service plan or project id from the path.
        :param authorization: The ``Authorization`` header.
        """
        check_bearer(self.credentials, self.state.tokens, path_id, authorization, self.ctx.clock.now())

    def issue_token(self, authorization: str | None, content_type: str, body: bytes) -> dict[str, object]:
        """Answer ``POST /oauth2/token``.

        :param authorization: HTTP Basic header with key id and key secret.
        :param content_type: Request content type.
        :param body: Raw form body.
        """
        token = issue_access_token(
            self.credentials, self.state.tokens, authorization, content_type, body, self.ctx.clock.now()
        )
        self.ctx.count("sinch.tokens_issued")
        self.persistence.tokens_changed()
        self.save()
        return token

    # --- batches ----------------------------------------------------------------------------------

    def get(self, batch_id: str) -> Batch:
        """Return a batch or raise 404.

        :param batch_id: Batch id from the path.
        """
        batch = self.state.batches.get(batch_id)
        if batch is None:
            raise not_found(f"batch {batch_id!r}")
        return batch

    def batch(self, batch_id: str) -> dict[str, Any]:
        """Answer ``GET /batches/{id}``.

        :param batch_id: Batch id from the path.
        """
        return batch_json(self.get(batch_id))

    def _after_change(self, batch: Batch, *, new: bool = False) -> dict[str, Any]:
        self.persistence.batch_changed(batch.id, new=new)
        self.final_reports.changed()
        self._schedule(batch)
        self.tick(self.ctx.clock.now())
        return batch_json(batch)

    def create(self, data: Any) -> dict[str, Any]:
        """Send or schedule a batch (``POST /batches``) and return it.

        :param data: Decoded JSON body.
        """
        now = self.ctx.clock.now()
        content = parse_content(require_object(data), now, self.callback_settings.url)
        batch = Batch(
            id=new_batch_id(now, self.ctx.rng),
            content=content,
            created_at=now,
            modified_at=now,
            submitted_at=now,
            recipients=queued_recipients(content.to, now),
        )
        self.state.batches[batch.id] = batch
        self.ctx.count("sinch.batches_created")
        return self._after_change(batch, new=True)

    def _pending(self, batch_id: str) -> Batch:
        batch = self.get(batch_id)
        if batch.dispatched or batch.canceled:
            state = "cancelled" if batch.canceled else "dispatched"
            raise SinchApiError(403, ALREADY_DISPATCHED, f"batch {batch_id!r} was already {state}")
        return batch

    def update(self, batch_id: str, data: Any) -> dict[str, Any]:
        """Change a batch not yet dispatched (``POST /batches/{id}``) and return it.

        :param batch_id: Batch id.
        :param data: Decoded JSON body: ``to_add``, ``to_remove`` and fields to change.
        """
        batch = self._pending(batch_id)
        now = self.ctx.clock.now()
        batch.content = apply_update(batch.content, require_object(data), now, self.callback_settings.url)
        fresh = queued_recipients(batch.content.to, now)
        batch.recipients = {number: batch.recipients.get(number, state) for number, state in fresh.items()}
        batch.modified_at = now
        return self._after_change(batch)

    def replace(self, batch_id: str, data: Any) -> dict[str, Any]:
        """Replace a batch not yet dispatched (``PUT /batches/{id}``), keeping its id, and return it.

        :param batch_id: Batch id.
        :param data: Decoded JSON body, as for a send.
        """
        batch = self._pending(batch_id)
        now = self.ctx.clock.now()
        batch.content = parse_content(require_object(data), now, self.callback_settings.url)
        batch.recipients = queued_recipients(batch.content.to, now)
        batch.submitted_at = batch.modified_at = now
        batch.summary_sent = False
        return self._after_change(batch)

    def cancel(self, batch_id: str) -> dict[str, Any]:
        """Cancel a batch (``DELETE /batches/{id}``); only messages not yet dispatched are cancelled.

        :param batch_id: Batch id.
        """
        batch = self.get(batch_id)
        self._publish(batch, cancel(batch, self.ctx.clock.now()))
        self.ctx.count("sinch.batches_cancelled")
        self._schedule(batch)
        self.persistence.batch_changed(batch_id)
        self.save()
        return batch_json(batch)

    def feedback(self, batch_id: str, data: Any) -> None:
        """Record delivery feedback (``POST /batches/{id}/delivery_feedback``).

        :param batch_id: Batch id.
        :param data: Decoded JSON body ``{"recipients": [...]}``; an empty list means every recipient.
        """
        batch = self.get(batch_id)
        body = require_object(data)
        if "recipients" not in body:
            raise constraint_violation("recipients", "is required (it may be an empty list)")
        numbers = check_msisdn_list(
            "recipients", body["recipients"], min_items=0, max_items=len(batch.recipients)
        )
        if not batch.content.feedback_enabled:
            raise SinchApiError(
                403, FEEDBACK_NOT_ENABLED, f"batch {batch_id!r} was sent without feedback_enabled"
            )
        chosen: list[RecipientState] = []
        for position, number in enumerate(numbers):
            recipient = batch.find_recipient(number)
            if recipient is None:
                raise constraint_violation(f"recipients[{position}]", "is not a recipient of this batch")
            chosen.append(recipient)
        now = self.ctx.clock.now()
        for recipient in chosen or list(batch.recipients.values()):
            recipient.feedback_at = now
        self.ctx.count("sinch.delivery_feedback")
        self.persistence.batch_changed(batch_id)
        self.save()

    def list_batches(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List batches of the last 14 days, newest first (``GET /batches``).

        :param query: ``page``, ``page_size``, ``from``, ``start_date``, ``end_date``, ``client_reference``.
        """
        now = self.ctx.clock.now()
        page, window = query_page(query), query_window(query, now)
        senders = query_csv(query, "from")
        reference = query.get("client_reference")
        found = [
            batch
            for batch in reversed(self.state.batches.values())
            if batch.created_at >= now - LIST_WINDOW
            and window.contains(batch.created_at)
            and (not senders or any(same_number(batch.content.sender or "", s) for s in senders))
            and (reference is None or batch.content.client_reference == reference)
        ]
        return page.envelope(found, "batches", batch_json)

    def dry_run(self, data: Any, query: Mapping[str, str]) -> dict[str, Any]:
        """Count bodies and parts without sending (``POST /batches/dry_run``).

        :param data: Decoded JSON body, as for a send.
        :param query: ``per_recipient`` and ``number_of_recipients``.
        """
        per_recipient = query_bool(query, "per_recipient")
        limit = query_int(query, "number_of_recipients", 100, 0, MAX_DRY_RUN_RECIPIENTS)
        content = parse_content(require_object(data), self.ctx.clock.now(), self.callback_settings.url)
        messages = [render(content, number) for number in content.to]
        sendable = [m for m in messages if m.body is not None and (m.aborted is None or m.aborted[1] == 410)]
        result: dict[str, Any] = {
            "number_of_recipients": len(content.to),
            "number_of_messages": sum(m.parts for m in sendable),
        }
        if per_recipient:
            result["per_recipient"] = [
                {"recipient": m.recipient, "number_of_parts": m.parts, "body": m.body, "encoding": m.encoding}
                for m in sendable[:limit]
            ]
        self.ctx.count("sinch.dry_runs")
        return result

    # --- delivery reports -------------------------------------------------------------------------

    def batch_delivery_report(self, batch_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        """Answer ``GET /batches/{id}/delivery_report``.

        :param batch_id: Batch id.
        :param query: ``type`` (summary or full), ``status`` and ``code`` comma filters.
        """
        batch = self.get(batch_id)
        report_type = query.get("type", "summary")
        if report_type not in ("summary", "full"):
            raise not_found(f"delivery report type {report_type!r}")
        return batch_report(
            batch, full=report_type == "full", statuses=query_statuses(query), codes=query_codes(query)
        )

    def recipient_delivery_report(self, batch_id: str, msisdn: str) -> dict[str, Any]:
        """Answer ``GET /batches/{id}/delivery_report/{msisdn}``; 404 if not a recipient.

        :param batch_id: Batch id.
        :param msisdn: Recipient number, with or without ``+``.
        """
        batch = self.get(batch_id)
        recipient = batch.find_recipient(msisdn)
        if recipient is None:
            raise not_found(f"recipient of batch {batch_id!r}")
        return recipient_report(batch, recipient)

    def list_delivery_reports(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List final recipient reports, newest first (``GET /delivery_reports``).

        :param query: ``page``, ``page_size``, ``start_date``, ``end_date``, ``status``, ``code``,
            ``client_reference``.
        """
        now = self.ctx.clock.now()
        page, window = query_page(query), query_window(query, now)
        statuses, codes = query_statuses(query), query_codes(query)
        reference = query.get("client_reference")
        matching = self.final_reports.matching(self.state.batches.values(), reference, statuses, codes)
        found = [pair for pair in matching if window.contains(pair[1].at)]
        return page.envelope(found, "delivery_reports", lambda pair: recipient_report(*pair))

    # --- inbound messages ------------------------------------------------------------------------

    def receive_inbound(self, request: InboundRequest) -> dict[str, Any]:
        """Take a handset's message injected with ``POST /_sandbox/inbound`` and send the MO callback.

        :param request: The injected message.
        :raises InboundRefused: The message breaks a rule, or its key was used for another message.
        """
        now = self.ctx.clock.now()
        inbound, created = self.inbounds.receive(request, self.state.batches, now, self.ctx.rng)
        body = inbound_json(inbound)
        if created:
            self.ctx.count("sinch.inbounds_received")
            if self.callback_settings.url:
                self._callback(self.callback_settings.url, body, "mo")
        return {"vendor": "sinch", "id": inbound.id, "created": created, "inbound": body}

    def list_inbounds(self, query: Mapping[str, str]) -> dict[str, Any]:
        """List inbound messages, newest first (``GET /inbounds``).

        :param query: ``page``, ``page_size``, ``to`` (comma list), ``start_date``, ``end_date``,
            ``client_reference``.
        """
        page, window = query_page(query), query_window(query, self.ctx.clock.now())
        found = self.inbounds.matching(query_csv(query, "to"), window, query.get("client_reference"))
        return page.envelope(found, "inbounds", inbound_json)

    def inbound(self, inbound_id: str) -> dict[str, Any]:
        """Answer ``GET /inbounds/{id}``; 404 if unknown.

        :param inbound_id: Inbound id from the path.
        """
        inbound = self.inbounds.get(inbound_id)
        if inbound is None:
            raise not_found(f"inbound {inbound_id!r}")
        return inbound_json(inbound)


# --- routes: /oauth2/token and everything under /xms/v1/{id} ------------------------------------------------

PREFIX = "/xms/v1/{plan_id}"
Operation = Callable[[Any, Mapping[str, str]], Any]


def decode_json(content_type: str | None, body: bytes) -> Any:
    """Return the decoded JSON body, or raise 415 (not JSON content) or 400 ``syntax_invalid_json``.

    :param content_type: The request's ``Content-Type`` header.
    :param body: The raw request body.
    """
    if not (content_type or "").lower().startswith("application/json"):
        raise SinchApiError(415, UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise SinchApiError(400, INVALID_JSON, f"the body is not valid JSON: {error.msg}") from None
    except UnicodeDecodeError:
        raise SinchApiError(400, INVALID_JSON, "the body is not UTF-8 text") from None


class _Endpoints:
    """Runs each vendor request authenticated, under the sandbox lock, off the event loop."""

    def __init__(self, ctx: SandboxContext, service: SinchService) -> None:
        self.ctx = ctx
        self.service = service

    async def run(
        self, request: Request, operation: Operation, *, takes_json: bool = False, status: int = 200
    ) -> Response:
        body = await request.body() if takes_json else b""
        path_id = request.path_params["plan_id"]
        headers = request.headers
        query = dict(request.query_params)

        def work() -> Any:
            with self.ctx.lock:
                self.service.authenticate(path_id, headers.get("authorization"))
                self.service.tick(self.ctx.clock.now())
                data = decode_json(headers.get("content-type"), body) if takes_json else None
                return operation(data, query)

        try:
            result = await run_in_threadpool(work)
        except SinchApiError as error:
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
        if result is None:
            return Response(status_code=status)
        return JSONResponse(result, status_code=status)

    async def token(self, request: Request) -> Response:
        body = await request.body()
        headers = request.headers

        def work() -> dict[str, object]:
            with self.ctx.lock:
                return self.service.issue_token(
                    headers.get("authorization"), headers.get("content-type", ""), body
                )

        no_store = {"Cache-Control": "no-store"}
        try:
            result = await run_in_threadpool(work)
        except OAuthError as error:
            if error.status == 401:
                no_store["WWW-Authenticate"] = 'Basic realm="sinch"'
            content = {"error": error.error, "error_description": error.description}
            return JSONResponse(content, status_code=error.status, headers=no_store)
        return JSONResponse(result, headers=no_store)


class CallbackSettingsBody(BaseModel):
    """Body of ``PUT /_sandbox/sinch/callbacks``: the plan's dashboard settings; a field left out is unset."""

    model_config = ConfigDict(extra="forbid")

    callback_url: str | None = Field(default=None, max_length=2048)
    signing_secret: str | None = Field(default=None, max_length=256, repr=False)


def add_control_routes(control: APIRouter, ctx: SandboxContext, service: SinchService) -> None:
    """Add ``GET`` and ``PUT /sinch/callbacks`` (the plan's callback URL and signing secret) to ``control``.

    :param control: The ``/_sandbox`` control router.
    :param ctx: The running sandbox's shared context.
    :param service: The Sinch service whose settings they are.
    """

    @control.get("/sinch/callbacks")
    def get_callback_settings() -> dict[str, Any]:
        return service.callback_settings.to_json()

    @control.put("/sinch/callbacks")
    def set_callback_settings(body: CallbackSettingsBody) -> dict[str, Any]:
        try:
            settings = CallbackSettings(body.callback_url, body.signing_secret)
        except ValueError as error:
            raise HTTPException(status_code=400, detail=str(error)) from None
        with ctx.lock:
            service.callback_settings = settings
        return settings.to_json()


def build_router(ctx: SandboxContext, control: APIRouter | None = None) -> APIRouter:
    """Return the Sinch API routes over a fresh :class:`SinchService` on ``ctx``.

    :param ctx: The running sandbox's shared context.
    :param control: The ``/_sandbox`` control router, to add the plan's dashboard settings to.
    """
    service = SinchService(ctx)
    if control is not None:
        add_control_routes(control, ctx, service)
    endpoints = _Endpoints(ctx, service)
    router = APIRouter(tags=["sinch"])
    run = endpoints.run

    @router.post("/oauth2/token")
    async def oauth_token(request: Request) -> Response:
        return await endpoints.token(request)

    @router.post(PREFIX + "/batches")
    async def send_batch(request: Request) -> Response:
        return await run(request, lambda data, _: service.create(data), takes_json=True, status=201)

    @router.get(PREFIX + "/batches")
    async def list_batches(request: Request) -> Response:
        return await run(request, lambda _, query: service.list_batches(query))

    @router.post(PREFIX + "/batches/dry_run")
    async def dry_run(request: Request) -> Response:
        return await run(request, service.dry_run, takes_json=True)

    @router.get(PREFIX + "/batches/{batch_id}")
    async def get_batch(request: Request, batch_id: str) -> Response:
        return await run(request, lambda *_: service.batch(batch_id))

    @router.post(PREFIX + "/batches/{batch_id}")
    async def update_batch(request: Request, batch_id: str) -> Response:
        return await run(request, lambda data, _: service.update(batch_id, data), takes_json=True)

    @router.put(PREFIX + "/batches/{batch_id}")
    async def replace_batch(request: Request, batch_id: str) -> Response:
        return await run(request, lambda data, _: service.replace(batch_id, data), takes_json=True)

    @router.delete(PREFIX + "/batches/{batch_id}")
    async def cancel_batch(request: Request, batch_id: str) -> Response:
        return await run(request, lambda *_: service.cancel(batch_id))

    @router.post(PREFIX + "/batches/{batch_id}/delivery_feedback")
    async def delivery_feedback(request: Request, batch_id: str) -> Response:
        return await run(
            request, lambda data, _: service.feedback(batch_id, data), takes_json=True, status=202
        )

    @router.get(PREFIX + "/batches/{batch_id}/delivery_report")
    async def batch_delivery_report(request: Request, batch_id: str) -> Response:
        return await run(request, lambda _, query: service.batch_delivery_report(batch_id, query))

    @router.get(PREFIX + "/batches/{batch_id}/delivery_report/{msisdn}")
    async def recipient_delivery_report(request: Request, batch_id: str, msisdn: str) -> Response:
        return await run(request, lambda *_: service.recipient_delivery_report(batch_id, msisdn))

    @router.get(PREFIX + "/delivery_reports")
    async def list_delivery_reports(request: Request) -> Response:
        return await run(request, lambda _, query: service.list_delivery_reports(query))

    @router.get(PREFIX + "/inbounds")
    async def list_inbounds(request: Request) -> Response:
        return await run(request, lambda _, query: service.list_inbounds(query))

    @router.get(PREFIX + "/inbounds/{inbound_id}")
    async def get_inbound(request: Request, inbound_id: str) -> Response:
        return await run(request, lambda *_: service.inbound(inbound_id))

    return router
