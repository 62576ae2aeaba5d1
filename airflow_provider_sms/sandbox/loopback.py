"""Is an address on this machine? The sandbox listens, answers control calls and calls back on loopback."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Starlette's TestClient reports this as the client host; no real TCP peer can carry that name.
TEST_CLIENT_HOST = "testclient"


def is_loopback_host(host: str | None) -> bool:
    """Return whether ``host`` is ``localhost`` or an IP address in 127.0.0.0/8 or ``::1``.

    :param host: A host name or IP address (IPv6 may be in brackets).
    """
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Return whether ``url`` is http(s) to a loopback host.

    :param url: A URL given by an API user, e.g. a callback URL.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(host)


def is_loopback_client(host: str | None) -> bool:
    """Return whether a request's peer address is on this machine (or Starlette's in-process test client).

    :param host: ``request.client.host``.
    """
    return host == TEST_CLIENT_HOST or is_loopback_host(host)
