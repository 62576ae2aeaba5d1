"""HTTP routes of the sandbox's Fone Dynamics REST API v2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.fonedynamics.errors import FoneRequestError
from airflow_provider_sms.sandbox.fonedynamics.handlers import FoneDynamicsHandlers


async def _respond(handler: Callable[[], Any]) -> Response:
    try:
        content = await run_in_threadpool(handler)
    except FoneRequestError as error:
        return error.response()
    return JSONResponse(content)


def build_router(ctx: SandboxContext) -> APIRouter:
    """Return the ``/v2/...`` routes, with their state registered on ``ctx`` (ticker, reset, store).

    :param ctx: The sandbox context.
    """
    handlers = FoneDynamicsHandlers(ctx)
    router = APIRouter(prefix="/v2", tags=["fonedynamics"])

    @router.post("/Properties/{property_sid}/Messages")
    async def send_message(property_sid: str, request: Request) -> Response:
        body = await request.body()
        auth = request.headers.get("authorization")
        return await _respond(lambda: handlers.send_message(auth, property_sid, body))

    @router.post("/Properties/{property_sid}/BatchMessages")
    async def send_batch(property_sid: str, request: Request) -> Response:
        body = await request.body()
        auth = request.headers.get("authorization")
        return await _respond(lambda: handlers.send_batch(auth, property_sid, body))

    @router.get("/Messages/{message_sid}")
    async def get_message(message_sid: str, request: Request) -> Response:
        auth = request.headers.get("authorization")
        return await _respond(lambda: handlers.get_message(auth, message_sid))

    @router.get("/Properties/{property_sid}/Messages")
    async def find_messages(property_sid: str, request: Request) -> Response:
        auth = request.headers.get("authorization")
        query = dict(request.query_params)
        return await _respond(lambda: handlers.find_messages(auth, property_sid, query))

    return router
