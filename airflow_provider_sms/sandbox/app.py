"""The sandbox's ASGI application: both vendor APIs, the ``/_sandbox/`` control endpoints, faults, ticks.

:func:`create_app` mounts the Sinch and Fone Dynamics routers and the control router (inboxes, stats,
clock, faults, injected inbound messages, the callbacks sent), and wraps them in two middlewares: faults
act first (vendor paths only), then a tick brings vendor state up to the sandbox clock before the handler
runs. A ticker thread keeps state moving between requests.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_sms.sandbox.callbacks import MAX_REPEAT, STATES, is_loopback_client
from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig
from airflow_provider_sms.sandbox.core import InboundRefused, InboundRequest, SandboxContext, normalize_msisdn
from airflow_provider_sms.sandbox.fonedynamics import build_router as build_fonedynamics_router
from airflow_provider_sms.sandbox.sinch import build_router as build_sinch_router

log = logging.getLogger(__name__)


# --- faults: latency, errors, rate limiting and dropped connections on vendor paths -------------------------

VENDOR_PATH_PREFIXES = ("/xms/", "/v2/", "/oauth2/token")


def is_vendor_path(path: str) -> bool:
    """Return whether ``path`` belongs to a vendor API (faults apply) rather than to ``/_sandbox/``.

    :param path: The request path.
    """
    return path.startswith(VENDOR_PATH_PREFIXES)


def error_body(path: str, status: int, code: str, text: str) -> dict[str, Any]:
    """Return an error body in the format of the vendor that owns ``path``.

    :param path: The request path.
    :param status: HTTP status of the error.
    :param code: Machine-readable error code.
    :param text: Human-readable explanation.
    """
    if path.startswith("/v2/"):
        return {"ResponseStatus": {"ErrorCode": code.upper(), "Message": text}}
    if path.startswith("/oauth2/"):
        return {"error": code, "error_description": text}
    return {"code": code, "text": text}


class RateLimiter:
    """A token bucket: ``rate`` requests per second on average, bursts of up to ``max(1, rate)``.

    Each new fault setting (``POST /_sandbox/faults``, a reset) starts with a full bucket, so a test's
    rate limit never inherits tokens spent under an earlier test's setting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._setting: object = None
        self._rate = 0.0
        self._tokens = 0.0
        self._updated = 0.0

    def acquire(self, rate: float, now: float, setting: object = None) -> int | None:
        """Take one token; return ``None`` if allowed, else the whole seconds (>= 1) to wait.

        :param rate: Allowed requests per second (> 0).
        :param now: Monotonic time in seconds.
        :param setting: The fault settings object the rate comes from; a different object refills the
            bucket (by default the rate itself identifies the setting).
        """
        capacity = max(1.0, rate)
        with self._lock:
            changed = setting is not self._setting if setting is not None else rate != self._rate
            if changed:
                self._setting, self._rate, self._tokens, self._updated = setting, rate, capacity, now
            self._tokens = min(capacity, self._tokens + (now - self._updated) * rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - self._tokens) / rate))


class ConnectionDropped(Exception):
    """Raised into the application when the response body is about to be sent on a dropped request."""


class FaultMiddleware:
    """Pure ASGI middleware applying ``ctx.faults`` to vendor API paths.

    Order per request: latency, then the rate limit (429 with ``Retry-After``), then an injected error
    (no effect on state), then the request itself; a dropped request runs in full and its connection is
    closed after the status line and headers, before any byte of the body.

    :param app: The wrapped application.
    :param ctx: The sandbox context holding the active faults and the seeded randomness.
    """

    def __init__(self, app: ASGIApp, ctx: SandboxContext) -> None:
        self.app = app
        self.ctx = ctx
        self.limiter = RateLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_vendor_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        self.ctx.count("vendor_requests")  # every request, faulty or not: tests check that none was made
        faults = self.ctx.faults
        path: str = scope["path"]
        if faults.latency_ms > 0:
            self.ctx.count("faults.latency")
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.rate_limit_per_s > 0:
            wait_s = self.limiter.acquire(faults.rate_limit_per_s, time.monotonic(), setting=faults)
            if wait_s is not None:
                self.ctx.count("faults.rate_limited")
                body = error_body(path, 429, "too_many_requests", "sandbox rate limit exceeded")
                response = JSONResponse(body, status_code=429, headers={"Retry-After": str(wait_s)})
                await response(scope, receive, send)
                return
        if faults.error_rate > 0 and self.ctx.rng.random() < faults.error_rate:
            self.ctx.count("faults.errors")
            body = error_body(path, faults.error_status, "sandbox_fault", "fault injected by the sandbox")
            await JSONResponse(body, status_code=faults.error_status)(scope, receive, send)
            return
        if faults.drop_after_commit_rate > 0 and self.ctx.rng.random() < faults.drop_after_commit_rate:
            self.ctx.count("faults.dropped")
            await self._run_and_drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _run_and_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body":
                raise ConnectionDropped

        try:
            await self.app(scope, receive, send_headers_only)
        except ConnectionDropped:
            # Returning with the response incomplete makes uvicorn close the connection: the client has
            # the status line and a Content-Length but never gets the body.
            return


# --- ticks: a background thread, and a tick before every vendor request -------------------------------------

TICK_INTERVAL_S = 0.1


class TickerThread:
    """Calls ``ctx.tick()`` about every 100 ms until stopped.

    :param ctx: The sandbox context whose tickers to run.
    :param interval: Seconds between ticks.
    """

    def __init__(self, ctx: SandboxContext, interval: float = TICK_INTERVAL_S) -> None:
        self.ctx = ctx
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start ticking in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking and wait for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.ctx.tick()
            except Exception:
                log.exception("Sandbox ticker failed; it keeps running")


class TickMiddleware:
    """Pure ASGI middleware that brings vendor state up to the sandbox clock before each vendor request.

    :param app: The wrapped application.
    :param ctx: The sandbox context.
    """

    def __init__(self, app: ASGIApp, ctx: SandboxContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_vendor_path(scope["path"]):
            await run_in_threadpool(self.ctx.tick)
        await self.app(scope, receive, send)


# --- control and inspection under /_sandbox/: inboxes, stats, reset, clock and faults -----------------------


class ClockAdvance(BaseModel):
    """Body of ``POST /_sandbox/clock``."""

    model_config = ConfigDict(extra="forbid")

    advance_seconds: float = Field(ge=0, le=366 * 86400)


class FaultSettings(BaseModel):
    """Body of ``POST /_sandbox/faults``; fields left out are switched off."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=60_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=500, ge=400, le=599)
    rate_limit_per_s: float = Field(default=0.0, ge=0.0)
    drop_after_commit_rate: float = Field(default=0.0, ge=0.0, le=1.0)


class InboundInjection(BaseModel):
    """Body of ``POST /_sandbox/inbound``: a handset's message to a vendor number."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    vendor: Literal["sinch", "fonedynamics"]
    sender: str = Field(alias="from", min_length=1, max_length=32)
    to: str | None = Field(default=None, min_length=1, max_length=32)
    body: str = Field(max_length=2000)
    in_reply_to: str | None = Field(default=None, min_length=1, max_length=64)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)
    operator_id: str | None = Field(default=None, min_length=1, max_length=16)


class CallbackOptions(BaseModel):
    """Body of ``PUT /_sandbox/callbacks``."""

    model_config = ConfigDict(extra="forbid")

    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)


def require_loopback_client(request: Request) -> None:
    """Refuse control requests that do not come from this machine.

    :param request: The incoming request.
    """
    host = request.client.host if request.client else None
    if not is_loopback_client(host):
        raise HTTPException(status_code=403, detail="the sandbox control API only answers loopback clients")


def build_control_router(ctx: SandboxContext) -> APIRouter:
    """Return the ``/_sandbox/`` router (no auth, loopback clients only).

    :param ctx: The sandbox context to inspect and control.
    """
    router = APIRouter(prefix="/_sandbox", dependencies=[Depends(require_loopback_client)])

    def faults_json() -> dict[str, Any]:
        return {"faults": asdict(ctx.faults), "active": ctx.faults.active()}

    @router.get("/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "now": ctx.clock.now().isoformat()}

    @router.get("/inbox/{msisdn}")
    def inbox(msisdn: str) -> dict[str, Any]:
        ctx.tick()
        messages = [entry.to_json() for entry in ctx.inbox.messages(msisdn)]
        return {"msisdn": normalize_msisdn(msisdn), "count": len(messages), "messages": messages}

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        ctx.tick()
        return {
            "now": ctx.clock.now().isoformat(),
            "clock_offset_seconds": ctx.clock.offset_seconds,
            "inbox_total": ctx.inbox.total(),
            "counters": ctx.counters(),
            **faults_json(),
        }

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        ctx.reset()
        return {"reset": True, "now": ctx.clock.now().isoformat()}

    @router.get("/clock")
    def clock() -> dict[str, Any]:
        return {"now": ctx.clock.now().isoformat(), "offset_seconds": ctx.clock.offset_seconds}

    @router.post("/clock")
    def advance_clock(body: ClockAdvance) -> dict[str, Any]:
        now = ctx.advance_clock(body.advance_seconds)
        return {"now": now.isoformat(), "offset_seconds": ctx.clock.offset_seconds}

    @router.post("/inbound", status_code=201)
    def inject_inbound(body: InboundInjection) -> JSONResponse:
        request = InboundRequest(**body.model_dump())
        try:
            result = ctx.inject_inbound(request)
        except InboundRefused as refused:
            raise HTTPException(status_code=refused.status, detail=str(refused)) from None
        return JSONResponse(result, status_code=201 if result["created"] else 200)

    @router.get("/callbacks")
    def callbacks(
        vendor: str | None = None, kind: str | None = None, state: str | None = None
    ) -> dict[str, Any]:
        if state is not None and state not in STATES:
            raise HTTPException(status_code=400, detail=f"state: {state!r} is not one of {', '.join(STATES)}")
        ctx.tick()
        found = ctx.callbacks.records(vendor=vendor, kind=kind, state=state)
        return {"count": len(found), "repeat": ctx.callbacks.repeat, "callbacks": found}

    @router.put("/callbacks")
    def set_callback_options(body: CallbackOptions) -> dict[str, Any]:
        ctx.callbacks.set_repeat(body.repeat)
        return {"repeat": ctx.callbacks.repeat}

    @router.get("/faults")
    def get_faults() -> dict[str, Any]:
        return faults_json()

    @router.post("/faults")
    def set_faults(body: FaultSettings) -> dict[str, Any]:
        ctx.faults = FaultConfig(**body.model_dump())
        return faults_json()

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        ctx.faults = FaultConfig()
        return faults_json()

    return router


# --- the application ----------------------------------------------------------------------------------------


def create_app(config: SandboxConfig | None = None, ctx: SandboxContext | None = None) -> FastAPI:
    """Build the sandbox application; its lifespan runs the ticker thread.

    :param config: Settings; defaults to :class:`SandboxConfig` defaults.
    :param ctx: An existing context to serve (then the caller closes it); built from ``config`` and
        closed at shutdown when omitted.
    """
    owns_context = ctx is None
    context = ctx if ctx is not None else SandboxContext(config or SandboxConfig())
    ticker = TickerThread(context)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ticker.start()
        try:
            yield
        finally:
            ticker.stop()
            if owns_context:
                context.close()

    app = FastAPI(title="airflow-provider-sms sandbox", lifespan=lifespan)
    app.state.ctx = context
    control = build_control_router(context)
    app.include_router(build_sinch_router(context, control))
    app.include_router(build_fonedynamics_router(context))
    app.include_router(control)
    # Added last so it runs first: faults act before the tick and the handler.
    app.add_middleware(TickMiddleware, ctx=context)
    app.add_middleware(FaultMiddleware, ctx=context)
    return app
