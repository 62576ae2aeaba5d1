"""``airflow-sms-sandbox``: serve the sandbox from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from airflow_provider_sms.sandbox import missing_extra
from airflow_provider_sms.sandbox.callbacks import is_loopback_host, is_loopback_url
from airflow_provider_sms.sandbox.config import FaultConfig, SandboxConfig

DEFAULTS = SandboxConfig()


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {value}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _loopback_url(text: str) -> str:
    if not is_loopback_url(text):
        raise argparse.ArgumentTypeError("must be an http(s) URL to a loopback host (127.0.0.1, localhost)")
    return text


def _status(text: str) -> int:
    value = int(text)
    if not 400 <= value <= 599:
        raise argparse.ArgumentTypeError(f"must be an HTTP error status (400-599), not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``airflow-sms-sandbox``."""
    parser = argparse.ArgumentParser(
        prog="airflow-sms-sandbox",
        description="Serve local Sinch XMS and Fone Dynamics v2 APIs for tests and offline development.",
    )
    add = parser.add_argument
    add("--host", default=DEFAULTS.host, help="interface to listen on (default %(default)s)")
    add("--port", type=int, default=DEFAULTS.port, help="TCP port (default %(default)s)")
    add("--allow-remote", action="store_true", help="allow listening on a non-loopback interface")
    add("--sinch-service-plan-id", default=DEFAULTS.sinch_service_plan_id)
    add("--sinch-api-token", default=DEFAULTS.sinch_api_token)
    add("--sinch-key-id", default=DEFAULTS.sinch_key_id)
    add("--sinch-key-secret", default=DEFAULTS.sinch_key_secret)
    add("--sinch-project-id", default=DEFAULTS.sinch_project_id)
    add(
        "--sinch-token-ttl", type=int, default=DEFAULTS.sinch_token_ttl, help="OAuth2 token lifetime, seconds"
    )
    add(
        "--sinch-callback-url",
        type=_loopback_url,
        default=None,
        help="the service plan's callback URL: MO messages, and delivery reports of batches without one",
    )
    add(
        "--sinch-callback-secret",
        default=None,
        help="sign Sinch callbacks with this secret (default: unsigned)",
    )
    add("--fone-account-sid", default=DEFAULTS.fone_account_sid)
    add("--fone-token", default=DEFAULTS.fone_token)
    add("--fone-property-sid", default=DEFAULTS.fone_property_sid)
    add(
        "--delivery-delay",
        type=_non_negative,
        default=DEFAULTS.delivery_delay,
        help="seconds from dispatch to the delivery outcome (default %(default)s)",
    )
    add(
        "--callback-retry-s",
        type=_non_negative,
        default=DEFAULTS.callback_retry_s,
        help="sandbox seconds before a failed callback's first retry, doubling after (default %(default)s)",
    )
    add("--seed", type=int, default=None, help="seed of ids and fault randomness (default: random)")
    add("--state-file", default=None, help="SQLite file that keeps state across restarts (default: memory)")
    add("--latency-ms", type=int, default=0, help="delay added to every vendor API request")
    add("--error-rate", type=_rate, default=0.0, help="share of vendor requests answered with --error-status")
    add("--error-status", type=_status, default=500, help="HTTP status of injected errors (default 500)")
    add(
        "--rate-limit-per-s", type=_non_negative, default=0.0, help="vendor requests per second, 0 = no limit"
    )
    add(
        "--drop-after-commit-rate",
        type=_rate,
        default=0.0,
        help="share of vendor requests that take effect but whose connection is then dropped",
    )
    add("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """Return the sandbox settings given on the command line.

    :param args: Parsed arguments of :func:`build_parser`.
    """
    return SandboxConfig(
        host=args.host,
        port=args.port,
        sinch_service_plan_id=args.sinch_service_plan_id,
        sinch_api_token=args.sinch_api_token,
        sinch_key_id=args.sinch_key_id,
        sinch_key_secret=args.sinch_key_secret,
        sinch_project_id=args.sinch_project_id,
        sinch_token_ttl=args.sinch_token_ttl,
        sinch_callback_url=args.sinch_callback_url,
        sinch_callback_secret=args.sinch_callback_secret,
        fone_account_sid=args.fone_account_sid,
        fone_token=args.fone_token,
        fone_property_sid=args.fone_property_sid,
        delivery_delay=args.delivery_delay,
        callback_retry_s=args.callback_retry_s,
        seed=args.seed,
        state_file=args.state_file,
        faults=FaultConfig(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            error_status=args.error_status,
            rate_limit_per_s=args.rate_limit_per_s,
            drop_after_commit_rate=args.drop_after_commit_rate,
        ),
    )


def banner(config: SandboxConfig) -> str:
    """Return the start-up text: where the sandbox listens and the (sandbox-only) credentials it accepts.

    :param config: The sandbox settings.
    """
    url = f"http://{config.host}:{config.port}"
    return "\n".join(
        [
            f"SMS sandbox listening on {url}",
            f"  Sinch XMS:      {url}/xms/v1/{config.sinch_service_plan_id}/batches",
            f"    service plan id {config.sinch_service_plan_id}, API token {config.sinch_api_token}",
            f"    OAuth2: {url}/oauth2/token, key id {config.sinch_key_id}, key secret "
            f"{config.sinch_key_secret}, project id {config.sinch_project_id}",
            f"    callbacks: {config.sinch_callback_url or 'no service plan callback URL'}, "
            f"{'signed' if config.sinch_callback_secret else 'unsigned'}",
            f"  Fone Dynamics:  {url}/v2/Properties/{config.fone_property_sid}/Messages",
            f"    account SID {config.fone_account_sid}, token {config.fone_token}, "
            f"property SID {config.fone_property_sid}",
            f"  Inspection:     {url}/_sandbox/inbox/<number>, {url}/_sandbox/stats, "
            f"{url}/_sandbox/callbacks",
            f"  Inbound SMS:    POST {url}/_sandbox/inbound",
            f"  State:          {config.state_file or 'in memory'}; delivery delay {config.delivery_delay}s",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, then serve until interrupted; return the exit status.

    :param argv: Arguments without the program name; ``sys.argv[1:]`` when ``None``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback_host(args.host) and not args.allow_remote:
        parser.error(f"refusing to listen on non-loopback host {args.host!r}; pass --allow-remote to do so")
    config = config_from_args(args)
    problem = missing_extra()
    if problem is not None:
        parser.exit(1, f"{parser.prog}: error: {problem}\n")

    import uvicorn

    from airflow_provider_sms.sandbox.app import create_app

    print(banner(config), flush=True)
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
