"""A real Airflow UI and a real browser for the connection-form tests.

``airflow_ui`` runs ``airflow api-server`` from this virtualenv on a free loopback port, with its own
temporary ``AIRFLOW_HOME``, SQLite, ``[core] test_connection = Enabled`` and the simple auth manager (every
user an admin, so no login page). ``browser`` drives Debian's headless ``chromium`` through
``chromium-driver``; both are installed with ``apt-get`` when missing, because no browser can be downloaded
at run time here. Where they cannot be installed the tests are skipped with the reason, except under CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

APT_PACKAGES = ("chromium", "chromium-driver")
API_SERVER_START_TIMEOUT_S = 120.0
#: Flags that let Chromium run headless as root in a container without reaching the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2200",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests, but {reason}")
    pytest.skip(reason)


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["flock", "/tmp/apt.lock", "apt-get", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603


def _browser_binaries() -> tuple[str, str]:
    """Return the paths of ``chromium`` and ``chromedriver``, installing Debian's packages if needed."""
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if all(found):
        return found[0] or "", found[1] or ""
    if shutil.which("apt-get") is None or shutil.which("flock") is None:
        _unavailable("chromium and chromedriver are missing and there is no apt-get to install them")
    if os.geteuid() != 0:
        _unavailable("chromium and chromedriver are missing and apt-get needs root to install them")
    installed = _apt_get("install", "-y", "-q", *APT_PACKAGES)
    if installed.returncode != 0:
        _apt_get("update", "-q")
        installed = _apt_get("install", "-y", "-q", *APT_PACKAGES)
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        _unavailable(f"apt-get install {' '.join(APT_PACKAGES)} failed: {installed.stderr.strip()[-500:]}")
    return chromium or "", driver or ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _airflow_env(home: Path) -> dict[str, str]:
    """Return an environment for a separate Airflow: the test session's own Airflow settings left out."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    return env


def _airflow_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("airflow")), *args]


@pytest.fixture(scope="session")
def airflow_ui() -> Iterator[str]:
    """Base URL of an Airflow API server (with its UI) of this virtualenv's Airflow, on loopback."""
    home = Path(tempfile.mkdtemp(prefix="sms-provider-ui-home-"))
    (home / "dags").mkdir()
    env = _airflow_env(home)
    log_path = home / "api-server.log"
    try:
        migrate = subprocess.run(  # noqa: S603
            _airflow_command("db", "migrate"), env=env, capture_output=True, text=True, check=False
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("w") as log:
            server = subprocess.Popen(  # noqa: S603
                _airflow_command("api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(url, server, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + API_SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"airflow api-server exited with {server.returncode}:\n{log_path.read_text()[-3000:]}"
            )
        try:
            if requests.get(f"{url}/api/v2/version", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"airflow api-server did not answer in {API_SERVER_START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def airflow_api(airflow_ui: str) -> Iterator[requests.Session]:
    """A REST API session of the ``airflow_ui`` server, signed in as the simple auth manager's admin."""
    token = requests.get(f"{airflow_ui}/auth/token", timeout=10)
    token.raise_for_status()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield session


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile, driven by chromedriver."""
    chromium, driver_path = _browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="sms-provider-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
