"""The servers a system test deployment stands on: PostgreSQL, Redis and the SMS sandbox, each on loopback.

Every server runs as a child process on a free port with its files in a temporary directory, and is
stopped (its whole process tree) however the test session ends.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests

#: The OS user PostgreSQL runs as when the tests run as root (PostgreSQL refuses to run as root).
POSTGRES_OS_USER = "sms-system-tests"
START_TIMEOUT_S = 60.0


class ServerUnavailable(RuntimeError):
    """A server the system tests need is not installed here."""


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    """Call ``check`` until it returns true; raise ``TimeoutError`` naming ``what`` after ``timeout`` seconds.

    :param check: Returns whether the awaited state is reached.
    :param timeout: Seconds to wait at most.
    :param what: What is awaited, for the error.
    :param interval: Seconds between checks.
    """
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(interval)


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> list[int]:
    """Send ``sig`` to a process and every descendant; return the pids signalled.

    :param pid: The root process.
    :param sig: The signal.
    """
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    signalled = []
    for process in processes:
        try:
            process.send_signal(sig)
            signalled.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return signalled


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Stop a child and everything it started: SIGTERM, then SIGKILL for whatever is left after ``timeout``.

    :param process: The child.
    :param timeout: Seconds to wait for a clean exit.
    """
    if process.poll() is None:
        try:
            descendants = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            process.wait(timeout=10)
        _, alive = psutil.wait_procs(descendants, timeout=5)
        for leftover in alive:
            leftover.kill()


def postgres_bin_dir() -> Path:
    """Return the directory of Debian's PostgreSQL server programs (the newest version installed).

    :raises ServerUnavailable: no ``initdb``/``pg_ctl`` is installed.
    """
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name or 0)
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    raise ServerUnavailable(
        "PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH): "
        "run `make system-test`, which installs Debian's postgresql package, or "
        "`apt-get install postgresql` as root"
    )


def postgres_os_user() -> pwd.struct_passwd | None:
    """Return the non-root user PostgreSQL runs as, created if missing; ``None`` when not running as root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_OS_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_OS_USER],  # noqa: S607
            check=True,
        )
        return pwd.getpwnam(POSTGRES_OS_USER)


class PostgresServer:
    """A PostgreSQL cluster in a temporary data directory (``initdb``, ``pg_ctl``) on a free loopback port.

    Trust authentication on loopback only, and durability off (``fsync``, ``synchronous_commit``): the data
    lives as long as the test session.
    """

    def __init__(self) -> None:
        self.bin_dir = postgres_bin_dir()
        self.port = free_port()
        self.user = postgres_os_user()
        self.base = Path(tempfile.mkdtemp(prefix="sms-system-postgres-"))
        self.data_dir = self.base / "data"
        self.log_file = self.base / "postgres.log"
        if self.user is not None:
            os.chown(self.base, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        kwargs: dict[str, Any] = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        subprocess.run(  # noqa: S603
            [str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            cwd=self.base,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **kwargs,
        )

    def start(self) -> PostgresServer:
        """Create the cluster and start it; return once it accepts connections."""
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "start")
        return self

    def create_database(self, name: str) -> str:
        """Create a database and return its SQLAlchemy URL for Airflow.

        :param name: The database's name.
        """
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete its data directory."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """A Redis server (Debian's ``redis-server``) on a free loopback port, without persistence."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise ServerUnavailable(
                "redis-server is not installed: run `make system-test`, which installs Debian's redis-server "
                "package, or `apt-get install redis-server` as root"
            )
        self.executable = executable
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.base = Path(tempfile.mkdtemp(prefix="sms-system-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        """Start the server; return once it answers ``PING``."""
        with (self.base / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603
                [
                    self.executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.base),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._pong, START_TIMEOUT_S, "redis-server answering PING")
        return self

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self._process is not None:
            stop_process(self._process)
        shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class InboxCount:
    """What the sandbox's handset inboxes show for a set of numbers.

    :param received: SMS received per number.
    """

    received: dict[str, int]

    @property
    def total(self) -> int:
        """SMS received by all the numbers together."""
        return sum(self.received.values())

    def duplicated(self, numbers: Iterable[str]) -> list[str]:
        """Return the numbers of ``numbers`` that received more than one SMS.

        :param numbers: The numbers expected to receive one each.
        """
        return [n for n in numbers if self.received.get(n, 0) > 1]

    def missing(self, numbers: Iterable[str]) -> list[str]:
        """Return the numbers of ``numbers`` that received nothing.

        :param numbers: The numbers expected to receive one each.
        """
        return [n for n in numbers if self.received.get(n, 0) == 0]


class SandboxProcess:
    """``airflow-sms-sandbox`` (both vendor APIs) as a child process on a free loopback port.

    :param executable: The console script.
    :param log_file: Where its output goes.
    :param delivery_delay: Seconds from dispatch to the delivery outcome.
    """

    def __init__(self, executable: Path, log_file: Path, delivery_delay: float) -> None:
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
        self._session = requests.Session()

    def start(self) -> SandboxProcess:
        """Start the sandbox; return once it is healthy."""
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until(self._healthy, START_TIMEOUT_S, "the sandbox answering /_sandbox/health")
        return self

    def _healthy(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(f"the sandbox exited; see {self._log_file}")
        try:
            return self._session.get(f"{self.url}/_sandbox/health", timeout=1).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Stop the sandbox."""
        if self._process is not None:
            stop_process(self._process, timeout=5)
        self._session.close()

    def stats(self) -> dict[str, Any]:
        """Return ``/_sandbox/stats``: sandbox time, inbox total and counters."""
        response = self._session.get(f"{self.url}/_sandbox/stats", timeout=10)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def inject(self, vendor: str, to: str, sender: str, body: str) -> str:
        """Have a handset text our number (``POST /_sandbox/inbound``); return the vendor's message id.

        :param vendor: ``sinch`` or ``fonedynamics``.
        :param to: Our number.
        :param sender: The handset's number.
        :param body: The text.
        """
        answer = self._session.post(
            f"{self.url}/_sandbox/inbound",
            json={"vendor": vendor, "from": sender, "to": to, "body": body},
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["id"])

    def set_faults(self, **faults: float) -> None:
        """Set the sandbox's faults (``latency_ms``, ``error_rate`` ...); those left out are off.

        :param faults: The fault settings.
        """
        self._session.post(f"{self.url}/_sandbox/faults", json=faults, timeout=10).raise_for_status()

    def inboxes(self, numbers: Sequence[str], threads: int = 4) -> InboxCount:
        """Count the SMS each handset received, through ``GET /_sandbox/inbox/{msisdn}``.

        :param numbers: The numbers.
        :param threads: Requests in flight at once.
        """

        def count(number: str) -> tuple[str, int]:
            response = requests.get(f"{self.url}/_sandbox/inbox/{number.lstrip('+')}", timeout=30)
            response.raise_for_status()
            return number, len(response.json()["messages"])

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return InboxCount(dict(pool.map(count, numbers)))
