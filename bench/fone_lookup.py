"""What the Fone Dynamics idempotency look-up costs against the size of the property's history.

Per history size, on a reset sandbox: that many messages are sent with other keys (the account's older
traffic), the sandbox clock is moved ``--gap`` seconds on, one chunk is sent through the hook, and
``FoneDynamicsHook.find_chunk`` looks it up, counting its HTTP requests and seconds:

* ``account window``: no campaign window, so the property's whole 14-day history is listed (what a look-up
  cost before the engine passed one);
* ``campaign window``: ``since`` = the sandbox time the campaign started, as the engine passes it from the
  task instance (only where ``find_chunk`` takes ``since``).

Run: ``.venv/bin/python bench/fone_lookup.py --rounds 3``
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sms-bench-"))

from harness import (
    FONE_ACCOUNT,
    FONE_PROPERTY,
    FONE_TOKEN,
    Series,
    common_arguments,
    connection_env,
    emit,
    machine,
    numbers,
    reset_sandbox,
    rows,
    server_process,
)

CONN_ID = "bench_fone_lookup"
SEED_CHUNK = 1000


class RequestCounter:
    """Count the HTTP requests this process sends (every ``requests`` adapter send)."""

    def __init__(self) -> None:
        from requests.adapters import HTTPAdapter

        self.count = 0
        original = HTTPAdapter.send

        def counting(adapter: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(adapter, request, *args, **kwargs)

        HTTPAdapter.send = counting  # type: ignore[method-assign]


def seed(url: str, count: int) -> None:
    """Send ``count`` messages with keys of other campaigns, 1,000 a request."""
    import requests

    session = requests.Session()
    session.auth = (FONE_ACCOUNT, FONE_TOKEN)
    endpoint = f"{url}/v2/Properties/{FONE_PROPERTY}/BatchMessages"
    recipients = numbers(min(count, 50_000))
    for start in range(0, count, SEED_CHUNK):
        key = f"older-{uuid.uuid4().hex[:12]}-c0"
        messages = [
            {
                "From": "Acme",
                "To": recipients[(start + i) % len(recipients)],
                "Text": "older",
                "ExternalId": f"{key}.{i}",
            }
            for i in range(min(SEED_CHUNK, count - start))
        ]
        session.post(endpoint, json={"Messages": messages}, timeout=120).raise_for_status()


def sandbox_now(url: str) -> datetime:
    """Return the sandbox clock's now."""
    import requests

    now = requests.get(f"{url}/_sandbox/stats", timeout=30).json()["now"]
    return datetime.fromisoformat(now).astimezone(timezone.utc)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the rounds for each history size."""
    import requests

    from airflow_provider_sms.hooks.campaign import chunk_key
    from airflow_provider_sms.hooks.fonedynamics import FoneDynamicsHook
    from airflow_provider_sms.hooks.sms import ChunkRecipient, SendChunk, SendOptions

    takes_since = "since" in inspect.signature(FoneDynamicsHook.find_chunk).parameters
    counter = RequestCounter()
    series: list[Series] = []
    sizes = [int(s) for s in args.sizes.split(",")]
    with server_process("sandbox") as url:
        connection_env(CONN_ID, "fonedynamics", url)
        for size in sizes:
            costs = {
                window: (
                    Series(f"{size:,} older: {window}, requests", "requests"),
                    Series(f"{size:,} older: {window}, time", "s"),
                )
                for window in (("account window", "campaign window") if takes_since else ("account window",))
            }
            for _ in range(args.rounds):
                reset_sandbox(url)
                seed(url, size)
                requests.post(
                    f"{url}/_sandbox/clock", json={"advance_seconds": args.gap}, timeout=30
                ).raise_for_status()
                started_at = sandbox_now(url)
                hook = FoneDynamicsHook(CONN_ID)
                key = chunk_key(f"sms-bench-{uuid.uuid4().hex[:16]}", 0)
                chunk = SendChunk(
                    0, key, tuple(ChunkRecipient(i, n) for i, n in enumerate(numbers(5, 900_000)))
                )
                hook.send_chunk(chunk, SendOptions(body="campaign", from_="Acme"))
                for window, (requests_series, seconds_series) in costs.items():
                    before, started = counter.count, time.perf_counter()
                    if window == "campaign window":
                        found = hook.find_chunk(key, since=started_at)  # type: ignore[call-arg]
                    else:
                        found = hook.find_chunk(key)
                    seconds_series.values.append(time.perf_counter() - started)
                    requests_series.values.append(counter.count - before)
                    if found is None or found.accepted != 5:
                        raise RuntimeError(f"{window}: the chunk was not found ({found})")
            for pair in costs.values():
                series += pair
    return {
        "script": "fone_lookup",
        "machine": machine(),
        "rounds": args.rounds,
        "gap_s": args.gap,
        "series": rows(series),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="history sizes (default 10000,50000)")
    parser.add_argument("--gap", type=float, default=3600.0, help="seconds between history and campaign")
    common_arguments(parser)
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.rounds = "300", 1
    emit(measure(args), args.json)


if __name__ == "__main__":
    main()
