"""The README's install path, as a new user follows it: build the wheel, install it into a clean virtualenv.

The wheel is built with ``uv build`` from this checkout and installed with ``[sandbox]`` into a new virtualenv
next to the same Airflow version as the one running the tests; nothing of the checkout is importable there
(every command runs from a temporary directory). Then ``airflow providers list`` must show the provider,
the ``airflow-sms-sandbox`` console script must serve, and the demo runner (what ``make demo`` runs) must
finish the example campaign with that virtualenv's Airflow and sandbox.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_VERSION = metadata.version("apache-airflow")
PROVIDER_VERSION = metadata.version("airflow-provider-sms")


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert found, "uv is installed into the virtualenv by `make venv`"
    return found


def _run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a new user's shell: no Airflow settings or virtualenv of the test session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VIRTUAL_ENV", "PYTHON"))}
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this checkout as the README says."""
    out = tmp_path_factory.mktemp("dist")
    _run([_uv(), "build", "--wheel", "--out-dir", str(out), str(REPO)], cwd=out)
    (built,) = out.glob("airflow_provider_sms-*.whl")
    return built


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Iterator[Path]:
    """A new virtualenv with this Airflow version and the wheel with its sandbox extra; its bin directory."""
    root = tmp_path_factory.mktemp("clean-venv")
    venv = root / "venv"
    _run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=root)
    python = venv / "bin" / "python"
    _run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            f"apache-airflow=={AIRFLOW_VERSION}",
            f"{wheel}[sandbox]",
        ],
        cwd=root,
    )
    yield venv / "bin"
    shutil.rmtree(root, ignore_errors=True)


def test_wheel_holds_the_package_and_its_metadata(wheel: Path) -> None:
    assert wheel.name == f"airflow_provider_sms-{PROVIDER_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        wheel_metadata = archive.read(metadata_name).decode()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_text = archive.read(entry_points).decode()
    assert "airflow_provider_sms/py.typed" in names or "airflow_provider_sms/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "dags/", "demo/", "docs/"))]
    assert "apache_airflow_provider" in entry_text
    assert "airflow-sms-sandbox = airflow_provider_sms.sandbox.cli:main" in entry_text
    assert re.search(r"^Requires-Dist: apache-airflow", wheel_metadata, re.MULTILINE)


def test_airflow_lists_the_installed_provider(clean_venv: Path, tmp_path: Path) -> None:
    listed = _run(
        [str(clean_venv / "airflow"), "providers", "list", "--output", "json"], tmp_path, _clean_env(tmp_path)
    )

    assert '"airflow-provider-sms"' in listed.stdout
    assert PROVIDER_VERSION in listed.stdout
    # The code comes from the wheel, not from this checkout.
    located = _run(
        [
            str(clean_venv / "python"),
            "-c",
            "import airflow_provider_sms; print(airflow_provider_sms.__file__)",
        ],
        tmp_path,
        _clean_env(tmp_path),
    )
    assert str(clean_venv.parent) in located.stdout
    assert str(REPO) not in located.stdout


def test_sandbox_extra_installs_a_working_sandbox(clean_venv: Path, tmp_path: Path) -> None:
    # Everything the sandbox extra declares is installed in the clean virtualenv.
    declared = _run(
        [
            str(clean_venv / "python"),
            "-c",
            "from importlib import metadata; from packaging.requirements import Requirement;"
            "reqs = [Requirement(r) for r in metadata.requires('airflow-provider-sms') or []];"
            "names = [r.name for r in reqs if r.marker and r.marker.evaluate({'extra': 'sandbox'})"
            " and not r.marker.evaluate({'extra': ''})];"
            "[metadata.version(n) for n in names]; print(names)",
        ],
        tmp_path,
        _clean_env(tmp_path),
    )
    print("sandbox extra:", declared.stdout.strip())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        [str(clean_venv / "airflow-sms-sandbox"), "--port", str(port)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert health is not None, f"the sandbox did not answer: {server.poll()}"
        assert health.status_code == 200
        batches = requests.get(
            f"http://127.0.0.1:{port}/xms/v1/sandbox/batches",
            headers={"Authorization": "Bearer sandbox-token"},
            timeout=5,
        )
        assert batches.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_demo_runs_from_the_clean_virtualenv(clean_venv: Path, tmp_path: Path) -> None:
    demo = _run(
        [str(clean_venv / "python"), str(REPO / "demo" / "run_demo.py"), "--vendor", "sinch"],
        tmp_path,
        _clean_env(tmp_path),
    )

    assert "Result: OK" in demo.stdout, demo.stdout
    assert "received more than one:   0" in demo.stdout
