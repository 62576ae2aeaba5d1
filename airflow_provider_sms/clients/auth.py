"""Static credentials applied to every request: HTTP Basic and a fixed Bearer token."""

from __future__ import annotations

import base64

import requests


class BasicAuth:
    """HTTP Basic credentials (Fone Dynamics account SID and token, Sinch OAuth2 key id and secret).

    :param username: The user name, shown in ``repr``.
    :param password: The secret; never shown.
    """

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._header = f"Basic {encoded}"

    def auth_headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header."""
        return {"Authorization": self._header}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """Static credentials cannot be refreshed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password='***')"


class BearerTokenAuth:
    """A static Bearer token (Sinch service plan API token).

    :param token: The token; never shown.
    """

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header."""
        return {"Authorization": self._header}

    def handle_unauthorized(self, response: requests.Response) -> bool:
        """A static token cannot be refreshed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return "BearerTokenAuth(token='***')"
