"""Measure the sandbox's own capacity on this machine for 1,000-recipient batch sends.

Starts a sandbox on a free loopback port (in memory, no faults), then for each vendor sends
``--requests`` batches of 1,000 recipients from ``--concurrency`` threads, stopping early after
``--max-seconds``. Prints requests/s and recipients/s per vendor.

Run: ``/tmp/af33/bin/python bench/sandbox_capacity.py --requests 20 --concurrency 4``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer

RECIPIENTS = 1000


@dataclass
class Result:
    vendor: str
    requests: int
    seconds: float
    latencies: list[float]

    def line(self) -> str:
        rps = self.requests / self.seconds
        p50 = statistics.median(self.latencies) * 1000
        worst = max(self.latencies) * 1000
        return (
            f"{self.vendor:<14} {self.requests:>4} requests in {self.seconds:6.2f} s: "
            f"{rps:7.2f} requests/s, {rps * RECIPIENTS:9.0f} recipients/s "
            f"(latency p50 {p50:.0f} ms, max {worst:.0f} ms)"
        )


def sinch_sender(url: str, config: SandboxConfig) -> Callable[[int], None]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {config.sinch_api_token}"
    endpoint = f"{url}/xms/v1/{config.sinch_service_plan_id}/batches"

    def send(n: int) -> None:
        body = {
            "from": "+61499009990",
            "to": [f"+614{n % 100:02d}{i:06d}" for i in range(RECIPIENTS)],
            "body": f"capacity run {n}",
        }
        response = session.post(endpoint, json=body, timeout=60)
        if response.status_code != 201:
            raise RuntimeError(f"Sinch batch answered {response.status_code}: {response.text[:200]}")

    return send


def fonedynamics_sender(url: str, config: SandboxConfig) -> Callable[[int], None]:
    session = requests.Session()
    session.auth = (config.fone_account_sid, config.fone_token)
    endpoint = f"{url}/v2/Properties/{config.fone_property_sid}/BatchMessages"

    def send(n: int) -> None:
        messages = [
            {"From": "Acme", "To": f"+614{n % 100:02d}{i:06d}", "Text": f"capacity run {n}"}
            for i in range(RECIPIENTS)
        ]
        response = session.post(endpoint, json={"Messages": messages}, timeout=60)
        if response.status_code != 200 or "MessageSid" not in response.json()[0]:
            raise RuntimeError(f"Fone Dynamics batch answered {response.status_code}: {response.text[:200]}")

    return send


def measure(
    vendor: str, send: Callable[[int], None], count: int, concurrency: int, max_seconds: float
) -> Result:
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds

    def one(n: int) -> None:
        if time.monotonic() > deadline:
            return
        started = time.monotonic()
        send(n)
        latencies.append(time.monotonic() - started)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    return Result(vendor, len(latencies), time.monotonic() - started, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="batches per vendor (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time bound per vendor (default 60)")
    args = parser.parse_args()

    config = SandboxConfig(port=0, seed=1, delivery_delay=2.0)
    with SandboxServer(config) as server:
        for vendor, make in (("sinch", sinch_sender), ("fonedynamics", fonedynamics_sender)):
            make(server.url, config)(-1)  # warm-up, not measured
            result = measure(
                vendor, make(server.url, config), args.requests, args.concurrency, args.max_seconds
            )
            print(result.line(), flush=True)
            server.reset()


if __name__ == "__main__":
    main()
