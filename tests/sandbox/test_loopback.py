from __future__ import annotations

import pytest

from airflow_provider_sms.sandbox.loopback import is_loopback_client, is_loopback_host, is_loopback_url

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only checked, never bound


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize("host", [ALL_INTERFACES, "10.0.0.1", "::", "example.com", "", None, "128.0.0.1"])
def test_non_loopback_hosts(host: str | None) -> None:
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/dlr", True),
        ("https://localhost/x", True),
        ("http://[::1]:9/x", True),
        ("http://example.com/x", False),
        ("ftp://127.0.0.1/x", False),
        ("http://10.0.0.1/x", False),
        ("not a url", False),
        ("http://[bad/x", False),
    ],
)
def test_loopback_urls(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_test_client_counts_as_loopback_client() -> None:
    assert is_loopback_client("testclient") is True
    assert is_loopback_client("10.0.0.1") is False
