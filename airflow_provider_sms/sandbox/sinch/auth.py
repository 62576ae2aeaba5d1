"""Sinch authentication: the static API token of a service plan, and OAuth2 access tokens of a project."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from airflow_provider_sms.sandbox.sinch.errors import UNAUTHORIZED, SinchApiError
from airflow_provider_sms.sandbox.sinch.reports import iso


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


def issue_token(
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
