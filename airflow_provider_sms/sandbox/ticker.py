"""Keeping vendor state current: a background ticker thread, and a tick before every vendor request."""

from __future__ import annotations

import logging
import threading

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.faults import is_vendor_path

log = logging.getLogger(__name__)

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
            await to_thread.run_sync(self.ctx.tick)
        await self.app(scope, receive, send)
