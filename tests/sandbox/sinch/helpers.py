"""Helpers of the Sinch sandbox HTTP tests: the sandbox settings, a ``requests`` wrapper, a listener."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from airflow_provider_sms.sandbox.config import SandboxConfig

# Long enough that no message gets its receipt by real time passing while a test runs: every
# transition in these tests happens because the test moved the sandbox clock.
DELIVERY_DELAY_S = 60.0
CONFIG = SandboxConfig(port=0, delivery_delay=DELIVERY_DELAY_S, seed=7, sinch_token_ttl=3599)


@dataclass
class SinchApi:
    """Plain HTTP calls to the sandbox's Sinch API under one service plan (or project) id."""

    base_url: str
    path_id: str
    token: str

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = f"{self.base_url}/xms/v1/{self.path_id}{path}"
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    def send(self, **batch: Any) -> dict[str, Any]:
        response = self.request("POST", "/batches", json=batch)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def report(self, batch_id: str, **params: str) -> dict[str, Any]:
        response = self.request("GET", f"/batches/{batch_id}/delivery_report", params=params)
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        return report

    def statuses(self, batch_id: str) -> dict[str, tuple[str, int]]:
        """Return each recipient's (status, code) from the full report."""
        report = self.report(batch_id, type="full")
        return {
            number: (entry["status"], entry["code"])
            for entry in report["statuses"]
            for number in entry["recipients"]
        }


class CallbackListener:
    """A loopback HTTP server that records every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with listener._changed:
                    listener.received.append(json.loads(body))
                    listener._changed.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` callbacks arrived and return all received so far."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
