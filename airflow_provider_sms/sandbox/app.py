"""The sandbox's ASGI application: both vendor APIs plus the control endpoints."""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.context import SandboxContext

SINCH_PACKAGE = "airflow_provider_sms.sandbox.sinch"


def create_app(config: SandboxConfig | None = None, ctx: SandboxContext | None = None) -> FastAPI:
    """Build the sandbox application.

    :param config: Settings; defaults to :class:`SandboxConfig` defaults.
    :param ctx: An existing context to serve (tests); built from ``config`` when omitted.
    """
    context = ctx if ctx is not None else SandboxContext(config or SandboxConfig())
    app = FastAPI(title="airflow-provider-sms sandbox")
    app.state.ctx = context
    if importlib.util.find_spec(SINCH_PACKAGE) is not None:
        sinch_api = importlib.import_module(f"{SINCH_PACKAGE}.api")
        app.include_router(sinch_api.build_router(context))
    return app
