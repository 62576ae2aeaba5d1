from __future__ import annotations

import pytest

from airflow_provider_sms.models.fonedynamics._webhook import check_webhook_uri, normalize_webhook_method


@pytest.mark.parametrize(
    "uri", ["https://callback.2.me/for/sms_responses", "http://localhost:8080/cb", "HTTPS://Example.COM"]
)
def test_absolute_http_urls_pass(uri: str) -> None:
    assert check_webhook_uri(uri) == uri


@pytest.mark.parametrize(
    "uri", ["", "callback.2.me/x", "//callback.2.me/x", "mailto:ops@example.com", "https://", "ws://host/x"]
)
def test_other_uris_fail(uri: str) -> None:
    with pytest.raises(ValueError, match="absolute http:// or https:// URL"):
        check_webhook_uri(uri)


def test_failing_uri_is_masked() -> None:
    with pytest.raises(ValueError, match="absolute") as exc_info:
        check_webhook_uri("ftp://hooks.example/cb?key=topsecret")
    assert "topsecret" not in str(exc_info.value)


@pytest.mark.parametrize(
    ("given", "sent"), [("POST", "POST"), ("get", "GET"), (" Post ", "POST"), (None, None)]
)
def test_methods_are_normalized(given: str | None, sent: str | None) -> None:
    assert normalize_webhook_method(given) == sent


@pytest.mark.parametrize("method", ["PUT", "", "POSTS", 1])
def test_other_methods_fail(method: object) -> None:
    with pytest.raises(ValueError, match="must be POST or GET"):
        normalize_webhook_method(method)
