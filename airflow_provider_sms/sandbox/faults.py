"""Fault injection for vendor API requests: latency, errors, rate limiting and dropped connections."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_sms.sandbox.context import SandboxContext

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
