from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sms.sandbox.sinch.auth import Credentials, OAuthError, check_bearer, issue_token
from airflow_provider_sms.sandbox.sinch.errors import SinchApiError

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
CREDENTIALS = Credentials("plan", "plan-token", "project", "key", "key-secret", 60)
FORM = "application/x-www-form-urlencoded"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_static_token_is_valid_only_for_the_service_plan() -> None:
    check_bearer(CREDENTIALS, {}, "plan", "Bearer plan-token", T0)
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, {}, "project", "Bearer plan-token", T0)
    assert caught.value.status == 401


@pytest.mark.parametrize("header", [None, "plan-token", "Basic cGxhbg==", "Bearer "])
def test_missing_or_malformed_header_is_401_with_a_challenge(header: str | None) -> None:
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, {}, "plan", header, T0)
    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Bearer")


def test_issued_token_works_for_the_project_until_it_expires() -> None:
    tokens: dict[str, datetime] = {}
    response = issue_token(
        CREDENTIALS, tokens, basic("key", "key-secret"), FORM, b"grant_type=client_credentials", T0
    )
    assert response["expires_in"] == 60
    assert response["token_type"] == "bearer"
    header = f"Bearer {response['access_token']}"
    check_bearer(CREDENTIALS, tokens, "project", header, T0 + timedelta(seconds=59))
    with pytest.raises(SinchApiError) as caught:
        check_bearer(CREDENTIALS, tokens, "project", header, T0 + timedelta(seconds=60))
    challenge = caught.value.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert "Jwt expired at 2026-05-01T09:01:00.000Z" in challenge


def test_token_endpoint_rejects_wrong_credentials_and_grant() -> None:
    with pytest.raises(OAuthError) as wrong:
        issue_token(CREDENTIALS, {}, basic("key", "nope"), FORM, b"grant_type=client_credentials", T0)
    assert (wrong.value.status, wrong.value.error) == (401, "invalid_client")
    with pytest.raises(OAuthError) as grant:
        issue_token(CREDENTIALS, {}, basic("key", "key-secret"), FORM, b"grant_type=password", T0)
    assert (grant.value.status, grant.value.error) == (400, "unsupported_grant_type")


def test_credentials_repr_hides_secrets() -> None:
    assert "plan-token" not in repr(CREDENTIALS)
    assert "key-secret" not in repr(CREDENTIALS)
