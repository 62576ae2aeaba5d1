"""The airflow-sms-sandbox command line: flags, loopback-only by default, start-up banner, missing extra."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from airflow_provider_sms.sandbox import cli, missing_extra
from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address the CLI must refuse without --allow-remote


def test_defaults_match_the_config_defaults() -> None:
    config = cli.config_from_args(cli.build_parser().parse_args([]))

    assert config == SandboxConfig()


def test_every_flag_reaches_the_config() -> None:
    argv = [
        "--host=127.0.0.2",
        "--port=9000",
        "--sinch-service-plan-id=plan",
        "--sinch-api-token=tok",
        "--sinch-key-id=kid",
        "--sinch-key-secret=ksec",
        "--sinch-project-id=proj",
        "--sinch-token-ttl=60",
        "--sinch-callback-url=http://127.0.0.1:9999/sinch",
        "--sinch-callback-secret=whsec",
        "--fone-account-sid=AC1",
        "--fone-token=ftok",
        "--fone-property-sid=PR1",
        "--delivery-delay=0.25",
        "--callback-retry-s=0.5",
        "--seed=42",
        "--state-file=/tmp/state.sqlite",
        "--latency-ms=15",
        "--error-rate=0.5",
        "--error-status=503",
        "--rate-limit-per-s=20",
        "--drop-after-commit-rate=0.1",
    ]

    config = cli.config_from_args(cli.build_parser().parse_args(argv))

    assert config == SandboxConfig(
        host="127.0.0.2",
        port=9000,
        sinch_service_plan_id="plan",
        sinch_api_token="tok",
        sinch_key_id="kid",
        sinch_key_secret="ksec",
        sinch_project_id="proj",
        sinch_token_ttl=60,
        sinch_callback_url="http://127.0.0.1:9999/sinch",
        sinch_callback_secret="whsec",
        fone_account_sid="AC1",
        fone_token="ftok",
        fone_property_sid="PR1",
        delivery_delay=0.25,
        callback_retry_s=0.5,
        seed=42,
        state_file="/tmp/state.sqlite",
        faults=FaultConfig(
            latency_ms=15, error_rate=0.5, error_status=503, rate_limit_per_s=20, drop_after_commit_rate=0.1
        ),
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--error-rate=1.5"],
        ["--drop-after-commit-rate=-0.1"],
        ["--error-status=200"],
        ["--delivery-delay=-1"],
        ["--callback-retry-s=-1"],
        ["--sinch-callback-url=https://example.com/sinch"],
    ],
)
def test_out_of_range_values_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.build_parser().parse_args(argv)

    assert raised.value.code == 2


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(app: object, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr("uvicorn.run", fake_run)
    return calls


@pytest.mark.parametrize("host", [ALL_INTERFACES, "192.168.1.5", "example.com", "::"])
def test_non_loopback_host_is_refused_without_allow_remote(
    host: str, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["--host", host])

    assert raised.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert served == []


def test_allow_remote_lets_a_non_loopback_host_through(served: list[dict[str, Any]]) -> None:
    assert cli.main(["--host", ALL_INTERFACES, "--allow-remote", "--port", "9100"]) == 0

    assert (served[0]["host"], served[0]["port"]) == (ALL_INTERFACES, 9100)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_main_serves_on_loopback_and_prints_url_and_credentials(
    host: str, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--host", host, "--port", "9200", "--fone-token", "tok-123"]) == 0

    out = capsys.readouterr().out
    assert f"http://{host}:9200" in out
    assert "tok-123" in out
    assert "sandbox-token" in out
    assert f"POST http://{host}:9200/_sandbox/inbound" in out
    assert served[0]["port"] == 9200


def test_banner_shows_the_plan_callback_url_but_not_its_secret(
    served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--sinch-callback-url", "http://localhost:9400/mo", "--sinch-callback-secret", "whsec-42"]
    assert cli.main(argv) == 0

    out = capsys.readouterr().out
    assert "callbacks: http://localhost:9400/mo, signed" in out
    assert "whsec-42" not in out


INSTALL_HINT = "pip install 'airflow-provider-sms[sandbox]'"


def test_nothing_is_missing_where_the_extra_is_installed() -> None:
    assert missing_extra() is None


@pytest.mark.parametrize("module", ["fastapi", "starlette", "uvicorn"])
def test_without_the_extra_main_names_what_is_missing_and_how_to_install_it(
    module: str,
    served: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what importlib reports for a module not installed

    with pytest.raises(SystemExit) as raised:
        cli.main(["--port", "9300"])

    err = capsys.readouterr().err
    assert raised.value.code == 1
    assert f"needs {module}, which is not installed" in err
    assert INSTALL_HINT in err
    assert served == []


def run_without_the_extra(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the console script's main in a fresh interpreter where the extra's packages cannot be imported."""
    program = (
        "import sys\n"
        "sys.modules.update(fastapi=None, starlette=None, uvicorn=None)\n"
        "from airflow_provider_sms.sandbox.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    command = [sys.executable, "-c", program, *argv]
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        command, capture_output=True, text=True, timeout=60, check=False
    )


def test_console_script_fails_clearly_in_a_process_without_the_extra() -> None:
    served = run_without_the_extra("--port", "9301")
    helped = run_without_the_extra("--help")

    assert served.returncode == 1
    assert "needs fastapi, starlette, uvicorn, which are not installed" in served.stderr
    assert INSTALL_HINT in served.stderr
    assert "Traceback" not in served.stderr
    assert (helped.returncode, "--state-file" in helped.stdout) == (0, True)
