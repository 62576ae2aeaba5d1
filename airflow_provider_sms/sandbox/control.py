"""Control and inspection endpoints under ``/_sandbox/``: inboxes, stats, reset, clock and faults."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_provider_sms.sandbox.config import FaultConfig
from airflow_provider_sms.sandbox.context import SandboxContext
from airflow_provider_sms.sandbox.inbox import normalize_msisdn
from airflow_provider_sms.sandbox.loopback import is_loopback_client


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
