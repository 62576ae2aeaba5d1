"""What the bench scripts share: rounds and their statistics, the machine, and the servers they send to.

Two servers answer both vendors' send and list endpoints on loopback, each in its own process so that its
CPU is not the measured client's:

* the sandbox (``airflow_provider_sms.sandbox``), which validates and keeps every message;
* a trivially fast server (:class:`FastHandler`): a threaded ``http.server`` that reads each request's
  JSON and answers with canned JSON of the same shape as the vendor's, keeping nothing.

Run ``python bench/harness.py serve fast`` (or ``serve sandbox``) to start one by hand: it prints its URL
and serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from airflow_provider_sms.sandbox.config import SandboxConfig

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# The sandbox's well-known credentials; the fast server accepts anything.
_SANDBOX = SandboxConfig()
SINCH_PLAN, SINCH_TOKEN = _SANDBOX.sinch_service_plan_id, _SANDBOX.sinch_api_token
FONE_ACCOUNT, FONE_TOKEN, FONE_PROPERTY = (
    _SANDBOX.fone_account_sid,
    _SANDBOX.fone_token,
    _SANDBOX.fone_property_sid,
)
SERVER_KINDS = ("sandbox", "fast")


# -- rounds -------------------------------------------------------------------------------------------


@dataclass
class Series:
    """The values one measurement took over its rounds.

    :param name: What was measured.
    :param unit: Its unit, e.g. ``recipients/s`` or ``ms``.
    :param values: One value per round.
    """

    name: str
    unit: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median over the rounds (``nan`` before any round)."""
        return statistics.median(self.values) if self.values else float("nan")

    def as_json(self) -> dict[str, Any]:
        """Return name, unit, every value, and median, min and max."""
        return {
            "name": self.name,
            "unit": self.unit,
            "values": self.values,
            "median": self.median,
            "min": min(self.values, default=float("nan")),
            "max": max(self.values, default=float("nan")),
        }


def machine() -> dict[str, Any]:
    """Describe the machine and the versions a result was measured with."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "airflow": version("apache-airflow"),
        "pydantic": version("pydantic"),
        "requests": version("requests"),
        "load_average": [round(x, 2) for x in load],
    }


def emit(result: Mapping[str, Any], path: str | None) -> None:
    """Write a script's JSON result to ``path`` (``-`` or ``None``: standard output).

    :param result: The result.
    :param path: Where to write it.
    """
    text = json.dumps(result, indent=2, default=str)
    if path in (None, "-"):
        print(text)
    else:
        Path(path).write_text(text + "\n")


def common_arguments(parser: argparse.ArgumentParser, rounds: int = 3) -> None:
    """Add ``--rounds``, ``--smoke`` and ``--json`` to a script's parser.

    :param parser: The script's parser.
    :param rounds: Default number of measured rounds.
    """
    parser.add_argument("--rounds", type=int, default=rounds, help=f"measured rounds (default {rounds})")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and one round, to check it runs")
    parser.add_argument("--json", default="-", help="write the JSON result here (default: stdout)")


# -- servers, each in its own process -------------------------------------------------------------------


def _json_body(handler: BaseHTTPRequestHandler) -> Any:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    return json.loads(raw) if raw else None


class FastHandler(BaseHTTPRequestHandler):
    """Answer both vendors' send and list endpoints with canned JSON, as fast as ``http.server`` can."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the vendors' servers
    counter = 0

    def setup(self) -> None:
        """Send each write at once: headers and body go in two writes, and Nagle's algorithm would hold
        the body back until the client's delayed ACK of the headers (40 ms a response)."""
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""

    def _answer(self, status: int, data: object) -> None:
        payload = json.dumps(data, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        """Sinch ``/batches``; Fone Dynamics ``BatchMessages`` and ``Messages``."""
        body = _json_body(self)
        FastHandler.counter += 1
        n = FastHandler.counter
        path = self.path.split("?", 1)[0]
        if path.endswith("/batches"):
            self._answer(201, _sinch_batch(n, body))
        elif path.endswith("/BatchMessages"):
            self._answer(200, [_fone_message(n, i, m) for i, m in enumerate(body["Messages"])])
        elif path.endswith("/Messages"):
            self._answer(200, {"Message": _fone_message(n, 0, body)})
        else:
            self._answer(404, {"code": "not_found", "text": path})

    def do_GET(self) -> None:
        """Sinch's batch list and Fone Dynamics' message list: always empty."""
        path = self.path.split("?", 1)[0]
        if path.endswith("/batches"):
            self._answer(200, {"page": 0, "page_size": 0, "count": 0, "batches": []})
        elif path.endswith("/Messages"):
            self._answer(200, [])
        else:
            self._answer(404, {"code": "not_found", "text": path})


def _sinch_batch(n: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": f"01FAST{n:020d}",
        "type": "mt_text",
        "to": body.get("to", []),
        "from": body.get("from"),
        "body": body.get("body"),
        "canceled": False,
        "client_reference": body.get("client_reference"),
        "created_at": "2026-01-01T00:00:00.000Z",
        "modified_at": "2026-01-01T00:00:00.000Z",
        "delivery_report": "none",
    }


def _fone_message(n: int, i: int, message: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "MessageSid": f"MF{n:012d}{i:06d}",
        "AccountSid": FONE_ACCOUNT,
        "PropertySid": FONE_PROPERTY,
        "From": message.get("From"),
        "To": message.get("To"),
        "Text": message.get("Text"),
        "NumSegments": 1,
        "Status": "Processing",
        "Direction": "Transmit",
        "Created": int(time.time()),
        "ExternalId": message.get("ExternalId"),
    }


def _serve(kind: str) -> None:
    """Serve until standard input closes, after printing the base URL on one line."""
    if kind == "fast":
        server = ThreadingHTTPServer(("127.0.0.1", 0), FastHandler)
        server.daemon_threads = True
        import threading

        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
    else:
        from airflow_provider_sms.sandbox.testing import SandboxServer

        sandbox = SandboxServer(SandboxConfig(port=0, seed=1, delivery_delay=2.0)).start()
        url = sandbox.url
    print(url, flush=True)
    sys.stdin.read()


@contextmanager
def server_process(kind: str) -> Iterator[str]:
    """Start a ``sandbox`` or ``fast`` server in a child process; yield its URL; stop it after.

    :param kind: ``sandbox`` or ``fast``.
    """
    child = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(Path(__file__)), "serve", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the {kind} server did not start")
        yield url
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def reset_sandbox(url: str) -> None:
    """Forget the sandbox's state, so that every round finds it empty.

    :param url: The sandbox's URL.
    """
    import requests

    requests.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()


def connection_env(conn_id: str, vendor: str, url: str, **extra: Any) -> None:
    """Define an Airflow connection to ``url`` in this process's environment.

    :param conn_id: Connection id.
    :param vendor: ``sinch`` or ``fonedynamics``.
    :param url: Base URL.
    :param extra: Connection extras.
    """
    if vendor == "sinch":
        conn = {"conn_type": "sinch", "login": SINCH_PLAN, "password": SINCH_TOKEN, "host": url}
        conn["extra"] = {"region": "us", **extra}
    else:
        conn = {"conn_type": "fonedynamics", "login": FONE_ACCOUNT, "password": FONE_TOKEN, "host": url}
        conn["extra"] = {"property_sid": FONE_PROPERTY, **extra}
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)


def numbers(count: int, start: int = 0) -> list[str]:
    """Return ``count`` distinct Australian mobile numbers the sandbox delivers (none ends in 13 or 99).

    :param count: How many.
    :param start: Where to start counting.
    """
    found: list[str] = []
    n = start
    while len(found) < count:
        if n % 100 not in (13, 99):
            found.append(f"+614{n:08d}")
        n += 1
    return found


def timed(run: Callable[[], object]) -> float:
    """Return the seconds ``run`` took.

    :param run: What to time.
    """
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def rows(results: Sequence[Series]) -> list[dict[str, Any]]:
    """Return every series as JSON.

    :param results: The series.
    """
    return [series.as_json() for series in results]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the sandbox or the fast server until stdin closes.")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("kind", choices=SERVER_KINDS)
    _serve(parser.parse_args().kind)
