"""Run ``airflow-sms-sandbox`` as a child process on a free loopback port, and stop it again."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import requests

START_TIMEOUT_S = 30.0


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SandboxProcess:
    """The sandbox server in a child process; a context manager that always stops it.

    :param executable: The ``airflow-sms-sandbox`` script.
    :param log_file: Where its output goes.
    :param delivery_delay: Seconds from dispatch to a delivery outcome.
    """

    def __init__(self, executable: Path, log_file: Path, delivery_delay: float = 1.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = [
            str(executable),
            "--port",
            str(self.port),
            "--delivery-delay",
            str(delivery_delay),
            "--seed",
            "7",
            "--log-level",
            "warning",
        ]
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SandboxProcess:
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox did not start; see {self._log_file}")
            time.sleep(0.2)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the sandbox: terminate, then kill if it does not exit within five seconds."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)

    def inbox_count(self, msisdn: str) -> int:
        """Return how many SMS a handset received.

        :param msisdn: The number.
        """
        response = requests.get(f"{self.url}/_sandbox/inbox/{msisdn.lstrip('+')}", timeout=10)
        response.raise_for_status()
        return len(response.json()["messages"])

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/_sandbox/health", timeout=1).ok
        except requests.RequestException:
            return False
