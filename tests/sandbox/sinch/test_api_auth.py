from __future__ import annotations

import requests

from airflow_provider_sms.sandbox.testing import SandboxServer
from tests.sandbox.sinch.helpers import CONFIG, SinchApi


def token_response(
    server: SandboxServer, user: str, password: str, grant: str = "client_credentials"
) -> requests.Response:
    return requests.post(
        f"{server.url}/oauth2/token", auth=(user, password), data={"grant_type": grant}, timeout=10
    )


def test_static_token_opens_the_service_plan(api: SinchApi) -> None:
    assert api.request("GET", "/batches").status_code == 200


def test_wrong_or_missing_token_is_401(server: SandboxServer) -> None:
    wrong = SinchApi(server.url, CONFIG.sinch_service_plan_id, "not-the-token").request("GET", "/batches")
    assert wrong.status_code == 401
    assert set(wrong.json()) == {"code", "text"}
    missing = requests.get(f"{server.url}/xms/v1/{CONFIG.sinch_service_plan_id}/batches", timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")


def test_static_token_does_not_open_the_project(server: SandboxServer) -> None:
    api = SinchApi(server.url, CONFIG.sinch_project_id, CONFIG.sinch_api_token)
    assert api.request("GET", "/batches").status_code == 401


def test_oauth_token_is_issued_and_opens_the_project(server: SandboxServer) -> None:
    response = token_response(server, CONFIG.sinch_key_id, CONFIG.sinch_key_secret)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == CONFIG.sinch_token_ttl
    assert body["token_type"] == "bearer"
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    project = SinchApi(server.url, CONFIG.sinch_project_id, body["access_token"])
    assert project.request("GET", "/batches").status_code == 200
    plan = SinchApi(server.url, CONFIG.sinch_service_plan_id, body["access_token"])
    assert plan.request("GET", "/batches").status_code == 401


def test_oauth_token_expires_by_the_sandbox_clock(server: SandboxServer) -> None:
    token = token_response(server, CONFIG.sinch_key_id, CONFIG.sinch_key_secret).json()["access_token"]
    project = SinchApi(server.url, CONFIG.sinch_project_id, token)
    server.advance(CONFIG.sinch_token_ttl - 60)
    assert project.request("GET", "/batches").status_code == 200
    server.advance(61)
    expired = project.request("GET", "/batches")
    assert expired.status_code == 401
    challenge = expired.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"')
    assert 'error_description="Jwt expired at ' in challenge


def test_token_endpoint_rejects_wrong_credentials(server: SandboxServer) -> None:
    response = token_response(server, CONFIG.sinch_key_id, "wrong-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "wrong-secret" not in response.text


def test_token_endpoint_needs_the_client_credentials_grant(server: SandboxServer) -> None:
    response = token_response(server, CONFIG.sinch_key_id, CONFIG.sinch_key_secret, grant="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
