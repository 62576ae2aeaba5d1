"""A tiny HTTP server on loopback that records the callbacks the sandbox sends."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
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
    raw: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class CallbackListener:
    """Records every request it answers with 2xx; answers with ``statuses`` in order first.

    ``fail_first`` requests get ``fail_status`` (shorthand for ``statuses``); once the scripted statuses
    are used up, every request gets 200 and is recorded in :attr:`received`. :attr:`attempts` counts all.
    """

    def __init__(
        self, fail_first: int = 0, fail_status: int = 503, statuses: list[int] | None = None
    ) -> None:
        self.received: list[Received] = []
        self.attempts = 0
        self.statuses = list(statuses) if statuses is not None else [fail_status] * fail_first
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with listener._lock:
                    listener.attempts += 1
                    status = listener.statuses.pop(0) if listener.statuses else 200
                if status >= 300:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                parts = urlsplit(self.path)
                received = Received(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    json.loads(raw) if raw else None,
                    raw,
                    {name.lower(): value for name, value in self.headers.items()},
                )
                with listener._lock:
                    listener.received.append(received)
                self.send_response(status)
                self.send_header("Content-Length", "0")
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
        return list(self.received)

    def wait_for_attempts(self, count: int, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.attempts < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.attempts
