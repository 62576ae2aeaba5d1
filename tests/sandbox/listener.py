"""A tiny HTTP server on loopback that records the callbacks the sandbox sends."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    json: Any


class CallbackListener:
    """Records every request; answers the first ``fail_first`` of them with ``fail_status``."""

    def __init__(self, fail_first: int = 0, fail_status: int = 503) -> None:
        self.received: list[Received] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.fail_status = fail_status
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                listener.attempts += 1
                if listener.attempts <= listener.fail_first:
                    self.send_response(listener.fail_status)
                    self.end_headers()
                    return
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else None
                listener.received.append(
                    Received(
                        self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), body
                    )
                )
                self.send_response(200)
                self.end_headers()

            do_GET = _handle
            do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/receipts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CallbackListener:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received
