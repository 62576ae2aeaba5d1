"""The Fone Dynamics REST API v2 as served by the sandbox: messages, batch messages, search, webhooks.

:func:`build_router` serves the ``/v2/...`` routes; :class:`FoneDynamicsHandlers` does what each endpoint
does (HTTP Basic auth, property check, body and query parsing) over the message state of
:mod:`~.fonedynamics_messages`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_sms.sandbox.core import InboundRequest, SandboxContext
from airflow_provider_sms.sandbox.fonedynamics_messages import (
    INVALID_REQUEST,
    NOT_FOUND,
    PARAMETER_INVALID,
    PARAMETER_REQUIRED,
    PARAMETER_UNKNOWN,
    UNAUTHORIZED,
    FieldError,
    FoneDynamicsState,
    FoneRequestError,
    MessageRequest,
    error_item,
    validate_message,
)

# --- what each endpoint does, independent of HTTP routing ---------------------------------------------------

STATUSES = ("Processing", "Submitted", "Delivered", "Failed", "Received")
DIRECTIONS = ("Transmit", "Receive")
DEFAULT_RESULTS_COUNT = 200


def _bad_request(code: str, message: str, field: str = "") -> FoneRequestError:
    return FoneRequestError.single(400, code, message, field)


def parse_json(body: bytes) -> Any:
    """Return the decoded JSON body, or raise a whole-request 400 error.

    :param body: Raw request body.
    """
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _bad_request(INVALID_REQUEST, f"the request body is not valid JSON: {error}") from None


def _int_param(query: Mapping[str, str], name: str, default: int | None, minimum: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise _bad_request(PARAMETER_REQUIRED, f"{name} is required", name)
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad_request(PARAMETER_INVALID, f"{name} {raw!r} must be an integer", name) from None
    if value < minimum:
        raise _bad_request(PARAMETER_INVALID, f"{name} {value} must be at least {minimum}", name)
    return value


def _choice_param(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    for choice in choices:
        if choice.lower() == raw.lower():
            return choice
    raise _bad_request(PARAMETER_INVALID, f"{name} {raw!r} must be one of {', '.join(choices)}", name)


class FoneDynamicsHandlers:
    """The Fone Dynamics endpoints of one sandbox; registers its ticker and reset hook on ``ctx``.

    :param ctx: The sandbox context.
    """

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        with ctx.lock:
            self.state = FoneDynamicsState(ctx)
        ctx.add_ticker(self._tick)
        ctx.add_reset_hook(self.state.reset)
        ctx.add_inbound_handler("fonedynamics", self.receive_inbound)

    def _tick(self, now: datetime) -> None:
        if self.state.tick(now.timestamp()):
            self.state.save()

    def receive_inbound(self, request: InboundRequest) -> dict[str, Any]:
        """Take a handset's message injected with ``POST /_sandbox/inbound`` (``FoneDynamicsState.receive``).

        :param request: The injected message.
        """
        with self.ctx.lock:
            resource, created = self.state.receive(request, self.ctx.clock.now().timestamp())
            if created:
                self.state.save()
        return {
            "vendor": "fonedynamics",
            "id": resource["MessageSid"],
            "created": created,
            "inbound": resource,
        }

    def authenticate(self, authorization: str | None) -> None:
        """Accept HTTP Basic with the sandbox's AccountSid and token, else raise a 401.

        :param authorization: The ``Authorization`` header, if any.
        """
        self.ctx.count("fonedynamics.requests")
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        config = self.ctx.config
        valid = (
            scheme.lower() == "basic"
            and hmac.compare_digest(user.encode(), config.fone_account_sid.encode())
            and hmac.compare_digest(password.encode(), config.fone_token.encode())
        )
        if not valid:
            self.ctx.count("fonedynamics.unauthorized")
            raise FoneRequestError.single(
                401, UNAUTHORIZED, "HTTP Basic credentials (AccountSid:Token) are missing or wrong"
            )

    def check_property(self, property_sid: str) -> None:
        """Raise a 404 unless ``property_sid`` is the sandbox's property.

        :param property_sid: PropertySid from the path.
        """
        if property_sid != self.ctx.config.fone_property_sid:
            raise FoneRequestError.single(404, NOT_FOUND, f"property {property_sid!r} not found")

    def _create(self, data: object, now: float) -> dict[str, Any] | list[FieldError]:
        result = validate_message(data, now)
        if isinstance(result, MessageRequest):
            return self.state.create(result, now)
        return result

    def send_message(self, authorization: str | None, property_sid: str, body: bytes) -> dict[str, Any]:
        """``POST /v2/Properties/{PropertySid}/Messages``: return ``{"Message": resource}``.

        :param authorization: The ``Authorization`` header.
        :param property_sid: PropertySid from the path.
        :param body: Raw JSON body.
        """
        self.authenticate(authorization)
        self.check_property(property_sid)
        data = parse_json(body)
        if not isinstance(data, dict):
            raise _bad_request(INVALID_REQUEST, "the request body must be a JSON object")
        with self.ctx.lock:
            result = self._create(data, self.ctx.clock.now().timestamp())
            if isinstance(result, list):
                self.ctx.count("fonedynamics.messages_rejected")
                raise FoneRequestError(400, result)
            self.state.save()
        return {"Message": result}

    def send_batch(self, authorization: str | None, property_sid: str, body: bytes) -> list[dict[str, Any]]:
        """``POST /v2/Properties/{PropertySid}/BatchMessages``: one resource or error item per message.

        :param authorization: The ``Authorization`` header.
        :param property_sid: PropertySid from the path.
        :param body: Raw JSON body ``{"Messages": [...]}``.
        """
        self.authenticate(authorization)
        self.check_property(property_sid)
        data = parse_json(body)
        if not isinstance(data, dict):
            raise _bad_request(INVALID_REQUEST, "the request body must be a JSON object")
        unknown = sorted(set(data) - {"Messages"})
        if unknown:
            raise _bad_request(PARAMETER_UNKNOWN, f"{unknown[0]} is not a parameter", unknown[0])
        messages = data.get("Messages")
        if messages is None or messages == []:
            raise _bad_request(PARAMETER_REQUIRED, "Messages must list at least one message", "Messages")
        if not isinstance(messages, list):
            raise _bad_request(INVALID_REQUEST, "Messages must be a JSON array", "Messages")
        results: list[dict[str, Any]] = []
        with self.ctx.lock:
            now = self.ctx.clock.now().timestamp()
            for item in messages:
                result = self._create(item, now)
                if isinstance(result, list):
                    self.ctx.count("fonedynamics.messages_rejected")
                    results.append(error_item(result))
                else:
                    results.append(result)
            self.state.save()
        return results

    def get_message(self, authorization: str | None, message_sid: str) -> dict[str, Any]:
        """``GET /v2/Messages/{MessageSid}``: return ``{"Message": resource}`` or raise a 404.

        :param authorization: The ``Authorization`` header.
        :param message_sid: MessageSid from the path.
        """
        self.authenticate(authorization)
        with self.ctx.lock:
            resource = self.state.get(message_sid)
        if resource is None:
            raise FoneRequestError.single(404, NOT_FOUND, f"message {message_sid!r} not found")
        return {"Message": resource}

    def find_messages(
        self, authorization: str | None, property_sid: str, query: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """``GET /v2/Properties/{PropertySid}/Messages``: a JSON array of matching resources.

        :param authorization: The ``Authorization`` header.
        :param property_sid: PropertySid from the path.
        :param query: Query parameters (``Date_From``, ``Date_To``, ``Status``, ``Direction``,
            ``Results_Count``, ``Results_Skip``).
        """
        self.authenticate(authorization)
        self.check_property(property_sid)
        date_from = _int_param(query, "Date_From", None, 0)
        date_to = _int_param(query, "Date_To", None, 0)
        if date_to <= date_from:
            raise _bad_request(PARAMETER_INVALID, "Date_To must be after Date_From", "Date_To")
        status = _choice_param(query, "Status", STATUSES)
        direction = _choice_param(query, "Direction", DIRECTIONS)
        count = _int_param(query, "Results_Count", DEFAULT_RESULTS_COUNT, 1)
        skip = _int_param(query, "Results_Skip", 0, 0)
        with self.ctx.lock:
            return self.state.find(
                date_from=date_from,
                date_to=date_to,
                status=status,
                direction=direction,
                count=count,
                skip=skip,
            )


# --- routes -------------------------------------------------------------------------------------------------


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
