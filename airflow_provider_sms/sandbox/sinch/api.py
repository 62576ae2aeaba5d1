"""HTTP routes of the Sinch sandbox: ``/oauth2/token`` and everything under ``/xms/v1/{id}``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_sms.sandbox.sinch.auth import OAuthError
from airflow_provider_sms.sandbox.sinch.errors import INVALID_JSON, UNSUPPORTED_MEDIA_TYPE, SinchApiError
from airflow_provider_sms.sandbox.sinch.service import SinchService

if TYPE_CHECKING:
    from airflow_provider_sms.sandbox.context import SandboxContext

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


def build_router(ctx: SandboxContext) -> APIRouter:
    """Return the Sinch API routes over a fresh :class:`SinchService` on ``ctx``.

    :param ctx: The running sandbox's shared context.
    """
    service = SinchService(ctx)
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

    return router
