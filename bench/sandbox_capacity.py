"""Measure the sandbox's own capacity on this machine for 1,000-recipient batch sends.

Starts a sandbox on a free loopback port (in memory, or on ``--state-file``; no faults), then for each vendor
sends ``--requests`` batches of 1,000 recipients from ``--concurrency`` threads, stopping early after
``--max-seconds``, and prints requests/s and recipients/s per vendor. Then, on a fresh sandbox state, runs a
Sinch campaign scenario: ``--campaign-batches`` batches of 1,000 sent one after another, the sandbox clock
advanced past the delivery delay, and every delivery report read back (each batch's full report, and every
recipient's report through the paged ``GET /delivery_reports``), checking the counts.

Run: ``.venv/bin/python bench/sandbox_capacity.py --requests 20 --concurrency 4``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from airflow_provider_sms.sandbox.config import SandboxConfig
from airflow_provider_sms.sandbox.testing import SandboxServer

RECIPIENTS = 1000
DELIVERY_DELAY_S = 2.0
REPORT_PAGE_SIZE = 100
# Recipients ending in 99 never get a receipt, so they are not in the list of final reports.
NO_RECEIPT_PER_BATCH = 10


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


def recipients(n: int) -> list[str]:
    return [f"+614{n % 100:02d}{i:06d}" for i in range(RECIPIENTS)]


def sinch_session(config: SandboxConfig) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {config.sinch_api_token}"
    return session


def sinch_sender(url: str, config: SandboxConfig) -> Callable[[int], None]:
    session = sinch_session(config)
    endpoint = f"{url}/xms/v1/{config.sinch_service_plan_id}/batches"

    def send(n: int) -> None:
        body = {"from": "+61499009990", "to": recipients(n), "body": f"capacity run {n}"}
        response = session.post(endpoint, json=body, timeout=600)
        if response.status_code != 201:
            raise RuntimeError(f"Sinch batch answered {response.status_code}: {response.text[:200]}")

    return send


def fonedynamics_sender(url: str, config: SandboxConfig) -> Callable[[int], None]:
    session = requests.Session()
    session.auth = (config.fone_account_sid, config.fone_token)
    endpoint = f"{url}/v2/Properties/{config.fone_property_sid}/BatchMessages"

    def send(n: int) -> None:
        messages = [{"From": "Acme", "To": number, "Text": f"capacity run {n}"} for number in recipients(n)]
        response = session.post(endpoint, json={"Messages": messages}, timeout=600)
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


def _get(session: requests.Session, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    response = session.get(url, params=params, timeout=600)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
    data: dict[str, Any] = response.json()
    return data


def sinch_campaign(url: str, config: SandboxConfig, batches: int) -> str:
    """Send ``batches`` batches of 1,000, advance the clock, read every report; return a result line."""
    session = sinch_session(config)
    base = f"{url}/xms/v1/{config.sinch_service_plan_id}"
    started = time.monotonic()
    ids = []
    for n in range(batches):
        body = {"from": "+61499009990", "to": recipients(n), "body": f"campaign {n}"}
        response = session.post(f"{base}/batches", json=body, timeout=600)
        if response.status_code != 201:
            raise RuntimeError(f"Sinch batch answered {response.status_code}: {response.text[:200]}")
        ids.append(response.json()["id"])
    sent = time.monotonic()
    advanced = session.post(
        f"{url}/_sandbox/clock", json={"advance_seconds": 2 * DELIVERY_DELAY_S}, timeout=600
    )
    advanced.raise_for_status()
    moved = time.monotonic()
    counted = 0
    for batch_id in ids:
        report = _get(session, f"{base}/batches/{batch_id}/delivery_report", {"type": "full"})
        counted += sum(len(entry["recipients"]) for entry in report["statuses"])
    listed, page, expected = 0, 0, batches * (RECIPIENTS - NO_RECEIPT_PER_BATCH)
    while True:
        found = _get(
            session, f"{base}/delivery_reports", {"page": str(page), "page_size": str(REPORT_PAGE_SIZE)}
        )
        listed += len(found["delivery_reports"])
        if not found["delivery_reports"]:
            break
        page += 1
    read = time.monotonic()
    if counted != batches * RECIPIENTS or listed != expected:
        raise RuntimeError(
            f"reports counted {counted} recipients and listed {listed} final, expected {expected}"
        )
    total = batches * RECIPIENTS
    return (
        f"sinch campaign {total} recipients ({batches} x {RECIPIENTS}): send {sent - started:.2f} s, "
        f"advance {moved - sent:.2f} s, read {batches} full reports + {page} report pages "
        f"{read - moved:.2f} s, total {read - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="batches per vendor (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time bound per vendor (default 60)")
    parser.add_argument(
        "--campaign-batches", type=int, default=10, help="Sinch campaign batches (default 10)"
    )
    parser.add_argument("--state-file", action="store_true", help="keep state in a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        state_file = str(Path(folder) / "bench.sqlite") if args.state_file else None
        config = SandboxConfig(port=0, seed=1, delivery_delay=DELIVERY_DELAY_S, state_file=state_file)
        with SandboxServer(config) as server:
            for vendor, make in (("sinch", sinch_sender), ("fonedynamics", fonedynamics_sender)):
                make(server.url, config)(-1)  # warm-up, not measured
                result = measure(
                    vendor, make(server.url, config), args.requests, args.concurrency, args.max_seconds
                )
                print(result.line(), flush=True)
                server.reset()
            if args.campaign_batches:
                print(sinch_campaign(server.url, config, args.campaign_batches), flush=True)


if __name__ == "__main__":
    main()
