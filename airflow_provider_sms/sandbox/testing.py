"""Run the sandbox inside a test session or a script: a threaded server and connection helpers.

``SandboxServer(config).start()`` (or ``with SandboxServer(config) as server:``) serves the sandbox on a
background thread and drives it over HTTP: the clock, faults, handsets' inboxes, injected replies
(:meth:`SandboxServer.inject_inbound`), the Sinch plan's callback settings and the log of callbacks sent.
``sinch_connection``, ``fonedynamics_connection`` and ``connection_env`` point Airflow connections at it.
Nothing here needs pytest: a test suite wraps :class:`SandboxServer` in its own fixtures (this project's
are in ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_sms.sandbox import missing_extra
from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.core import SandboxContext

if TYPE_CHECKING:
    import uvicorn

__all__ = ["SandboxConfig", "SandboxServer", "connection_env", "fonedynamics_connection", "sinch_connection"]

START_TIMEOUT_S = 15.0


class SandboxServer:
    """A sandbox served by uvicorn on a background thread.

    :param config: Settings; ``port=0`` (the default here) picks a free port.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig(port=0)
        self.ctx = SandboxContext(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = self.config.port

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. ``http://127.0.0.1:50123``."""
        return f"http://{self.config.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Bind the port, start serving and wait until the server answers; return ``self``.

        :raises ModuleNotFoundError: The ``sandbox`` extra is not installed.
        """
        problem = missing_extra()
        if problem is not None:
            self.ctx.close()
            raise ModuleNotFoundError(problem)
        import uvicorn

        from airflow_provider_sms.sandbox.app import create_app

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        self._socket = sock
        self.port = sock.getsockname()[1]
        app = create_app(ctx=self.ctx)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving, wait for the thread and release the port and the state file."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self.ctx.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget all vendor state, inboxes, counters, callbacks, faults and the clock offset."""
        self.ctx.callbacks.wait_idle(timeout=5)
        requests.post(f"{self.url}/_sandbox/reset", timeout=10).raise_for_status()

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward.

        :param seconds: How far.
        """
        response = requests.post(f"{self.url}/_sandbox/clock", json={"advance_seconds": seconds}, timeout=10)
        response.raise_for_status()

    def set_faults(self, **faults: Any) -> None:
        """Replace the active faults (``latency_ms``, ``error_rate``, ``error_status``, ``rate_limit_per_s``,
        ``drop_after_commit_rate``); settings not given are switched off.
        """
        requests.post(f"{self.url}/_sandbox/faults", json=faults, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        """Switch every fault off."""
        requests.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()

    def stats(self) -> dict[str, Any]:
        """Return the sandbox's counters (``GET /_sandbox/stats``)."""
        response = requests.get(f"{self.url}/_sandbox/stats", timeout=10)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def inbox(self, msisdn: str) -> list[dict[str, Any]]:
        """Return what a handset received.

        :param msisdn: The number, with or without ``+``.
        """
        response = requests.get(f"{self.url}/_sandbox/inbox/{msisdn.lstrip('+')}", timeout=10)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def inject_inbound(
        self,
        vendor: str,
        *,
        sender: str,
        body: str,
        to: str | None = None,
        in_reply_to: str | None = None,
        idempotency_key: str | None = None,
        operator_id: str | None = None,
    ) -> dict[str, Any]:
        """Have a handset send a message to a vendor number (``POST /_sandbox/inbound``); return the answer.

        The message appears in the vendor's inbound list and triggers the vendor's callback: Sinch POSTs it
        to the plan's callback URL, Fone Dynamics calls the ``WebhookUri`` of the message it answers.

        :param vendor: ``sinch`` or ``fonedynamics``.
        :param sender: The handset's number.
        :param body: The text.
        :param to: The vendor number, short code or leased number; by default the number the message in
            ``in_reply_to`` came from.
        :param in_reply_to: The Sinch batch id or Fone Dynamics MessageSid it answers.
        :param idempotency_key: The same key again returns the same message and sends no callback.
        :param operator_id: The sender's operator MCC/MNC (Sinch only).
        :return: ``{"vendor", "id", "created", "inbound"}``: the vendor's id of the message, whether it is
            new, and the message as the vendor's API serves it.
        :raises requests.HTTPError: The sandbox refused it (the response says which field and why).
        """
        data = {
            "vendor": vendor,
            "from": sender,
            "body": body,
            "to": to,
            "in_reply_to": in_reply_to,
            "idempotency_key": idempotency_key,
            "operator_id": operator_id,
        }
        payload = {key: value for key, value in data.items() if value is not None}
        response = requests.post(f"{self.url}/_sandbox/inbound", json=payload, timeout=10)
        response.raise_for_status()
        created: dict[str, Any] = response.json()
        return created

    def set_sinch_callback(self, url: str | None, *, secret: str | None = None, repeat: int = 1) -> None:
        """Set the Sinch plan's callback URL and signing secret, and how often every callback is sent.

        The URL gets MO messages, and the delivery reports of batches sent without ``callback_url``.

        :param url: Loopback http(s) URL; ``None`` for none.
        :param secret: Signs every Sinch callback (``X-Sinch-Webhook-Signature``); ``None`` for unsigned.
        :param repeat: Send each callback of either vendor this many times (1 to 10), to test that a
            receiver takes each event once.
        """
        settings = {"callback_url": url, "signing_secret": secret}
        requests.put(f"{self.url}/_sandbox/sinch/callbacks", json=settings, timeout=10).raise_for_status()
        self.set_callback_repeat(repeat)

    def set_callback_repeat(self, repeat: int) -> None:
        """Send each later callback of either vendor ``repeat`` times (``PUT /_sandbox/callbacks``).

        :param repeat: From 1 to 10.
        """
        requests.put(f"{self.url}/_sandbox/callbacks", json={"repeat": repeat}, timeout=10).raise_for_status()

    def callbacks(
        self, *, vendor: str | None = None, kind: str | None = None, state: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the callbacks the sandbox sent or is sending, oldest first (``GET /_sandbox/callbacks``).

        :param vendor: Only ``sinch`` or ``fonedynamics``.
        :param kind: Only ``mo``, ``delivery_report``, ``reply`` or ``delivery_receipt``.
        :param state: Only ``sending``, ``retrying``, ``delivered``, ``dropped``, ``failed`` or ``refused``.
        """
        filters = {"vendor": vendor, "kind": kind, "state": state}
        params = {key: value for key, value in filters.items() if value is not None}
        response = requests.get(f"{self.url}/_sandbox/callbacks", params=params, timeout=10)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["callbacks"]
        return records

    def wait_for_callbacks(
        self, count: int, *, timeout: float = 10.0, vendor: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` matching callbacks have had an answer (none still ``sending``); return them.

        A callback waiting for a retry counts as answered: move the clock (:meth:`advance`) to retry it.

        :param count: How many to wait for.
        :param timeout: Seconds to wait at most.
        :param vendor: Only this vendor's.
        :param kind: Only this kind.
        :raises TimeoutError: Fewer than ``count`` were answered in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            records = self.callbacks(vendor=vendor, kind=kind)
            answered = [record for record in records if record["state"] != "sending"]
            if len(answered) >= count and len(answered) == len(records):
                return records
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(answered)} of {count} callbacks answered after {timeout} s")
            time.sleep(0.05)


def sinch_connection(
    url: str, *, auth_type: str = "api_token", config: SandboxConfig | None = None
) -> dict[str, Any]:
    """Return an Airflow connection (JSON form) of type ``sinch`` pointing at the sandbox.

    :param url: Base URL of the sandbox.
    :param auth_type: ``api_token`` (service plan id and API token) or ``oauth2`` (key id and secret).
    :param config: The sandbox's settings, for its credentials; defaults to the default credentials.
    """
    cfg = config or SandboxConfig()
    if auth_type == "oauth2":
        return {
            "conn_type": "sinch",
            "login": cfg.sinch_key_id,
            "password": cfg.sinch_key_secret,
            "host": url,
            "extra": {
                "region": "us",
                "auth_type": "oauth2",
                "project_id": cfg.sinch_project_id,
                "auth_url": f"{url}/oauth2/token",
            },
        }
    if auth_type != "api_token":
        raise ValueError(f"auth_type must be 'api_token' or 'oauth2', not {auth_type!r}")
    return {
        "conn_type": "sinch",
        "login": cfg.sinch_service_plan_id,
        "password": cfg.sinch_api_token,
        "host": url,
        "extra": {"region": "us"},
    }


def fonedynamics_connection(url: str, *, config: SandboxConfig | None = None) -> dict[str, Any]:
    """Return an Airflow connection (JSON form) of type ``fonedynamics`` pointing at the sandbox.

    :param url: Base URL of the sandbox.
    :param config: The sandbox's settings, for its credentials; defaults to the default credentials.
    """
    cfg = config or SandboxConfig()
    return {
        "conn_type": "fonedynamics",
        "login": cfg.fone_account_sid,
        "password": cfg.fone_token,
        "host": url,
        "extra": {"property_sid": cfg.fone_property_sid},
    }


def connection_env(conn_id: str, conn: dict[str, Any]) -> tuple[str, str]:
    """Return the ``AIRFLOW_CONN_<ID>`` variable name and JSON value that define ``conn``.

    :param conn_id: Connection id, e.g. ``sinch_default``.
    :param conn: Connection in JSON form, as returned by the helpers above.
    """
    return f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn)
