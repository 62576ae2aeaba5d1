"""The sandbox's ASGI application: both vendor APIs, the control endpoints, faults and the ticker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.control import build_control_router
from airflow_provider_sms.sandbox.faults import FaultMiddleware
from airflow_provider_sms.sandbox.fonedynamics.api import build_router as build_fonedynamics_router
from airflow_provider_sms.sandbox.sinch.api import build_router as build_sinch_router
from airflow_provider_sms.sandbox.ticker import TickerThread, TickMiddleware


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
    app.include_router(build_sinch_router(context))
    app.include_router(build_fonedynamics_router(context))
    app.include_router(build_control_router(context))
    # Added last so it runs first: faults act before the tick and the handler.
    app.add_middleware(TickMiddleware, ctx=context)
    app.add_middleware(FaultMiddleware, ctx=context)
    return app
