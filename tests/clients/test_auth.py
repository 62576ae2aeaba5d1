from __future__ import annotations

import base64

import requests

from airflow_provider_sms.clients.auth import BasicAuth, BearerTokenAuth


def test_basic_auth_header_encodes_user_and_password() -> None:
    header = BasicAuth("AC123", "s3cret-token").auth_headers()["Authorization"]
    assert header == "Basic " + base64.b64encode(b"AC123:s3cret-token").decode()


def test_bearer_auth_header_carries_the_token() -> None:
    assert BearerTokenAuth("tok-123").auth_headers() == {"Authorization": "Bearer tok-123"}


def test_static_credentials_never_ask_for_a_replay() -> None:
    response = requests.Response()
    response.status_code = 401
    assert BasicAuth("a", "b").handle_unauthorized(response) is False
    assert BearerTokenAuth("t").handle_unauthorized(response) is False


def test_repr_hides_secrets() -> None:
    assert "s3cret-token" not in repr(BasicAuth("AC123", "s3cret-token"))
    assert "AC123" in repr(BasicAuth("AC123", "s3cret-token"))
    assert "tok-123" not in repr(BearerTokenAuth("tok-123"))
